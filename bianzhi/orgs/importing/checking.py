"""Checking the rows of an import file: every row against the registry and against the other
rows (`RowChecker`), references between rows, and the order in which to create them
(`validate_rows`)."""

import datetime
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from bianzhi.core.errors import InvalidInput
from bianzhi.core.models import Document, Region
from bianzhi.core.scope import scope_queryset

from ..models import Org, OrgStatus
from ..validation import (
    check_category,
    check_credit_code,
    check_name,
    check_parent,
    check_region,
    check_scope,
)
from .reading import (
    BY_FIELD,
    CODESETS,
    COLUMNS,
    MAX_LENGTHS,
    STATUS_LABELS,
    Row,
    _parse_date,
    resolve_code,
)


def progress_every() -> int:
    """Rows between progress reports: `bianzhi.orgs.importing.PROGRESS_EVERY`, read from the
    package at call time so that one setting there governs validation and creation alike."""
    from bianzhi.orgs import importing

    return importing.PROGRESS_EVERY


@dataclass
class Plan:
    rows: list[Row]
    errors: list[dict]
    order: list[Row]


class RowChecker:
    """Checks rows one by one against the registry and against the other rows of the file."""

    def __init__(self, actor, rows: list[Row]) -> None:
        self.actor = actor
        self.by_name: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            if row.get("name"):
                self.by_name[row.get("name")].append(row)
        self.credit_codes: dict[str, int] = {}
        self.keys: dict[tuple, int] = {}
        self.numbers: dict[tuple[str, str], tuple[int, datetime.date, str]] = {}
        self.found: dict[tuple[str, str], list[Org]] = {}
        self.regions: dict[tuple[str, datetime.date], InvalidInput | None] = {}

    def check(self, row: Row) -> None:
        steps = (
            self.required,
            self.dates,
            self.lengths,
            self.category,
            self.region,
            self.credit,
            self.document,
            self.status,
            self.references,
            self.duplicates,
        )
        for step in steps:
            try:
                step(row)
            except InvalidInput as exc:
                row.fail(exc.field, exc.code, exc.message_zh, exc.message_en)

    def required(self, row: Row) -> None:
        for column in COLUMNS:
            if column.required and not row.get(column.field):
                row.fail(
                    column.field,
                    "required",
                    f"“{column.header}”不能为空",
                    f"{column.english} is required",
                )

    def dates(self, row: Row) -> None:
        for name in ("established_on", "document_date"):
            if row.get(name):
                try:
                    row.dates[name] = _parse_date(row.values[name])
                except InvalidInput as exc:
                    row.fail(name, exc.code, exc.message_zh, exc.message_en)

    def lengths(self, row: Row) -> None:
        if row.get("name"):
            check_name(row.get("name"))
        for name, limit in MAX_LENGTHS.items():
            if len(row.get(name)) > limit:
                row.fail(
                    name,
                    "too_long",
                    f"“{BY_FIELD[name].header}”不能超过 {limit} 个字符",
                    f"{BY_FIELD[name].english} is longer than {limit} characters",
                )

    def category(self, row: Row) -> None:
        row.codes = {name: resolve_code(cs, row.get(name)) for name, cs in CODESETS.items()}
        if row.codes["category"]:
            check_category(row.spec())

    def region(self, row: Row) -> None:
        code = row.get("region_code")
        if not code:
            return
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise InvalidInput(
                f"行政区划代码“{code}”应为 6 位数字",
                f"region code {code!r} must be 6 digits",
                field="region_code",
            )
        day = row.dates.get("established_on")
        if day is not None:
            self.region_on(code, day)
        elif not Region.objects.filter(code=code).exists():
            check_region(code, timezone.localdate())
        check_scope(self.actor, code)

    def region_on(self, code: str, day: datetime.date) -> None:
        if (code, day) not in self.regions:
            try:
                check_region(code, day)
                self.regions[code, day] = None
            except InvalidInput as exc:
                self.regions[code, day] = exc
        if problem := self.regions[code, day]:
            raise InvalidInput(
                problem.message_zh, problem.message_en, field=problem.field, code=problem.code
            )

    def credit(self, row: Row) -> None:
        row.credit_code = check_credit_code(row.get("credit_code") or None)
        if row.credit_code is None:
            return
        first = self.credit_codes.setdefault(row.credit_code, row.number)
        if first != row.number:
            raise InvalidInput(
                f"统一社会信用代码与第 {first} 行重复",
                f"the credit code repeats row {first}",
                field="credit_code",
                code="duplicate_in_file",
            )

    def document(self, row: Row) -> None:
        issuer, number = row.get("document_issuer"), row.get("document_number")
        day, title = row.dates.get("document_date"), row.get("document_title")
        if not (issuer and number and day):
            return
        first = self.numbers.get((issuer, number))
        if first is not None:
            if first[1:] != (day, title):
                raise InvalidInput(
                    f"文号“{number}”在第 {first[0]} 行用于另一份文件（标题或日期不同）",
                    f"document number {number!r} is used for another document in row {first[0]}",
                    field="document_number",
                    code="duplicate_in_file",
                )
            return
        self.numbers[issuer, number] = (row.number, day, title)
        existing = Document.objects.filter(issuer=issuer, number=number).first()
        if existing and (existing.issued_on, existing.title) != (day, title):
            raise InvalidInput(
                f"{issuer}的文号“{number}”已用于另一份文件《{existing.title}》",
                f"document number {number!r} of {issuer} is already used by another document",
                field="document_number",
                code="conflict",
            )

    def status(self, row: Row) -> None:
        value = row.get("status")
        if value and value not in (OrgStatus.ACTIVE, STATUS_LABELS[OrgStatus.ACTIVE]):
            raise InvalidInput(
                f"只能导入现行机构，状态为“{value}”的行请删除",
                f"only current bodies can be imported; remove rows with status {value!r}",
                field="status",
                code="inactive",
            )

    def references(self, row: Row) -> None:
        for name in ("parent", "supervisor"):
            try:
                setattr(row, name, self.resolve(row, name))
            except InvalidInput as exc:
                row.fail(name, exc.code, exc.message_zh, exc.message_en)
        category = row.codes.get("category", "")
        if row.parent is None and not row.get("parent") and category:
            check_parent(None, None, category)

    def resolve(self, row: Row, name: str) -> "Org | Row | None":
        text = row.get(name)
        if not text:
            return None
        in_file = [other for other in self.by_name.get(text, []) if other is not row]
        if len(in_file) > 1:
            raise _reference_problem(name, text, "ambiguous_in_file")
        if in_file:
            return in_file[0]
        if text == row.get("name"):
            raise _reference_problem(name, text, "cycle")
        return self.existing(row, name, text)

    def existing(self, row: Row, name: str, text: str) -> Org:
        key = (text, row.get("region_code"))
        if key not in self.found:
            self.found[key] = _find_orgs(self.actor, text, row.get("region_code"))
        found = self.found[key]
        if not found:
            raise _reference_problem(name, text, "not_found")
        if len(found) > 1:
            raise _reference_problem(name, text, "ambiguous")
        return found[0]

    def duplicates(self, row: Row) -> None:
        name, region = row.get("name"), row.get("region_code")
        if not (name and region):
            return
        first = self.keys.setdefault((name, region, row.get("parent")), row.number)
        if first != row.number:
            raise InvalidInput(
                f"与第 {first} 行重复（同一行政区划、同一上级下的同名机构）",
                f"repeats row {first} (same name, region and parent)",
                field="name",
                code="duplicate_in_file",
            )
        if isinstance(row.parent, Row) or (row.get("parent") and row.parent is None):
            return
        same = Org.objects.filter(name=name, region_code=region, status=OrgStatus.ACTIVE)
        if row.parent is not None:
            same = same.filter(parent=row.parent)
        if same.exists():
            raise InvalidInput(
                f"该行政区划已有同名现行机构“{name}”",
                f"an active body named {name!r} already exists in region {region}",
                field="name",
                code="duplicate",
            )


REFERENCE_PROBLEMS = {
    "not_found": (
        "未找到：应为您管理范围内现行机构的 ID、统一社会信用代码或准确名称，或本文件中另一行的名称",
        "not found: give the id, credit code or exact name of an active body in your scope, "
        "or the name of another row of the file",
    ),
    "ambiguous": (
        "不明确：有多个同名现行机构，请改填 ID 或统一社会信用代码",
        "is ambiguous: several active bodies match; give the id or the credit code",
    ),
    "ambiguous_in_file": (
        "不明确：文件中有多行同名",
        "is ambiguous: several rows of the file bear this name",
    ),
    "cycle": ("不能是本行机构自身", "cannot be the body itself"),
}


def _reference_problem(name: str, text: str, problem: str) -> InvalidInput:
    column = BY_FIELD[name]
    zh, en = REFERENCE_PROBLEMS[problem]
    return InvalidInput(
        f"{column.header}“{text}”{zh}",
        f"{column.english} {text!r} {en}",
        field=name,
        code=problem.removesuffix("_in_file"),
    )


def _find_orgs(actor, text: str, region: str) -> list[Org]:
    """Active bodies in scope with this id, credit code or name; the row's region breaks ties."""
    lookup = Q(name=text) | Q(credit_code=text.upper())
    if text.isdigit() and len(text) <= 12:
        lookup |= Q(pk=int(text))
    qs = scope_queryset(actor, Org.objects.filter(status=OrgStatus.ACTIVE))
    found = list(qs.filter(lookup)[:20])
    if len(found) > 1:
        found = [org for org in found if org.region_code == region] or found
    return found


def dependency_order(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Rows ordered so that parents and supervisors defined in the file come first (Kahn's
    algorithm, keeping file order otherwise), and the rows caught in a cycle."""
    waiting: dict[int, int] = {}
    dependants: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        refs = {ref.number for ref in (row.parent, row.supervisor) if isinstance(ref, Row)}
        waiting[row.number] = len(refs)
        for number in refs:
            dependants[number].append(row)
    queue = deque(row for row in rows if waiting[row.number] == 0)
    order: list[Row] = []
    while queue:
        row = queue.popleft()
        order.append(row)
        for dependant in dependants[row.number]:
            waiting[dependant.number] -= 1
            if waiting[dependant.number] == 0:
                queue.append(dependant)
    return order, [row for row in rows if waiting[row.number] > 0]


def validate_rows(rows: list[Row], *, actor, progress: Callable[[int], None] | None = None) -> Plan:
    """Check every row and collect every error; the plan's order creates parents first."""
    checker = RowChecker(actor, rows)
    for done, row in enumerate(rows, start=1):
        checker.check(row)
        if progress and done % progress_every() == 0:
            progress(done)
    order, stuck = dependency_order(rows)
    for row in stuck:
        row.fail(
            "parent",
            "cycle",
            "上级机构或主管部门的引用形成循环（含经由其他行的间接引用）",
            "parent or supervisor references form a cycle (directly or through other rows)",
        )
    errors = [error for row in rows for error in row.errors]
    return Plan(rows=rows, errors=errors, order=order)
