"""Benchmark: organisation search on a demo province, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bz_bench \\
        .venv/bin/python bench/orgs_search.py --orgs 100000 --seed 1 --queries 200

Creates the database if missing, migrates, and builds the demo (`bianzhi demo --fast`) unless
the database already holds exactly --orgs bodies.  Then, with a fixed seed, it draws query terms
from the data and times `queries.org_search(province user, OrgFilter(...), limit=50)` for five
kinds of search, each against a bare indexed SELECT of one page of the same table through a raw
cursor.  Prints p50/p95/max per kind, the ratio ours/baseline, whether the main statement used
an index (EXPLAIN ANALYZE), and writes bench/results/orgs_search.json.  The exit code is 0 even
when the 50 ms p95 target is missed; such kinds print a "TARGET MISSED" line.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)

TARGET_MS = 50.0
AS_OF = datetime.date(2019, 6, 1)  # after the 2019 establishment, before the renames
RESULTS = ROOT / "bench" / "results" / "orgs_search.json"
KINDS = ("name", "initials", "pinyin", "as_of", "list")


# --- database ---------------------------------------------------------------------------------


def _admin_connection(settings: dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )


def ensure_database(settings: dict, *, recreate: bool = False) -> None:
    """CREATE DATABASE if it does not exist (DROP it first when recreate)."""
    from psycopg import sql

    name = settings["NAME"]
    with _admin_connection(settings) as conn:
        if recreate:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def prepare(orgs: int, seed: int) -> dict:
    """Migrate and build the demo unless it is already there; returns build facts."""
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    from bianzhi.orgs.models import Org

    call_command("migrate", verbosity=0)
    count = Org.objects.count()
    if count == orgs:
        print(f"reusing the existing demo ({count} bodies)")
        return {"built": False, "build_seconds": None}
    if count:
        print(f"the database holds {count} bodies, not {orgs}: recreating it")
        connections.close_all()
        ensure_database(connections["default"].settings_dict, recreate=True)
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", orgs=orgs, seed=seed, fast=True, verbosity=1)
    seconds = time.perf_counter() - started
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"built": True, "build_seconds": round(seconds, 1)}


# --- query terms --------------------------------------------------------------------------------


def _fragment(rng: random.Random, text: str, low: int, high: int) -> str:
    size = min(len(text), rng.randint(low, high))
    start = rng.randint(0, len(text) - size)
    return text[start : start + size]


def _syllables(rng: random.Random, name: str) -> str:
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(name) if s.isascii() and s.isalpha()]
    size = min(len(syllables), rng.randint(2, 3))
    start = rng.randint(0, len(syllables) - size)
    return "".join(syllables[start : start + size]).lower()


def pick_terms(seed: int, count: int) -> dict[str, list]:
    """Query terms drawn from the data with a fixed seed."""
    from bianzhi.orgs.models import Org, OrgName

    rng = random.Random(seed)
    current = list(
        OrgName.objects.filter(kind="standard", valid_to__isnull=True)
        .order_by("id")
        .values_list("name", "initials")
    )
    former = list(
        OrgName.objects.filter(valid_to__isnull=False).order_by("id").values_list("name", flat=True)
    )
    names = rng.sample(current, count)
    past = [
        rng.choice(former) if former and i % 2 else rng.choice(current)[0] for i in range(count)
    ]
    regions = sorted(set(Org.objects.values_list("region_code", flat=True)))
    categories = ["party", "gov", "institution", "internal", "gov.component", "mass", "court"]
    return {
        "name": [_fragment(rng, name, 2, 4) for name, _ in names],
        "initials": [_fragment(rng, initials, 3, 4) for _, initials in names],
        "pinyin": [_syllables(rng, name) for name, _ in names],
        "as_of": [_fragment(rng, name, 2, 4) for name in past],
        "list": [(rng.choice(regions), rng.choice(categories)) for _ in range(count)],
    }


# --- the two sides ------------------------------------------------------------------------------


def our_call(user, kind: str, term):
    from bianzhi.orgs.queries import OrgFilter, org_search

    if kind == "list":
        region, category = term
        flt = OrgFilter(region=region, category=category)
    else:
        flt = OrgFilter(q=term, as_of=AS_OF if kind == "as_of" else None)
    return lambda: org_search(user, flt, limit=50)


BASELINE_SQL = {
    "name": (
        "SELECT org_id, name FROM orgs_orgname WHERE name LIKE %s ORDER BY name, org_id LIMIT 50"
    ),
    "initials": (
        "SELECT org_id, name FROM orgs_orgname WHERE initials LIKE %s "
        "ORDER BY name, org_id LIMIT 50"
    ),
    "pinyin": (
        "SELECT org_id, name FROM orgs_orgname WHERE pinyin LIKE %s ORDER BY name, org_id LIMIT 50"
    ),
    "as_of": (
        "SELECT org_id, name FROM orgs_orgname WHERE name LIKE %s AND valid_from <= %s "
        "AND (valid_to IS NULL OR valid_to > %s) ORDER BY name, org_id LIMIT 50"
    ),
    "list": (
        "SELECT id, name FROM orgs_org WHERE region_code LIKE %s AND category = %s "
        "ORDER BY name, id LIMIT 50"
    ),
}


def baseline_params(kind: str, term) -> list:
    from bianzhi.core.scope import region_prefix

    if kind == "list":
        region, category = term
        return [region_prefix(region) + "%", category]
    if kind == "as_of":
        return [f"%{term}%", AS_OF, AS_OF]
    return [f"%{term}%"]


def baseline_call(cursor, kind: str, term):
    sql, params = BASELINE_SQL[kind], baseline_params(kind, term)

    def run():
        cursor.execute(sql, params)
        return cursor.fetchall()

    return run


def timed(calls: list) -> list[float]:
    for call in calls[:5]:  # warm-up
        call()
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 2),
        "max": round(ordered[-1], 2),
    }


# --- EXPLAIN ------------------------------------------------------------------------------------


def _walk(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _walk(child)


def _access(plan: dict) -> str:
    """'index (name…)' when a trigram or B-tree index fed the statement, else 'seq scan (table)'."""
    nodes = list(_walk(plan))
    indexes = sorted({n["Index Name"] for n in nodes if n.get("Index Name")})
    scans = sorted({n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"})
    if scans:
        return f"seq scan ({', '.join(scans)})" + (
            f" + index ({', '.join(indexes)})" if indexes else ""
        )
    return f"index ({', '.join(indexes)})" if indexes else "no table access"


def explain(call) -> dict:
    """EXPLAIN ANALYZE every statement of one call; report the slowest one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    worst = None
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            result = cursor.fetchone()[0]
            result = json.loads(result) if isinstance(result, str) else result
            total = result[0]["Execution Time"]
            if worst is None or total > worst["ms"]:
                worst = {"ms": round(total, 2), "plan": result[0]["Plan"], "sql": query["sql"]}
    return {
        "statements": len(captured.captured_queries),
        "slowest_ms": worst["ms"],
        "access": _access(worst["plan"]),
        "sql": worst["sql"],
    }


# --- main ---------------------------------------------------------------------------------------


def run_kind(user, kind: str, terms: list) -> dict:
    from django.db import connection

    ours = timed([our_call(user, kind, term) for term in terms])
    with connection.cursor() as cursor:
        base = timed([baseline_call(cursor, kind, term) for term in terms])
    slow = terms[sorted(range(len(ours)), key=ours.__getitem__)[int(0.95 * (len(ours) - 1))]]
    result = {"ours": summary(ours), "baseline": summary(base), "queries": len(terms)}
    result["ratio_p50"] = round(result["ours"]["p50"] / max(result["baseline"]["p50"], 0.001), 1)
    result["ratio_p95"] = round(result["ours"]["p95"] / max(result["baseline"]["p95"], 0.001), 1)
    result["explain"] = explain(our_call(user, kind, slow)) | {"term": slow}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + BASELINE_SQL[kind], baseline_params(kind, slow))
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        result["baseline_access"] = _access(plan[0]["Plan"])
    return result


def print_table(results: dict) -> None:
    head = f"{'kind':<9}{'ours p50':>9}{'p95':>8}{'max':>8}{'base p50':>10}{'p95':>7}"
    print(f"\n{head}{'×p50':>7}{'×p95':>7}  plan (slowest statement, p95 term)")
    for kind, r in results.items():
        o, b = r["ours"], r["baseline"]
        print(
            f"{kind:<9}{o['p50']:>9.1f}{o['p95']:>8.1f}{o['max']:>8.1f}{b['p50']:>10.2f}"
            f"{b['p95']:>7.2f}{r['ratio_p50']:>7.1f}{r['ratio_p95']:>7.1f}  "
            + r["explain"]["access"]
        )
    for kind, r in results.items():
        if r["ours"]["p95"] > TARGET_MS:
            print(
                f"TARGET MISSED: {kind} p95 {r['ours']['p95']:.1f} ms > {TARGET_MS:.0f} ms "
                f"(slowest statement {r['explain']['slowest_ms']} ms, "
                f"term {r['explain']['term']!r})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bz_bench"
        )
        return 2
    ensure_database(dj_database_url.parse(url))
    build = prepare(args.orgs, args.seed)
    from bianzhi.accounts.models import User

    user = User.objects.select_related("node").get(username="province")
    terms = pick_terms(args.seed, args.queries)
    results = {kind: run_kind(user, kind, terms[kind]) for kind in KINDS}
    print_table(results)
    write_results(args, build, results)
    return 0


def write_results(args, build: dict, results: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "orgs": args.orgs,
        "seed": args.seed,
        "queries_per_kind": args.queries,
        "target_p95_ms": TARGET_MS,
        "postgresql": version,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "demo": build,
        "results": results,
    }
    RESULTS.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(f"\nresults written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
