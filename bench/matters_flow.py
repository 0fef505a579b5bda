"""Benchmark: establishment matters on PostgreSQL: a full flow, and executing a restructuring.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bz_bench_matters \\
        .venv/bin/python bench/matters_flow.py --flows 30 --bodies 50 --rounds 5 --seed 1

Creates the database if missing and migrates. In this one process:
  (a) full flow: --flows quota-increase matters, each taken through the real services from
      draft to filing (create, add the change, submit, accept, three review steps, approve,
      issue with its 文号 and GB/T 9704 PDF, execute, file): time and queries per flow and per
      action, with the PDF rendering timed on its own;
  (b) restructuring: --bodies bodies (one in five absorbs four others) with their quotas;
      a merge matter carries one quota move per absorbed body and one merge per absorbing
      body (--bodies items); its execution (`matter_act(... "execute")`: conflict check,
      every item through the registry and ledger services, trail, journal) is timed against
      a baseline run in the same process: the same changes made by calling the services
      directly, in one transaction, on a twin set of bodies. Median of --rounds rounds.
Prints the figures and the ratio; writes bench/results/matters_flow.json.
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
os.environ.setdefault("BIANZHI_NODE_KEY_FILE", "/tmp/bz-bench-matters-node-key.pem")
os.environ.setdefault("BIANZHI_VAR_DIR", "/tmp/bz-bench-matters")

from orgs_search import ensure_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "matters_flow.json"
ON = datetime.date(2024, 1, 1)
PATH = [
    ("unit", "submit"),
    ("clerk", "accept"),
    ("clerk", "pass"),
    ("head", "pass"),
    ("leader", "approve"),
    ("clerk", "issue"),
    ("clerk", "execute"),
    ("clerk", "file"),
]


def _settings() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://… (this benchmark runs on PostgreSQL)")
    return dj_database_url.parse(url)


def _user(username: str, node, role: str, org=None):
    from django.contrib.auth.models import Group

    from bianzhi.accounts.models import User

    user, created = User.objects.get_or_create(
        username=username, defaults={"node": node, "org": org}
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


def _setup(run: str) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from bianzhi.core.models import Node

    county, _ = Node.objects.get_or_create(
        code="320506", defaults={"name": "吴中区委编办", "region_code": "320506"}
    )
    Node.objects.get_or_create(
        code="320500", defaults={"name": "苏州市委编办", "region_code": "320500"}
    )
    body = _body(f"基准事项申请单位{run}", 1000)
    return {
        "body": body,
        "unit": _user(f"bench-unit-{run}", None, "unit", org=body),
        "clerk": _user("bench-clerk", county, "clerk"),
        "head": _user("bench-head", county, "division_head"),
        "leader": _user("bench-leader", county, "leader"),
    }


def _body(name: str, posts: int):
    from bianzhi.staffing.services import quota_set
    from bianzhi.testing import establish, make_document

    org = establish(name, region="320506", on=ON)
    doc = make_document(issued_on=ON)
    quota_set(
        actor=None, org=org, est_type="admin", approved=posts, document=doc, effective_date=ON
    )
    return org


def _timed_action(people: dict, matter, who: str, action: str) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bianzhi.matters.services import matter_act

    reset_queries()  # the query log is capped at 9000; start each count from empty
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        matter_act(actor=people[who], matter=matter, action=action)
        elapsed = time.perf_counter() - began
    return elapsed, len(queries)


def full_flows(people: dict, n: int) -> dict:
    """Draft to filing, n times; seconds and queries per flow and per action."""
    from bianzhi.matters import services

    per_action: dict[str, list[tuple[float, int]]] = {}
    flows: list[tuple[float, int]] = []
    for i in range(n):
        began = time.perf_counter()
        matter = services.matter_create(
            actor=people["unit"],
            applicant=people["body"],
            matter_type="quota_raise",
            title=f"关于调增行政编制的请示（{i + 1}）",
        )
        services.item_add(
            actor=people["unit"],
            matter=matter,
            op="quota.raise",
            org=people["body"],
            params={"est_type": "admin", "count": 1},
        )
        queries = 0
        for who, action in PATH:
            seconds, count = _timed_action(people, matter, who, action)
            per_action.setdefault(action, []).append((seconds, count))
            queries += count
        flows.append((time.perf_counter() - began, queries))
    return {
        "flow_s_median": statistics.median(s for s, _ in flows),
        "flow_s_p95": sorted(s for s, _ in flows)[int(0.95 * (len(flows) - 1))],
        "flow_queries_median": statistics.median(q for _, q in flows),
        "actions": {
            name: {
                "ms_median": statistics.median(s for s, _ in rows) * 1e3,
                "queries_median": statistics.median(q for _, q in rows),
            }
            for name, rows in per_action.items()
        },
    }


def pdf_render(n: int) -> tuple[float, float]:
    """Median seconds of a render with a new character set (font subset made) and of a repeat
    of the same text (subset reused)."""
    from bianzhi.core.officialdoc import OfficialDocument, render_pdf

    def doc(extra: str) -> OfficialDocument:
        return OfficialDocument(
            issuer="苏州市吴中区机构编制委员会办公室",
            number="吴中编办〔2026〕12号",
            title="关于同意苏州市吴中区市场监督管理局调增行政编制的批复",
            body=["你单位《关于调增行政编制的请示》收悉。经研究，现批复如下："]
            + [f"{n}、同意调增行政编制 5 名。" for n in "一二三四五"]
            + [f"（{extra}）"],
            recipients="苏州市吴中区市场监督管理局：",
            signature="苏州市吴中区机构编制委员会办公室",
            date=datetime.date(2026, 11, 27),
            printed_by="苏州市吴中区机构编制委员会办公室",
            printed_on=datetime.date(2026, 11, 27),
        )

    cold, warm = [], []
    for i in range(n):
        fresh = doc("".join(chr(0x4E00 + (i * 97 + k * 13) % 20000) for k in range(8)))
        began = time.perf_counter()
        render_pdf(fresh)
        cold.append(time.perf_counter() - began)
        began = time.perf_counter()
        render_pdf(fresh)
        warm.append(time.perf_counter() - began)
    return statistics.median(cold), statistics.median(warm)


def _restructuring(rng: random.Random, bodies: int, tag: str) -> list[tuple]:
    """Groups of (absorbing body, [absorbed bodies]) with random quotas."""
    groups = []
    for g in range(bodies // 5):
        into = _body(f"基准{tag}合并后局{g:03d}", rng.randint(20, 60))
        sources = [_body(f"基准{tag}被合并局{g:03d}-{k}", rng.randint(5, 30)) for k in range(4)]
        groups.append((into, sources))
    return groups


def _merge_matter(people: dict, groups: list[tuple], rng_tag: str):
    from bianzhi.matters import services

    clerk = people["clerk"]
    matter = services.matter_create(
        actor=clerk, applicant=groups[0][0], matter_type="merge", title=f"机构改革方案{rng_tag}"
    )
    for into, sources in groups:
        for source in sources:
            posts = source.quotas.get(est_type="admin").approved
            services.item_add(
                actor=clerk,
                matter=matter,
                op="quota.transfer",
                org=source,
                params={"est_type": "admin", "count": posts, "target_id": into.pk},
            )
    for into, sources in groups:
        services.item_add(
            actor=clerk,
            matter=matter,
            op="org.merge",
            org=into,
            params={"source_ids": [s.pk for s in sources]},
        )
    # a merge is a major matter: three review steps, then the committee decides
    for who, action in [
        ("clerk", "submit"),
        ("clerk", "accept"),
        ("clerk", "pass"),
        ("head", "pass"),
        ("leader", "pass"),
    ]:
        services.matter_act(actor=people[who], matter=matter, action=action)
    services.matter_act(
        actor=people["leader"],
        matter=matter,
        action="approve",
        data={"meeting_kind": "committee", "meeting_date": datetime.date.today()},
    )
    services.matter_act(actor=clerk, matter=matter, action="issue")
    return matter


def _direct(groups: list[tuple], document) -> None:
    from django.db import transaction

    from bianzhi.orgs.services import org_merge
    from bianzhi.staffing.services import quota_transfer

    today = datetime.date.today()
    with transaction.atomic():
        for into, sources in groups:
            for source in sources:
                posts = source.quotas.get(est_type="admin").approved
                quota_transfer(
                    actor=None,
                    source=source,
                    target=into,
                    est_type="admin",
                    count=posts,
                    document=document,
                    effective_date=today,
                )
        for into, sources in groups:
            org_merge(
                actor=None, sources=sources, into=into, document=document, effective_date=today
            )


def restructuring(people: dict, bodies: int, rounds: int, seed: int, run: str) -> dict:
    from bianzhi.testing import make_document

    matter_s, direct_s, queries = [], [], []
    for r in range(rounds):
        rng = random.Random(seed * 1000 + r)
        groups = _restructuring(rng, bodies, f"{run}-{r}-m")
        matter = _merge_matter(people, groups, f"{run}-{r}")
        twin = _restructuring(random.Random(seed * 1000 + r), bodies, f"{run}-{r}-d")
        document = make_document("基准机构改革", issued_on=datetime.date.today())
        seconds, count = _timed_action(people, matter, "clerk", "execute")
        matter_s.append(seconds)
        queries.append(count)
        began = time.perf_counter()
        _direct(twin, document)
        direct_s.append(time.perf_counter() - began)
        matter.refresh_from_db()
        assert matter.state == "executed", matter.state
    m, d = statistics.median(matter_s), statistics.median(direct_s)
    return {
        "items": bodies,
        "execute_s_median": m,
        "direct_services_s_median": d,
        "ratio_to_direct": m / d,
        "execute_queries_median": statistics.median(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=30)
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ensure_database(_settings())
    run = str(int(time.time()))
    people = _setup(run)
    flows = full_flows(people, args.flows)
    pdf = pdf_render(10)
    print(
        f"full flow (draft → filing, {len(PATH) + 2} service calls): median "
        f"{flows['flow_s_median'] * 1e3:.0f} ms, p95 {flows['flow_s_p95'] * 1e3:.0f} ms, "
        f"{flows['flow_queries_median']:.0f} queries"
    )
    for name, row in flows["actions"].items():
        print(f"  {name:8} {row['ms_median']:8.1f} ms {row['queries_median']:6.0f} queries")
    print(
        f"decision PDF (GB/T 9704): median {pdf[0] * 1e3:.0f} ms with a new character set "
        f"(font subset made and embedded), {pdf[1] * 1e3:.0f} ms for a repeat"
    )
    rs = restructuring(people, args.bodies, args.rounds, args.seed, run)
    print(
        f"restructuring of {rs['items']} bodies ({rs['items']} items): execute median "
        f"{rs['execute_s_median'] * 1e3:.0f} ms, {rs['execute_queries_median']:.0f} queries; "
        f"the same changes through the services directly {rs['direct_services_s_median'] * 1e3:.0f}"
        f" ms; ratio {rs['ratio_to_direct']:.2f}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "args": vars(args),
                "machine": platform.platform(),
                "python": platform.python_version(),
                "flows": flows,
                "pdf_ms_median": {"new_characters": pdf[0] * 1e3, "repeat": pdf[1] * 1e3},
                "restructuring": rs,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
