"""A synthetic but realistic province for demonstrations and benchmarks (`bianzhi demo`).

The generator works in two steps:

1. :func:`build_plan` reads the current GB/T 2260 divisions of one province from ``core.Region``
   and plans ``N`` bodies (internal bodies included) over the province, its prefectures and its
   counties: party committee bodies, government departments, 人大/政协 offices, court and
   procuratorate, 群团, public institutions under their supervising departments, internal bodies,
   and — when the real structure runs out — township institutions and numbered schools.  It also
   plans the history: renames (about 2 %), merges and absorptions, additional names (加挂牌子),
   rank changes and 三定 provisions.  The plan depends only on the seed and the region table,
   so the same seed gives the same names.
2. :func:`load_plan` writes it, one region per transaction, through the services in
   :mod:`bianzhi.orgs.services` — or, with ``fast=True``, through a bulk path that writes the
   same rows, for benchmarks with 10⁵ bodies.

:func:`ensure_demo_accounts` then makes the demo nodes and logins, and — with ``--people M`` —
:func:`plan_people` and :func:`load_people` give the bodies quotas, leader posts and ``M`` persons
on posts (some bodies full, some vacant, a few over quota after cuts, some people near
retirement).

The package is split by concern:

- :mod:`.places` — the divisions (:class:`~.places.Place`) and the words of their names;
- :mod:`.catalogue` — the name templates, merges, aliases, 三定 texts and township data;
- :mod:`.plan` — :class:`~.plan.Plan`, allocation over the divisions, history, credit codes;
- :mod:`.load` — documents, the loader and the bulk path;
- :mod:`.accounts` — the demo nodes and users;
- :mod:`.people` — quotas, leader posts, persons and their posts.
"""

from .accounts import DEMO_PASSWORD, DEMO_USERS, ensure_demo_accounts, org_count_in
from .load import load_plan
from .people import PeoplePlan, PeopleStats, load_people, plan_people
from .places import DemoError, province_place
from .plan import build_plan

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoError",
    "PeoplePlan",
    "PeopleStats",
    "build_plan",
    "ensure_demo_accounts",
    "load_people",
    "load_plan",
    "org_count_in",
    "plan_people",
    "province_place",
]
