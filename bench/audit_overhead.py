"""Benchmark: the cost of the tamper-evident audit, and `audit verify` speed, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bz_bench_audit \\
        .venv/bin/python bench/audit_overhead.py --writes 300 --reads 600 --rows 1000000 --seed 1

Creates the database if missing and migrates. In this one process it times, alternating
rounds with auditing off (settings.AUDIT_ENABLED = False, the baseline only) and on (the
production path: audit row in the business transaction, sealing after commit):
  (a) write-heavy: bodies established through `orgs.services.org_establish` (each with its
      document: two journal entries, two audit rows, two transactions);
  (b) read-heavy: full-record views of a person through the test client (`/persons/<id>/`,
      one `personnel.person.viewed` row and a seal per request).
Median of --rounds rounds each; prints the ratio on/off and "TARGET MISSED" above +15 %.
Then (c) sealing speed: --seal-rows unsealed rows COPY'd in, then `seal()`; and (d) `audit
verify` speed: the audit emptied (the bench's own database), --rows sealed rows with a valid
SM3 chain COPY'd in, then `verify_chain()` timed. Writes bench/results/audit_overhead.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("BIANZHI_NODE_KEY_FILE", "/tmp/bz-bench-audit-node-key.pem")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

from orgs_search import ensure_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "audit_overhead.json"
TARGET = 0.15


def _settings() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://… (this benchmark runs on PostgreSQL)")
    return dj_database_url.parse(url)


def _setup():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    _empty_audit()  # a clean chain and sequence, even after an interrupted run
    from django.contrib.auth.models import Group

    from bianzhi.accounts.models import User
    from bianzhi.core.models import Node
    from bianzhi.personnel import services as people

    node, _ = Node.objects.get_or_create(
        code="000000", defaults={"name": "中央编办", "region_code": "000000"}
    )
    user = User.objects.filter(username="bench-audit").first()
    if user is None:
        user = User.objects.create_user(username="bench-audit", password="x" * 12, node=node)
        user.groups.add(Group.objects.get(name="clerk"))
    person = _person_exists() or people.person_register(
        actor=user, resident_id="11010119900307731X", name="张伟"
    )
    return user, person


def _person_exists():
    from bianzhi.personnel.models import Person

    return Person.objects.filter(name="张伟").first()


def _writes(n: int, counter: list[int], user) -> float:
    from bianzhi.testing import establish

    began = time.perf_counter()
    for _ in range(n):
        counter[0] += 1
        establish(f"审计基准测试局{counter[0]:09d}", region="320506", actor=user)
    return (time.perf_counter() - began) / n


def _reads(n: int, client, person) -> float:
    url = f"/persons/{person.pk}/"
    began = time.perf_counter()
    for _ in range(n):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    return (time.perf_counter() - began) / n


def overhead(args, user, person) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    counter = [int(time.time() * 1000) % 10**9]
    _writes(10, counter, user), _reads(10, client, person)  # warm-up
    times: dict[str, dict[str, list[float]]] = {"write": {}, "read": {}}
    for _round in range(args.rounds):
        for enabled in (False, True):
            settings.AUDIT_ENABLED = enabled
            key = "on" if enabled else "off"
            times["write"].setdefault(key, []).append(_writes(args.writes, counter, user))
            times["read"].setdefault(key, []).append(_reads(args.reads, client, person))
    settings.AUDIT_ENABLED = True
    out = {}
    for kind, by in times.items():
        off, on = statistics.median(by["off"]), statistics.median(by["on"])
        out[kind] = {"off_ms": off * 1e3, "on_ms": on * 1e3, "extra": on / off - 1}
        flag = "" if on / off - 1 <= TARGET else "   TARGET MISSED (<15 % extra)"
        print(
            f"{kind:5}-heavy: off {off * 1e3:7.2f} ms/op, on {on * 1e3:7.2f} ms/op, "
            f"ratio {on / off:.3f} ({(on / off - 1) * 100:+.1f} %){flag}"
        )
    return out


def _empty_audit() -> None:
    from django.db import connection, transaction

    from bianzhi.audit import guard
    from bianzhi.audit.chain import GENESIS

    with transaction.atomic(), guard.permit("wipe"), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE audit_auditevent, audit_auditcheckpoint, audit_auditarchive RESTART IDENTITY"
        )
        cursor.execute("UPDATE audit_auditchainhead SET chain_seq = 0, hash = %s", [GENESIS])


def _copy(rows) -> None:
    from django.db import connection

    from bianzhi.audit.chain import FIELDS  # the synthetic rows follow this order

    sql = f"COPY audit_auditevent ({', '.join([*FIELDS, 'prev_hash', 'hash'])}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _synthetic(n: int, seed: int, *, sealed: bool, first_seq: int = 1):
    """n rows like real ones (actions, addresses, small data); sealed ones chained with SM3."""
    from bianzhi.audit.chain import GENESIS, row_hash

    rng = random.Random(seed)
    actions = [
        "personnel.person.viewed",
        "orgs.org.established",
        "auth.login.succeeded",
        "staffing.quota.transferred",
        "orgs.org.exported",
        "auth.login.failed",
    ]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    prev = GENESIS
    for i in range(n):
        seq = first_seq + i
        at = start + datetime.timedelta(seconds=i * 3, microseconds=rng.randrange(10**6))
        action = rng.choice(actions)
        row = {
            "seq": seq,
            "chain_seq": seq if sealed else None,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": None,
            "actor_name": f"user{rng.randrange(500)}",
            "node": "000000",
            "address": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "action": action,
            "entity": action.rsplit(".", 1)[0],
            "entity_id": str(rng.randrange(10**6)),
            "result": "refused" if action.endswith("failed") else "success",
            "reason": "",
            "path": f"/persons/{rng.randrange(10**6)}/",
            "data": {"journal": rng.randrange(10**7)},
        }
        digest = row_hash(prev, row) if sealed else ""
        yield [
            seq,
            row["chain_seq"],
            at,
            None,
            row["actor_name"],
            "000000",
            row["address"],
            action,
            row["entity"],
            row["entity_id"],
            row["result"],
            "",
            row["path"],
            json.dumps(row["data"]),
            prev if sealed else "",
            digest,
        ]
        if sealed:
            prev = digest


def sealing(args) -> dict:
    from bianzhi.audit.chain import seal

    _empty_audit()
    _copy(_synthetic(args.seal_rows, args.seed, sealed=False))
    began = time.perf_counter()
    count = seal(batch=5000)
    seconds = time.perf_counter() - began
    print(f"seal:   {count:,} rows in {seconds:.1f} s = {count / seconds:,.0f} rows/s")
    return {"rows": count, "seconds": seconds, "rows_per_s": count / seconds}


def verifying(args) -> dict:
    from django.db import connection

    from bianzhi.audit.models import AuditChainHead, AuditEvent
    from bianzhi.audit.verify import verify_chain

    _empty_audit()
    began = time.perf_counter()
    _copy(_synthetic(args.rows, args.seed, sealed=True))
    load = time.perf_counter() - began
    last = AuditEvent.objects.order_by("-chain_seq").values_list("chain_seq", "hash").first()
    AuditChainHead.objects.filter(pk=1).update(chain_seq=last[0], hash=last[1])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'seq'), %s)", [last[0]]
        )
    report = verify_chain()
    assert report.ok and report.rows == args.rows, report.problem
    rate = report.rows / report.seconds
    print(
        f"verify: {report.rows:,} rows in {report.seconds:.1f} s = {rate:,.0f} rows/s "
        f"(synthetic chain built and COPY'd in {load:.1f} s)"
    )
    return {"rows": report.rows, "seconds": report.seconds, "rows_per_s": rate, "load_s": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--reads", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seal-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    ensure_database(_settings())
    user, person = _setup()

    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "args": vars(args),
        "overhead": overhead(args, user, person),
        "seal": sealing(args),
        "verify": verifying(args),
    }
    _empty_audit()  # leave the bench database's audit empty for the next run
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
