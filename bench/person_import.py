"""Benchmark: bulk import of people onto posts from CSV, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bz_bench_people \\
        .venv/bin/python bench/person_import.py --rows 1000000 --seed 1

Creates the database if missing and migrates; makes --bodies bodies (once, through the
services) each with large admin and institution quotas; empties the register; writes a
deterministic CSV of --rows people with valid resident IDs to /tmp (streamed, fixed seed).
Then, in this process, it times
  (a) our import of the file through the path the upload page takes: `person_import_create`
      stores the file and runs the job (tasks run immediately here), which checks every row
      and loads them all in one transaction (persons, assignments, one journal entry per
      assignment, counters);
  (b) a raw `COPY … FROM STDIN (FORMAT csv, HEADER)` of the same file into a scratch copy of
      personnel_person (same indexes; the file's other columns added as text; no checks).
Prints rows/s for both, the ratio ours/COPY, the peak memory (ru_maxrss; tracemalloc's peak with
--tracemalloc, which slows Python down severalfold), and writes
bench/results/person_import.json. Below a third of COPY's speed or above 1 GB it prints
"TARGET MISSED" lines; the exit code is 0 either way.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ["BIANZHI_TASKS_IMMEDIATE"] = "1"  # the job runs when its upload commits
os.environ.setdefault("BIANZHI_MEDIA_ROOT", "/tmp/bz-bench-people-media")

from orgs_search import ensure_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "person_import.json"  # person_import-sequential.json
TARGET_RATIO = 1 / 3
TARGET_BYTES = 1 << 30
BODY_PREFIX = "基准测试单位"
REGIONS = ("320506", "320505", "320507", "320508", "320509", "320581")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌建国志强文博宇浩然子涵欣怡梓轩一诺雨桐思远"  # noqa: E501
ETHNICITIES = ("汉族",) * 18 + ("回族", "满族")
POLITICAL = ("中共党员", "中共党员", "群众", "共青团员", "民盟盟员")
EDUCATION = ("本科", "本科", "硕士研究生", "大专", "博士研究生")
EST_TYPES = ("admin", "inst_full")
WAYS = ("exam", "open_recruit", "transfer_in", "selection", "military")
BIRTH_FROM = datetime.date(1966, 1, 1)
BIRTH_DAYS = 12_775  # 35 years of birth dates; gcd with the stride is 1
STRIDE = 7919


# --- database ---------------------------------------------------------------------------------


def prepare(bodies: int) -> dict:
    """Migrate, make the province user and the bodies with quotas (once), empty the register."""
    import django
    from django.core.management import call_command
    from django.db import connections

    ensure_database(_settings())
    django.setup()
    call_command("migrate", verbosity=0)
    from bianzhi.orgs.models import Org

    user = _user()
    have = Org.objects.filter(name__startswith=BODY_PREFIX).count()
    if have != bodies:
        _make_bodies(user, have, bodies)
    _empty_register()
    connections.close_all()
    return {"user_id": user.pk}


def _settings() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must point to PostgreSQL")
    return dj_database_url.parse(url)


def _user():
    from bianzhi.accounts.models import User
    from bianzhi.core.models import Node
    from bianzhi.testing import make_user

    node, _ = Node.objects.get_or_create(
        code="320500", defaults={"name": "苏州市委编办", "region_code": "320500"}
    )
    return User.objects.filter(username="bench-importer").first() or make_user(
        "bench-importer", node
    )


def _make_bodies(user, have: int, bodies: int) -> None:
    from bianzhi.staffing import services as staffing
    from bianzhi.testing import establish, make_document

    started = time.perf_counter()
    for i in range(have, bodies):
        org = establish(f"{BODY_PREFIX}{i:05d}", region=REGIONS[i % len(REGIONS)], actor=user)
        for est_type in EST_TYPES:
            staffing.quota_set(
                actor=user,
                org=org,
                est_type=est_type,
                approved=2_000_000,
                document=make_document(),
                effective_date=datetime.date(2020, 1, 1),
            )
    print(f"made {bodies - have} bodies in {time.perf_counter() - started:.1f} s")


def _empty_register() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE personnel_leadertenure, personnel_assignment, personnel_person, "
            "personnel_personimportjob"
        )
        cursor.execute(
            "DELETE FROM core_journalentry WHERE action LIKE 'personnel.%%' "
            "OR entity = 'personnel.personimportjob'"
        )
        cursor.execute("UPDATE staffing_quota SET occupied = 0")
        cursor.execute("VACUUM ANALYZE")


# --- the file ---------------------------------------------------------------------------------


def resident_id(i: int) -> str:
    """A distinct valid ID for each i < 12,775,000 (birth day and sequence from i)."""
    from bianzhi.core.identifiers import ric_check_digit

    day = BIRTH_FROM + datetime.timedelta(days=(i * STRIDE) % BIRTH_DAYS)
    first17 = f"{REGIONS[i % len(REGIONS)]}{day:%Y%m%d}{i // BIRTH_DAYS:03d}"
    return first17 + ric_check_digit(first17)


def write_csv(path: Path, rows: int, bodies: int, documents: int, seed: int) -> int:
    from bianzhi.personnel.importing import COLUMNS

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(column.header for column in COLUMNS) + "\n")
        for i in range(rows):
            rid = resident_id(i)
            start = datetime.date(int(rid[6:10]) + rng.randint(22, 30), rng.randint(1, 12), 1)
            doc = i * documents // rows
            out.write(
                f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)},{rid},"
                f"{rng.choice(ETHNICITIES)},{rng.choice(POLITICAL)},{rng.choice(EDUCATION)},"
                f"{'工人' if rng.random() < 0.1 else '干部'},"
                f"{BODY_PREFIX}{rng.randrange(bodies):05d},{rng.choice(EST_TYPES)},"
                f"{min(start, datetime.date(2025, 12, 1))},{rng.choice(WAYS)},"
                f"苏州市委组织部,苏组〔2025〕{doc + 1}号,关于实名制数据采集的通知（第{doc + 1}批）,"
                f"2025-06-30\n"
            )
    return path.stat().st_size


# --- the runs ---------------------------------------------------------------------------------


class Phases:
    """Times the checking inside the job, and keeps the load's own step times."""

    def __init__(self) -> None:
        from bianzhi.personnel.importing import jobs, pipeline

        self.seconds, self.load_steps = {}, {}
        jobs.check_rows = self._timed(jobs.check_rows)
        pipeline.check_rows = self._timed(pipeline.check_rows)
        finish = jobs._finish

        def finishing(job, **kwargs):
            if kwargs.get("loaded") is not None:
                self.load_steps = kwargs["loaded"].seconds
            return finish(job, **kwargs)

        jobs._finish = finishing

    def _timed(self, func):
        def wrapped(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds["check"] = time.perf_counter() - started

        return wrapped


def run_ours(path: Path, user_id: int) -> dict:
    from django.core.files import File

    from bianzhi.accounts.models import User
    from bianzhi.personnel.importing import person_import_create

    user = User.objects.select_related("node").get(pk=user_id)
    phases = Phases()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        job = person_import_create(actor=user, upload=File(handle, name=path.name))
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != "succeeded":
        print("import failed:", job.errors[:5])
    return {
        "status": job.status,
        "persons": job.persons_created,
        "seconds": seconds,
        "check_seconds": phases.seconds.get("check", 0),
        "after_check_seconds": seconds - phases.seconds.get("check", 0),
        "load_steps": phases.load_steps,
    }


SCRATCH = """
DROP TABLE IF EXISTS bench_person_copy;
CREATE TABLE bench_person_copy (LIKE personnel_person INCLUDING ALL);
ALTER TABLE bench_person_copy
    ALTER uid SET DEFAULT gen_random_uuid(), ALTER origin_node SET DEFAULT '000000',
    ALTER created_at SET DEFAULT now(), ALTER gender DROP NOT NULL,
    ALTER birth_date DROP NOT NULL, ALTER retirement_category DROP NOT NULL,
    ALTER retires_on DROP NOT NULL,
    ADD cadre text, ADD org text, ADD est_type text, ADD start_date text, ADD entry_way text,
    ADD document_issuer text, ADD document_number text, ADD document_title text,
    ADD document_date text;
"""
COPY_COLUMNS = (
    "name, resident_id, ethnicity, political_status, education, cadre, org, est_type, "
    "start_date, entry_way, document_issuer, document_number, document_title, document_date"
)


def run_copy(path: Path) -> dict:
    """The same file by a bare COPY into a scratch copy of the table, in one transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(SCRATCH)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, open(path, "rb") as handle:
        sql = f"COPY bench_person_copy ({COPY_COLUMNS}) FROM STDIN (FORMAT csv, HEADER true)"
        with cursor.cursor.copy(sql) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_person_copy")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_person_copy")
    return {"rows": rows, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bodies", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--csv", type=Path, default=None, help="default /tmp/bz-people-N.csv")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--sequential", action="store_true", help="check, then load (no writer thread)"
    )
    args = parser.parse_args()

    facts = prepare(args.bodies)
    if args.sequential:
        from bianzhi.personnel.importing import pipeline

        pipeline.ENABLED = False
    path = args.csv or Path(f"/tmp/bz-people-{args.rows}-{args.seed}.csv")
    started = time.perf_counter()
    size = write_csv(path, args.rows, args.bodies, args.documents, args.seed)
    print(f"wrote {path} ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")

    if args.tracemalloc:
        tracemalloc.start()
    ours = run_ours(path, facts["user_id"])
    traced = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    copy = run_copy(path)
    report(args, size, ours, copy, rss, traced)


def report(args, size: int, ours: dict, copy: dict, rss: int, traced: int | None) -> None:
    from django.db import connection

    ours_rate = args.rows / ours["seconds"]
    copy_rate = copy["rows"] / copy["seconds"]
    ratio = ours_rate / copy_rate
    result = {
        "rows": args.rows,
        "seed": args.seed,
        "bodies": args.bodies,
        "documents": args.documents,
        "mode": "sequential" if args.sequential else "pipelined",
        "file_bytes": size,
        "ours": ours | {"rows_per_s": round(ours_rate)},
        "copy": copy | {"rows_per_s": round(copy_rate)},
        "ratio": round(ratio, 3),
        "peak_rss_bytes": rss,
        "tracemalloc_peak_bytes": traced,
        "postgres": connection.connection.info.server_version,
        "python": platform.python_version(),
        "at": datetime.datetime.now().isoformat(timespec="seconds"),
    }
    out = RESULTS.with_stem("person_import-sequential") if args.sequential else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    mode = "sequential" if args.sequential else "pipelined"
    print(
        f"ours ({mode}): {ours_rate:,.0f} rows/s ({ours['seconds']:.1f} s: checking "
        f"{ours['check_seconds']:.1f} s, then {ours['after_check_seconds']:.1f} s)"
    )
    steps = ", ".join(f"{name} {sec:.1f}" for name, sec in ours.get("load_steps", {}).items())
    print(f"  load steps (s): {steps}")
    print(f"COPY: {copy_rate:,.0f} rows/s ({copy['seconds']:.1f} s)")
    print(f"ratio ours/COPY: {ratio:.3f}   peak RSS: {rss / 2**20:.0f} MiB", end="")
    print(f"   tracemalloc peak: {traced / 2**20:.0f} MiB" if traced else "")
    if ours["status"] != "succeeded":
        print(f"TARGET MISSED: the import {ours['status']}")
    if ratio < TARGET_RATIO:
        print(f"TARGET MISSED: {ratio:.3f} of COPY's speed, below {TARGET_RATIO:.3f}")
    if rss > TARGET_BYTES:
        print(f"TARGET MISSED: peak memory {rss / 2**20:.0f} MiB above 1 GiB")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
