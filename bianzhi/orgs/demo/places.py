"""The places of the demo province: its current GB/T 2260 divisions and the words of their names.

:func:`province_places` reads the province, its prefectures and its counties from ``core.Region``
(placeholder rows such as 市辖区 skipped); each :class:`Place` knows the words its bodies' names
are built from (the region name, 中共…委, …人民政府, the level's section suffix, …).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from bianzhi.core.models import Region

PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉",
    "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣",
    "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
    "50": "渝", "51": "川", "52": "黔", "53": "滇", "54": "藏", "61": "陕", "62": "甘",
    "63": "青", "64": "宁", "65": "新", "71": "台", "81": "港", "82": "澳",
}  # fmt: skip
LONG_COMMITTEE = ("自治区", "自治州", "自治县", "地区", "盟", "旗", "特别行政区")


class DemoError(Exception):
    """The demo cannot be built as asked (unknown province, too many bodies, …)."""


@dataclass(frozen=True)
class Place:
    """A current division and the words its bodies' names are made of."""

    code: str
    name: str
    level: int  # 1 province, 2 prefecture, 3 county
    valid_from: datetime.date
    label: str = ""  # the name as issuers write it; prefixed where a county name repeats

    @property
    def committee(self) -> str:
        """'江苏省委', '南京市委', '沛县县委', '广西壮族自治区委员会'."""
        return committee_of(self.name)

    @property
    def abbr(self) -> str:
        return PROVINCE_ABBR.get(self.code[:2], self.name[0]) if self.level == 1 else self.name[0]

    @property
    def words(self) -> dict[str, str]:
        return {
            "r": self.name,
            "p": f"中共{self.committee}",
            "c": self.committee,
            "g": f"{self.name}人民政府",
            "a": self.name[-1],
            "u": "处科股"[self.level - 1],
            "v": "处" if self.level == 1 else "科",
            "q": ("总队", "支队", "大队")[self.level - 1],
        }


def committee_of(name: str) -> str:
    if name.endswith(LONG_COMMITTEE):
        return f"{name}委员会"
    if len(name) == 2 and name[-1] in "县区市":
        return f"{name}{name[-1]}委"
    return f"{name}委"


def province_place(code: str) -> Place:
    row = Region.objects.filter(code=code, level=1, valid_to__isnull=True).first()
    if row is None:
        raise DemoError(f"{code} is not a current province-level division (GB/T 2260)")
    return Place(row.code, row.name, 1, row.valid_from, row.name)


def province_places(code: str) -> list[Place]:
    """The province, its current prefectures and its current counties (placeholders skipped)."""
    province = province_place(code)
    rows = (
        Region.objects.filter(valid_to__isnull=True, code__startswith=code[:2], level__gt=1)
        .exclude(name__in=PLACEHOLDER_NAMES)
        .order_by("code")
    )
    names = {row.code: row.name for row in rows}
    counts = defaultdict(int)
    for row in rows:
        counts[row.name] += 1
    places = [province]
    for row in rows:
        label = row.name
        if counts[row.name] > 1 and row.level == 3:
            label = names.get(row.parent_code, "") + row.name
        places.append(Place(row.code, row.name, row.level, row.valid_from, label))
    return places
