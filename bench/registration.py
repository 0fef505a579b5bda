"""Benchmark: the public search of the register over 200,000 institutions, and the certificate PDF.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bianzhi_bench_e \\
        .venv/bin/python bench/registration.py --institutions 200000 --queries 200 --seed 1

Creates the database if missing and migrates. Unless it already holds exactly --institutions
registered institutions, it (re)builds them in bulk: a body in the registry and its registered
institution each, names from a fixed-seed generator (town + ordinal + kind, in six 苏州
counties), valid credit codes, `bulk_create` in batches, then `VACUUM ANALYZE`. In this process:
  (a) search: --queries calls mixing name fragments, whole credit codes, region prefixes and a
      name within a county, each `queries.institution_filter` + `queries.institution_search`
      (what the page /portal/ and GET /api/v1/institutions run), after five warm-up calls:
      median, p95, p99. Baseline, same process: a primary-key lookup of the institutions each
      search returned. The page itself (rendering, rate limit) is timed through the test
      client for the same terms;
  (b) certificate PDF: `render_certificate_pdf(certificate, copy)` first call and repeats, for
      the original (正本) and the duplicate (副本).
Prints the figures and the ratios; writes bench/results/registration.json. SQLite only with
--institutions up to 5,000 (a scaled-down run); the 200,000 run needs PostgreSQL.
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("BIANZHI_NODE_KEY_FILE", "/tmp/bz-bench-registration-node-key.pem")
os.environ.setdefault("BIANZHI_VAR_DIR", "/tmp/bz-bench-registration")

RESULTS = ROOT / "bench" / "results" / "registration.json"
SQLITE_MAX = 5000
ON = datetime.date(2015, 6, 1)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COUNTIES = {
    "320505": "苏州市虎丘区",
    "320506": "苏州市吴中区",
    "320507": "苏州市相城区",
    "320508": "苏州市姑苏区",
    "320583": "昆山市",
    "320585": "太仓市",
}
TOWNS = words(
    "木渎 胥口 甪直 临湖 光福 金庭 东山 越溪 横泾 长桥 城南 郭巷 浒墅关 "
    "通安 枫桥 狮山 黄埭 渭塘 望亭 北桥 阳澄湖 元和 太平 黄桥 平江 沧浪 "
    "金阊 双塔 虎丘 吴门桥 周庄 锦溪 千灯 淀山湖 张浦 陆家 花桥 巴城 "
    "浏河 沙溪"
)
KINDS = words(
    "中心小学 实验小学 中学 初级中学 幼儿园 卫生院 社区卫生服务中心 文化站 "
    "农业技术推广站 水利站 档案馆 图书馆 博物馆 疾病预防控制中心 公证处 "
    "人才服务中心 不动产登记中心 机关事务服务中心 综合行政执法队 "
    "国有资产管理中心 住房保障中心 劳动保障所 退役军人服务站 便民服务中心 "
    "规划编研中心 环境监测站 动物防疫站 林业站 城市管理服务中心 职业学校 "
    "广播电视站 体育中心 敬老院 救助站 殡仪服务站 市政养护所 排水管理所 "
    "文物保护所 应急管理服务中心 融媒体中心"
)
ORDINALS = (
    "",
    *tuple(f"第{n}" for n in "一二三四五六七八九十"),
    *tuple(f"第十{n}" for n in "一二三四五六七八九"),
    "第二十",
)


def _database() -> tuple[dict, str]:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    default = f"sqlite:///{os.environ['BIANZHI_VAR_DIR']}/bench.sqlite3"
    settings = dj_database_url.parse(url or default)
    vendor = "postgresql" if "postgresql" in settings["ENGINE"] else "sqlite"
    if vendor == "sqlite":
        os.environ["DATABASE_URL"] = url or default
    return settings, vendor


# --- the data ---------------------------------------------------------------------------------


def _plan(n: int, seed: int) -> list[tuple[str, str]]:
    """(region code, name) of n institutions, unique names, fixed by the seed."""
    rng = random.Random(seed)
    combos = [
        (code, f"{county}{town}{ordinal}{kind}")
        for code, county in COUNTIES.items()
        for town in TOWNS
        for kind in KINDS
        for ordinal in ORDINALS
    ]
    if n > len(combos):
        sys.exit(f"at most {len(combos)} institutions")
    return rng.sample(combos, n)


def _registrars() -> dict:
    from bianzhi.core.models import Node

    return {
        code: Node.objects.get_or_create(
            code=code, defaults={"name": f"{county}委编办", "region_code": code}
        )[0]
        for code, county in COUNTIES.items()
    }


def _rows(batch: list[tuple[int, str, str]], registrars: dict) -> tuple[list, list]:
    from bianzhi.core.identifiers import make_credit_code
    from bianzhi.orgs.models import Org
    from bianzhi.registration.models import Institution

    orgs, institutions = [], []
    for i, region, name in batch:
        code = make_credit_code("1", "2", region, f"B{i:07d}")
        org = Org(
            name=name,
            region_code=region,
            category="institution",
            pi_class="public1",
            funding_form="full",
            credit_code=code,
            established_on=ON,
        )
        orgs.append(org)
        institutions.append(
            Institution(
                org=org,
                credit_code=code,
                registrar=registrars[region],
                region_code=region,
                registered_on=ON,
                name=name,
                address=f"{COUNTIES[region]}{name[-6:]}路{i % 300 + 1}号",
                purpose="为社会提供公益服务，承担相关业务工作。",
                legal_rep="王" + "明华建国丽军芳"[i % 7],
                funding_source="full",
                capital=Decimal(10 + i % 500),
                sponsor=f"{COUNTIES[region]}人民政府",
            )
        )
    return orgs, institutions


def build(n: int, seed: int) -> float:
    """Bulk-create n bodies and their registered institutions; seconds taken."""
    from django.db import connection, transaction

    from bianzhi.orgs.models import Org
    from bianzhi.registration.models import Institution

    registrars = _registrars()
    plan = [(i, region, name) for i, (region, name) in enumerate(_plan(n, seed), start=1)]
    started = time.perf_counter()
    for start in range(0, n, 10_000):
        orgs, institutions = _rows(plan[start : start + 10_000], registrars)
        with transaction.atomic():
            Org.objects.bulk_create(orgs, batch_size=2000)
            Institution.objects.bulk_create(institutions, batch_size=2000)
        print(f"  {start + len(orgs):,} institutions", flush=True)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return seconds


def prepare(settings: dict, vendor: str, n: int, seed: int) -> dict:
    import django
    from django.core.management import call_command
    from django.db import connections

    if vendor == "postgresql":
        from orgs_search import ensure_database

        ensure_database(settings)
    django.setup()
    call_command("migrate", verbosity=0)
    from bianzhi.registration.models import Institution

    count = Institution.objects.count()
    if count == n:
        print(f"reusing the existing {count:,} institutions")
        return {"built": False, "build_seconds": None}
    if count:
        print(f"the database holds {count:,} institutions, not {n:,}: recreating it")
        connections.close_all()
        if vendor != "postgresql":
            sys.exit("remove the SQLite file and run again")
        ensure_database(settings, recreate=True)
        call_command("migrate", verbosity=0)
    print(f"building {n:,} institutions")
    seconds = build(n, seed)
    return {"built": True, "build_seconds": round(seconds, 1)}


# --- (a) the search ---------------------------------------------------------------------------


def terms(n: int, seed: int) -> list[tuple[str, dict]]:
    """(kind, search parameters): 40 % name fragments, 20 % whole codes, 20 % region prefixes,
    20 % a name fragment within a county."""
    from django.db.models import Max, Min

    from bianzhi.registration.models import Institution

    rng = random.Random(seed + 1)
    bounds = Institution.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    picks = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n)]
    by_pk = {
        pk: (name, code, region)
        for pk, name, code, region in Institution.objects.filter(pk__in=picks).values_list(
            "pk", "name", "credit_code", "region_code"
        )
    }
    sample = [by_pk[pk] for pk in picks if pk in by_pk]
    out = []
    for k in range(n):
        name, code, region = sample[k % len(sample)]
        tail = name[len(COUNTIES[region]) :]
        size = rng.randint(2, 4)
        start = rng.randint(0, max(0, len(tail) - size))
        fragment = tail[start : start + size]
        kind = ("name", "name", "code", "region", "name_region")[k % 5]
        if kind == "name":
            out.append((kind, {"q": fragment}))
        elif kind == "code":
            out.append((kind, {"code": code}))
        elif kind == "region":
            out.append((kind, {"region": rng.choice([region, region[:4], region[:2]])}))
        else:
            out.append((kind, {"q": fragment, "region": region}))
    return out


def _search(params: dict) -> list[dict]:
    from bianzhi.public import queries

    rows, _cursor = queries.institution_search(queries.institution_filter(**params))
    return rows


def _quantiles(values: list[float]) -> dict:
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]  # noqa: E731
    return {
        "median_ms": statistics.median(ordered) * 1e3,
        "p95_ms": at(0.95) * 1e3,
        "p99_ms": at(0.99) * 1e3,
        "max_ms": ordered[-1] * 1e3,
    }


def search_bench(asked: list[tuple[str, dict]]) -> dict:
    from django.conf import settings
    from django.test import Client

    from bianzhi.registration.models import Institution

    for _kind, params in asked[:5]:
        _search(params)
    timed: dict[str, list[float]] = {}
    found: list[list[str]] = []
    for kind, params in asked:
        began = time.perf_counter()
        rows = _search(params)
        timed.setdefault(kind, []).append(time.perf_counter() - began)
        found.append([row["credit_code"] for row in rows])
    codes = {code for rows in found for code in rows}
    pk_of = dict(Institution.objects.filter(credit_code__in=codes).values_list("credit_code", "pk"))
    baseline = []
    for rows in found:
        pks = [pk_of[code] for code in rows] or [1]
        began = time.perf_counter()
        list(
            Institution.objects.filter(pk__in=pks).values(
                "name", "credit_code", "status", "region_code"
            )
        )
        baseline.append(time.perf_counter() - began)
    settings.PUBLIC_RATE_LIMIT = "1000000/60"
    settings.ALLOWED_HOSTS = ["*"]
    client, pages = Client(), []
    for _kind, params in asked[:5]:
        client.get("/portal/", params)
    for _kind, params in asked:
        began = time.perf_counter()
        response = client.get("/portal/", params)
        pages.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
    every = [s for values in timed.values() for s in values]
    return {
        "kinds": {kind: {"n": len(v), **_quantiles(v)} for kind, v in timed.items()},
        "all": {"n": len(every), **_quantiles(every)},
        "baseline_pk": _quantiles(baseline),
        "page": _quantiles(pages),
        "results_median": statistics.median(len(rows) for rows in found),
    }


def explain(params: dict) -> list[str]:
    """The plan of the search for one term (PostgreSQL)."""
    from django.db import connection

    from bianzhi.public import queries

    flt = queries.institution_filter(**params)
    qs = queries.institution_queryset(flt).values(*queries.SEARCH_FIELDS)[: queries.PAGE_SIZE + 1]
    sql, sql_params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", sql_params)
        return [row[0] for row in cursor.fetchall()]


# --- (b) the certificate PDF ------------------------------------------------------------------


def pdf_bench(repeats: int) -> dict:
    from bianzhi.registration.certificate_pdf import render_certificate_pdf
    from bianzhi.registration.models import Certificate, Institution
    from bianzhi.registration.services import certificate_issue

    certificate = Certificate.objects.order_by("id").first()
    if certificate is None:
        institution = Institution.objects.order_by("pk").first()
        certificate = certificate_issue(actor=None, institution=institution, issued_on=ON)
    out = {}
    for copy in ("original", "duplicate"):
        began = time.perf_counter()
        size = len(render_certificate_pdf(certificate, copy))
        first = time.perf_counter() - began
        again = []
        for _ in range(repeats):
            began = time.perf_counter()
            render_certificate_pdf(certificate, copy)
            again.append(time.perf_counter() - began)
        out[copy] = {
            "first_ms": first * 1e3,
            "repeat_median_ms": statistics.median(again) * 1e3,
            "bytes": size,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings, vendor = _database()
    if vendor != "postgresql" and args.institutions > SQLITE_MAX:
        sys.exit(
            f"the {args.institutions:,}-institution run needs PostgreSQL: set DATABASE_URL="
            f"postgres://… or scale down with --institutions {SQLITE_MAX} or fewer"
        )
    build_facts = prepare(settings, vendor, args.institutions, args.seed)
    if build_facts["built"]:
        print(f"built in {build_facts['build_seconds']} s (bulk inserts, before VACUUM ANALYZE)")
    asked = terms(args.queries, args.seed)
    search = search_bench(asked)
    pdf = pdf_bench(5)
    print(f"search over {args.institutions:,} institutions ({vendor}), {len(asked)} queries:")
    for kind, row in [*search["kinds"].items(), ("all", search["all"])]:
        print(
            f"  {kind:12} n={row['n']:3}  median {row['median_ms']:6.2f} ms  "
            f"p95 {row['p95_ms']:6.2f}  p99 {row['p99_ms']:6.2f}  max {row['max_ms']:6.2f}"
        )
    base, page = search["baseline_pk"], search["page"]
    print(
        f"  baseline (primary-key lookup of the same rows): median {base['median_ms']:.2f} ms, "
        f"p95 {base['p95_ms']:.2f}, p99 {base['p99_ms']:.2f}; ratio median "
        f"{search['all']['median_ms'] / base['median_ms']:.1f}, p95 "
        f"{search['all']['p95_ms'] / base['p95_ms']:.1f}"
    )
    print(
        f"  the page /portal/ (same terms, rendering included): median {page['median_ms']:.1f}"
        f" ms, p95 {page['p95_ms']:.1f}, p99 {page['p99_ms']:.1f}"
    )
    plan = []
    if vendor == "postgresql":
        slowest = max(
            (p for k, p in asked if "q" in p),
            key=lambda p: min(_timed(p) for _ in range(3)),
        )
        plan = explain(slowest)
        print(f"  slowest name term {slowest}:")
        for line in plan[:14]:
            print("    " + line)
    for copy, row in pdf.items():
        print(
            f"certificate PDF ({copy}): first call {row['first_ms']:.0f} ms, repeat median "
            f"{row['repeat_median_ms']:.1f} ms, {row['bytes']:,} bytes"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "args": vars(args),
                "database": vendor,
                "machine": platform.platform(),
                "python": platform.python_version(),
                "build": build_facts,
                "search": search,
                "slowest_plan": plan,
                "pdf": pdf,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


def _timed(params: dict) -> float:
    began = time.perf_counter()
    _search(params)
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
