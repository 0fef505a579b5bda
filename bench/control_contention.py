"""Benchmark: real-time quota control (编制实时控制) under contention, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bz_bench_control \\
        .venv/bin/python bench/control_contention.py --clients 64 --attempts 10000 --seed 1

Drops and re-creates the database, migrates, and for each mode builds a fresh set-up: --bodies
bodies (default 50) in 吴中区 whose ``admin`` quota has 1–5 vacant posts (3–20 approved, the
rest occupied by persons placed in bulk), and --attempts registered persons without a post (bulk).
With the seed, attempt i onboards person i into a randomly chosen body, so almost every attempt
meets a full body and the clients fight over a few quota rows.

* ``service``: --clients threads, each with its own database connection, take attempts from a
  shared queue and call ``personnel.services.assignment_onboard`` (actor: a national clerk);
* ``http``: the app server (``bianzhi runserver --noreload``, threaded; no other WSGI server is
  installed) in a subprocess, and --clients threads with one keep-alive ``http.client``
  connection each calling ``POST /api/v1/assignments`` with a bearer token (201 / 409).  A
  request whose connection is reset (runserver listens with a backlog of 10, so a few of 64
  simultaneous connections are dropped) is sent once more on a new connection and counted
  under ``retried:<outcome>``; the SQL check below counts what was committed either way;
* ``plain``: the baseline, in the same process — plain ``INSERT`` statements into
  ``personnel_assignment`` (no checks, no locks, autocommit) of as many rows as the mode
  committed, from the same number of threads; and, for a steadier figure, of --attempts rows.

After each mode it reads straight from SQL ``over_quota_commits`` = Σ max(0, open assignments −
approved) over the set-up's quotas (must be 0), whether every counter equals its real count, and
how many vacancies are left.  Prints a table (successes, refusals by code, throughput in
attempts/s, p50/p99 latency, throughput ratio to the plain inserts) and writes
bench/results/control_contention.json.  The exit code is 0 even when the target is missed;
then it prints "TARGET MISSED".
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import itertools
import json
import os
import platform
import queue
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)

from orgs_search import ensure_database  # noqa: E402  (bench/ is on sys.path)

RESULTS = ROOT / "bench" / "results" / "control_contention.json"
REGION = "320506"  # 苏州市吴中区
EST_TYPE = "admin"
ISSUER = "中共苏州市吴中区委机构编制委员会办公室"
TODAY = datetime.date.today()
DOCUMENT_NUMBERS = itertools.count(1)


# --- set-up -------------------------------------------------------------------------------------


@dataclass
class Setup:
    label: str
    orgs: list = field(default_factory=list)  # Org
    quota_ids: list[int] = field(default_factory=list)
    vacancies: int = 0
    persons: list[int] = field(default_factory=list)  # ids of persons without a post
    document: object = None

    def document_fields(self) -> dict:
        doc = self.document
        return {
            "issuer": doc.issuer,
            "number": doc.number,
            "issued_on": doc.issued_on.isoformat(),
            "title": doc.title,
        }


class Identities:
    """Valid, unique resident IDs for the whole run (吴中区, born 1965–2000)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"{seed}/ids")
        self.used: set[str] = set()

    def next(self) -> tuple[str, str, datetime.date]:
        from bianzhi.core.identifiers import ric_check_digit

        while True:
            birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 12783))
            seq = self.rng.randint(1, 998)
            body = f"{REGION}{birth:%Y%m%d}{seq:03d}"
            if body not in self.used:
                self.used.add(body)
                return body + ric_check_digit(body), "M" if seq % 2 else "F", birth


def bulk_persons(ids: Identities, count: int, prefix: str) -> list:
    from bianzhi.personnel.models import Person
    from bianzhi.personnel.retirement import category_for, statutory_retirement

    rows = []
    for i in range(count):
        number, gender, birth = ids.next()
        category = category_for(gender, cadre=True)
        rows.append(
            Person(
                resident_id=number,
                name=f"{prefix}{i}",
                gender=gender,
                birth_date=birth,
                retirement_category=category,
                retires_on=statutory_retirement(birth, category).month.first_day,
            )
        )
    return Person.objects.bulk_create(rows, batch_size=2000)


def _occupy(setup: Setup, org, quota, count: int, ids: Identities) -> None:
    """Place `count` persons on the quota in bulk and set its counter."""
    from bianzhi.personnel.models import Assignment

    people = bulk_persons(ids, count, f"在编{org.pk}-")
    Assignment.objects.bulk_create(
        Assignment(
            person=person,
            org=org,
            quota=quota,
            est_type=EST_TYPE,
            start_date=datetime.date(2021, 3, 1),
            entry_way="exam",
            entry_document=setup.document,
        )
        for person in people
    )
    type(quota).objects.filter(pk=quota.pk).update(occupied=count)


def make_setup(label: str, bodies: int, persons: int, seed: int, ids: Identities) -> Setup:
    """Bodies with small vacancies (through the services) and persons without a post (bulk)."""
    from bianzhi.core.documents import document_register
    from bianzhi.orgs.services import org_establish
    from bianzhi.orgs.validation import OrgSpec
    from bianzhi.staffing.services import quota_set

    rng = random.Random(f"{seed}/{label}")
    setup = Setup(label)
    setup.document = document_register(
        actor=None,
        issuer=ISSUER,
        number=f"吴编办〔2021〕{next(DOCUMENT_NUMBERS)}号",
        issued_on=datetime.date(2021, 1, 4),
        title=f"关于并发入编测试（{label}）的通知",
    )
    for i in range(bodies):
        spec = OrgSpec(name=f"并发测试{label}第{i + 1}局", category="gov", region_code=REGION)
        org = org_establish(
            actor=None, spec=spec, document=setup.document, effective_date=datetime.date(2021, 2, 1)
        )
        vacancy, approved = rng.randint(1, 5), rng.randint(3, 20)
        approved = max(approved, vacancy)
        quota = quota_set(
            actor=None,
            org=org,
            est_type=EST_TYPE,
            approved=approved,
            document=setup.document,
            effective_date=datetime.date(2021, 2, 1),
        )
        _occupy(setup, org, quota, approved - vacancy, ids)
        setup.orgs.append(org)
        setup.quota_ids.append(quota.pk)
        setup.vacancies += vacancy
    setup.persons = [p.pk for p in bulk_persons(ids, persons, f"待入编{label}-")]
    return setup


def clerk_token() -> str:
    """A national clerk and a bearer token for the HTTP mode."""
    from django.contrib.auth.models import Group

    from bianzhi.accounts.models import User
    from bianzhi.accounts.services import api_token_issue
    from bianzhi.core.models import Node

    national, _ = Node.objects.get_or_create(
        code="000000", defaults={"name": "中央机构编制委员会办公室", "region_code": "000000"}
    )
    user, _ = User.objects.get_or_create(username="bench-clerk", defaults={"node": national})
    user.groups.set([Group.objects.get(name="clerk")])
    _token, raw = api_token_issue(actor=None, user=user, name="control contention bench", days=1)
    return raw


def attempts_for(setup: Setup, count: int, seed: int) -> list[tuple[int, int]]:
    """(person id, org id) per attempt: person i into a body chosen with the seed."""
    rng = random.Random(f"{seed}/attempts")
    return [(setup.persons[i], rng.choice(setup.orgs).pk) for i in range(count)]


# --- the runs -----------------------------------------------------------------------------------


@dataclass
class Run:
    mode: str
    attempts: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    check: dict = field(default_factory=dict)

    @property
    def successes(self) -> int:
        return self.outcomes["ok"] + self.outcomes["retried:ok"]

    def summary(self) -> dict:
        ordered = sorted(self.latencies) or [0.0]
        return {
            "mode": self.mode,
            "attempts": self.attempts,
            "successes": self.successes,
            "refusals": {
                k: v for k, v in sorted(self.outcomes.items()) if k not in ("ok", "retried:ok")
            },
            "retried": sum(v for k, v in self.outcomes.items() if k.startswith("retried:")),
            "seconds": round(self.seconds, 2),
            "throughput": round(self.attempts / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 2),
            **self.check,
        }


def run_threads(mode: str, clients: int, work: list, worker) -> Run:
    """Start `clients` threads on a shared queue; time from the moment all are connected."""
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for item in work:
        jobs.put(item)
    run = Run(mode, attempts=len(work))
    lock, barrier = threading.Lock(), threading.Barrier(clients + 1, timeout=300)
    threads = [
        threading.Thread(target=worker, args=(jobs, barrier, run, lock), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    return run


def _drain(jobs: queue.SimpleQueue, call) -> tuple[Counter, list[float]]:
    outcomes, latencies = Counter(), []
    while True:
        try:
            item = jobs.get_nowait()
        except queue.Empty:
            return outcomes, latencies
        started = time.perf_counter()
        outcomes[call(item)] += 1
        latencies.append((time.perf_counter() - started) * 1000)


def _merge(run: Run, lock: threading.Lock, outcomes: Counter, latencies: list[float]) -> None:
    with lock:
        run.outcomes.update(outcomes)
        run.latencies.extend(latencies)


def service_worker(setup: Setup):
    from django.db import connection, connections

    from bianzhi.accounts.models import User
    from bianzhi.core.errors import DomainError
    from bianzhi.orgs.models import Org
    from bianzhi.personnel import services
    from bianzhi.personnel.models import Person

    def work(jobs, barrier, run, lock):
        try:
            connection.ensure_connection()
            actor = User.objects.select_related("node").get(username="bench-clerk")
            orgs = Org.objects.in_bulk([org.pk for org in setup.orgs])
            barrier.wait()

            def call(item):
                person_id, org_id = item
                try:
                    services.assignment_onboard(
                        actor=actor,
                        person=Person(pk=person_id),
                        org=orgs[org_id],
                        est_type=EST_TYPE,
                        start_date=TODAY,
                        entry_way="exam",
                        document=setup.document,
                    )
                except DomainError as exc:
                    return exc.code
                except Exception as exc:  # a database error is a result to report, not a crash
                    return f"error:{type(exc).__name__}"
                return "ok"

            _merge(run, lock, *_drain(jobs, call))
        finally:
            connections.close_all()

    return work


def http_worker(setup: Setup, port: int, token: str):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    document = setup.document_fields()

    def post(conn, item) -> str:
        person_id, org_id = item
        body = {
            "person_id": person_id,
            "org_id": org_id,
            "est_type": EST_TYPE,
            "start_date": TODAY.isoformat(),
            "entry_way": "exam",
            "document": document,
        }
        conn.request("POST", "/api/v1/assignments", json.dumps(body), headers)
        response = conn.getresponse()
        data = response.read()
        if response.status == 201:
            return "ok"
        try:
            code = json.loads(data).get("code", "")
        except ValueError:
            code = ""
        return code if response.status == 409 else f"http_{response.status}:{code}"

    def work(jobs, barrier, run, lock):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.connect()
            barrier.wait()

            def call(item):
                for retry in (False, True):
                    try:
                        return ("retried:" if retry else "") + post(conn, item)
                    except (OSError, http.client.HTTPException) as exc:
                        conn.close()  # reconnects on the next request
                        error = f"error:{type(exc).__name__}"
                return error

            _merge(run, lock, *_drain(jobs, call))
        finally:
            conn.close()

    return work


INSERT = (
    "INSERT INTO personnel_assignment (uid, origin_node, person_id, org_id, quota_id, est_type, "
    "start_date, entry_way, exit_way, entry_document_id, override_by) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', %s, '')"
)


def plain_worker(document_id: int):
    from django.db import connection, connections

    def work(jobs, barrier, run, lock):
        try:
            cursor = connection.cursor()
            barrier.wait()

            def call(item):
                person_id, org_id, quota_id = item
                values = [uuid.uuid4(), "bench", person_id, org_id, quota_id, EST_TYPE, TODAY]
                cursor.execute(INSERT, [*values, "exam", document_id])
                return "ok"

            _merge(run, lock, *_drain(jobs, call))
            cursor.close()
        finally:
            connections.close_all()

    return work


def run_plain(setup: Setup, rows: int, clients: int, seed: int, label: str) -> Run:
    """Plain INSERTs of `rows` assignments for persons without a post; removed afterwards."""
    from bianzhi.personnel.models import Assignment

    rng = random.Random(f"{seed}/plain")
    free = setup.persons[-rows:]
    quotas = list(zip([org.pk for org in setup.orgs], setup.quota_ids, strict=True))
    work = [(person, *rng.choice(quotas)) for person in free]
    run = run_threads(label, clients, work, plain_worker(setup.document.pk))
    Assignment.objects.filter(person_id__in=free, end_date__isnull=True).delete()
    return run


# --- checks -------------------------------------------------------------------------------------

CHECK_SQL = """
WITH open AS (
    SELECT quota_id, COUNT(*) AS n FROM personnel_assignment
    WHERE end_date IS NULL GROUP BY quota_id
)
SELECT COALESCE(SUM(GREATEST(0, COALESCE(o.n, 0) - q.approved)), 0),
       COUNT(*) FILTER (WHERE q.occupied <> COALESCE(o.n, 0)),
       COALESCE(SUM(GREATEST(0, q.approved - COALESCE(o.n, 0))), 0)
FROM staffing_quota q LEFT JOIN open o ON o.quota_id = q.id
WHERE q.id = ANY(%s)
"""


def check(setup: Setup) -> dict:
    """over_quota_commits, counters that differ from the real count, vacancies left."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CHECK_SQL, [setup.quota_ids])
        over, wrong, left = cursor.fetchone()
    return {
        "over_quota_commits": int(over),
        "counter_mismatches": int(wrong),
        "vacancies_before": setup.vacancies,
        "vacancies_left": int(left),
    }


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    """`bianzhi runserver` (threaded) in a subprocess; waits for /healthz."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bianzhi.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the server did not answer /healthz within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- main ---------------------------------------------------------------------------------------


def prepare() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def measure_mode(mode: str, args, ids: Identities, token: str) -> list[dict]:
    """One mode on a fresh set-up, then the plain-insert baseline of its committed rows."""
    started = time.perf_counter()
    setup = make_setup(mode, args.bodies, args.attempts * 2, args.seed, ids)
    print(
        f"{mode}: set-up of {args.bodies} bodies, {setup.vacancies} vacancies, "
        f"{len(setup.persons)} persons in {time.perf_counter() - started:.1f} s"
    )
    work = attempts_for(setup, args.attempts, args.seed)
    if mode == "service":
        run = run_threads(mode, args.clients, work, service_worker(setup))
    else:
        port = free_port()
        server = start_server(port, ROOT / "bench" / "results" / "control_contention_server.log")
        try:
            run = run_threads(mode, args.clients, work, http_worker(setup, port, token))
        finally:
            stop_server(server)
    run.check = check(setup)
    same = run_plain(setup, max(run.successes, 1), args.clients, args.seed, f"plain ×{mode} ok")
    full = run_plain(setup, args.attempts, args.clients, args.seed, f"plain ×{args.attempts}")
    result, same, full = run.summary(), same.summary(), full.summary()
    result["ratio_to_plain"] = round(result["throughput"] / same["throughput"], 4)
    result["ratio_to_plain_all_attempts"] = round(result["throughput"] / full["throughput"], 4)
    return [result, same | {"ratio_to_plain": 1.0}, full | {"ratio_to_plain": 1.0}]


def print_table(results: list[dict]) -> None:
    print(
        f"\n{'mode':<22}{'attempts':>9}{'ok':>6}{'over':>6}{'att/s':>9}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'×plain':>9}  refusals"
    )
    for r in results:
        refusals = ", ".join(f"{code} {n}" for code, n in r["refusals"].items()) or "-"
        over = r.get("over_quota_commits", "")
        print(
            f"{r['mode']:<22}{r['attempts']:>9}{r['successes']:>6}{over!s:>6}"
            f"{r['throughput']:>9.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['ratio_to_plain']:>9.4f}  {refusals}"
        )
    for r in results:
        if "over_quota_commits" not in r:
            continue
        print(
            f"{r['mode']}: filled {r['vacancies_before'] - r['vacancies_left']} of "
            f"{r['vacancies_before']} vacancies; counters differing from the real count: "
            f"{r['counter_mismatches']}"
        )
        if r["over_quota_commits"] or r["counter_mismatches"]:
            print(
                f"TARGET MISSED: {r['mode']} committed {r['over_quota_commits']} over quota, "
                f"{r['counter_mismatches']} counters wrong"
            )


def write_results(args, results: list[dict]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    payload = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "clients": args.clients,
        "attempts": args.attempts,
        "bodies": args.bodies,
        "seed": args.seed,
        "postgresql": version,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, ensure_ascii=False, indent=2), "utf-8")
    print(f"\nresults written to {RESULTS.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="service,http", help="comma-separated")
    args = parser.parse_args()
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "set DATABASE_URL to a PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/bz_bench_control"
        )
        return 2
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    ensure_database(dj_database_url.parse(url), recreate=True)
    prepare()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    ids, token = Identities(args.seed), clerk_token()
    results = []
    for mode in args.modes.split(","):
        results += measure_mode(mode.strip(), args, ids, token)
    print_table(results)
    write_results(args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
