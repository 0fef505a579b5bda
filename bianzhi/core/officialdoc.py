"""Official documents (公文) laid out after GB/T 9704-2012 and rendered to PDF (ADR 0010).

A4; text block 156 × 225 mm at 37 mm from the top and 28 mm from the left; 3号 (16 pt) body
on a grid of 22 lines of 28 characters. Page 1 carries the header (版头: 份号, 密级, 紧急程度,
the red 发文机关标志, 发文字号 or 发文字号 + 签发人, the red separator); the title, 主送, body,
附件说明, 署名 and 成文日期 (room left above them for the seal, which is not drawn) and 附注 flow
on the grid over as many pages as they need; 版记 (抄送, 印发机关 and 印发日期) sits at the
foot of the last page; page numbers "— 1 —" in 4号, odd pages right, even pages left.

The fonts are subsets of Noto Serif SC / Noto Sans SC embedded per document (core/fonts.py);
the sans face stands in for 黑体 (密级, 紧急程度, first-level headings), the serif face for 仿宋
and 小标宋 (with a light stroke for the weight of 小标宋). The same input gives the same bytes."""

import dataclasses
import datetime
import io
import math
import re
from collections.abc import Callable

from reportlab.lib.colors import CMYKColor, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import fonts
from .errors import InvalidInput

PAGE_W, PAGE_H = A4
LEFT, TOP, BLOCK_W, BLOCK_H = 28 * mm, 37 * mm, 156 * mm, 225 * mm
BLOCK_TOP, BLOCK_RIGHT = PAGE_H - TOP, LEFT + BLOCK_W
BLOCK_BOTTOM = BLOCK_TOP - BLOCK_H
ROWS, COLS = 22, 28
PITCH = BLOCK_H / ROWS
SIZE_3, SIZE_2, SIZE_4 = 16.0, 22.0, 14.0  # 3号, 2号, 4号 in points
CHAR = BLOCK_W / COLS  # advance of one 3号 character: 28 of them fill the line
ASCENT, DESCENT = 0.88, 0.12  # the ideographic em box of the Noto CJK faces
LOGO_TOP, LOGO_SIZE, LOGO_MIN_SCALE = 35 * mm, 15 * mm, 0.5
NUMBER_TO_RULE = 4 * mm
RED_RULE, THICK_RULE, THIN_RULE = 0.5 * mm, 0.35 * mm, 0.25 * mm
PAGE_NUMBER_GAP, DASH_TOP = 7 * mm, 0.293  # dash top 7 mm under the block; its top in ems
RED = CMYKColor(0, 1, 1, 0)
SEAL_ROWS = 2  # blank rows above the signature: the seal's top within a row of the text
BOLD_STROKE = 0.45  # points of outline that give the serif face the weight of 小标宋
NO_LINE_START = set("、，。；：？！）》”’」』】〕〉…·,.;:?!)]}%")
NO_LINE_END = set("（《“‘「『【〔〈([{")
FIRST_LEVEL = re.compile(r"^[一二三四五六七八九十]+、")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-/_%]*|—+|…+|\s+|.", re.S)
_EPSILON = 0.01


@dataclasses.dataclass
class OfficialDocument:
    """The elements of a 公文 (GB/T 9704-2012 §7); optional ones are left out when blank."""

    issuer: str  # 发文机关标志
    number: str  # 发文字号
    title: str
    body: list[str]  # paragraphs; "一、…" starts a first-level heading
    recipients: str  # 主送机关
    signature: str  # 发文机关署名
    date: datetime.date  # 成文日期
    copy_no: str = ""  # 份号
    classification: str = ""  # 密级和保密期限; blank for 非密
    urgency: str = ""  # 紧急程度
    signer: str = ""  # 签发人 (上行文)
    attachments: list[str] = dataclasses.field(default_factory=list)  # 附件说明
    note: str = ""  # 附注
    copies_to: str = ""  # 抄送机关
    printed_by: str = ""  # 印发机关
    printed_on: datetime.date | None = None  # 印发日期


def chinese_date(day: datetime.date) -> str:
    """成文日期 in Arabic numerals, year in full, no leading zeros (GB/T 9704-2012 §7.3.5)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- line breaking ---------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Characters, with Latin words, numbers, dashes (——) and ellipses (……) kept whole."""
    return _TOKEN.findall(text)


def break_lines(
    text: str,
    width: float,
    measure: Callable[[str], float],
    first_width: float | None = None,
) -> list[str]:
    """Greedy lines no wider than `width` (the first no wider than `first_width`), with the
    Chinese rules: no 、，。；：？！）》” at a line start, no （《“ at a line end (the character
    before is carried to the next line instead)."""
    limit = width if first_width is None else first_width
    pending = _tokens(text)[::-1]
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    while pending:
        token = pending.pop()
        size = measure(token)
        if size > width and len(token) > 1:  # a word longer than a line: split it
            pending.extend(reversed(token))
            continue
        if current and used + size > limit + _EPSILON:
            carry = [token]
            while len(current) > 1 and (
                carry[0][0] in NO_LINE_START or current[-1][-1] in NO_LINE_END
            ):
                carry.insert(0, current.pop())
            lines.append("".join(current).rstrip())
            while carry and carry[0].isspace():
                carry.pop(0)
            current = carry
            used, limit = sum(measure(t) for t in current), width
        elif current or not token.isspace():
            current.append(token)
            used += size
    if current:
        lines.append("".join(current).rstrip())
    return lines or [""]


# --- validation ------------------------------------------------------------------------------


def _invalid(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"{field}：{zh}", f"{field}: {en}", field=field)


def _clean(text: object, field: str, required: bool = False) -> str:
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise _invalid(field, "须为文字", "must be text")
    text = re.sub(r"[\r\n\t]+", "", text).strip()
    if required and not text:
        raise _invalid(field, "不能为空", "is required")
    return text


def _clean_date(value: object, field: str, required: bool) -> datetime.date | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise _invalid(field, "须为日期", "must be a date")
    return value


def _clean_list(value: object, field: str) -> list[str]:
    if not isinstance(value, list | tuple):
        raise _invalid(field, "须为段落列表", "must be a list of paragraphs")
    items = [_clean(item, f"{field}[{i}]") for i, item in enumerate(value)]
    return [item for item in items if item]


def _validated(doc: OfficialDocument) -> OfficialDocument:
    required = ("issuer", "number", "title", "signature")
    texts = {f: _clean(getattr(doc, f), f, f in required) for f in (*required, "recipients")}
    for f in ("copy_no", "classification", "urgency", "signer", "note", "copies_to", "printed_by"):
        texts[f] = _clean(getattr(doc, f), f)
    if texts["copy_no"] and not (texts["copy_no"].isdigit() and len(texts["copy_no"]) <= 6):
        raise _invalid("copy_no", "份号须为不超过 6 位的数字", "must be at most 6 digits")
    body = _clean_list(doc.body, "body")
    if not body:
        raise _invalid("body", "正文不能为空", "the body is required")
    clean = OfficialDocument(
        **texts,
        body=body,
        attachments=_clean_list(doc.attachments, "attachments"),
        date=_clean_date(doc.date, "date", True),
        printed_on=_clean_date(doc.printed_on, "printed_on", bool(texts["printed_by"])),
    )
    if clean.printed_on and not clean.printed_by:
        raise _invalid("printed_by", "有印发日期时须写印发机关", "is required with printed_on")
    return clean


# --- layout ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    """A piece of text on one line; x from the left of the page, y of the baseline."""

    text: str
    x: float
    face: str = "serif"
    size: float = SIZE_3
    space: float = 0.0  # character spacing (PDF Tc)
    color: object = black
    bold: bool = False
    scale: float = 100.0  # horizontal scaling in percent


@dataclasses.dataclass
class Row:
    """One row of the grid in the flowing part; y is set when the row is placed on a page."""

    runs: list[Run]
    keep_with_next: bool = False

    @property
    def blank(self) -> bool:
        return not self.runs


@dataclasses.dataclass
class Page:
    texts: list[tuple[Run, float]] = dataclasses.field(default_factory=list)
    rules: list[tuple[float, float, object]] = dataclasses.field(default_factory=list)
    rows: list[Row] = dataclasses.field(default_factory=list)
    first_row: int = 0


def _base_space(size: float) -> float:
    """Character spacing that keeps the grid's proportion at any size (negative: a 3号
    character's advance is 156/28 mm, slightly less than its 16 pt em)."""
    return CHAR * size / SIZE_3 - size


def _baseline(row_top: float, size: float) -> float:
    """The baseline that centres a character's em box in a grid row whose top is given."""
    return row_top - PITCH / 2 - (ASCENT - 0.5) * size


def _row_top(index: int) -> float:
    return BLOCK_TOP - index * PITCH


class _Typesetter:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def advance(self, text: str, face: str, size: float) -> float:
        """Width taken in a line, spacing after every character included (for breaking)."""
        return stringWidth(text, self.names[face], size) + _base_space(size) * len(text)

    def ink(self, text: str, face: str, size: float) -> float:
        """Visible width: no spacing after the last character (for aligning)."""
        return self.advance(text, face, size) - _base_space(size) if text else 0.0

    def wrap(self, text, face, size, width, first_width=None) -> list[str]:
        return break_lines(text, width, lambda t: self.advance(t, face, size), first_width)

    def paragraph(self, text, *, face="serif", size=SIZE_3, first=0.0, rest=0.0, justify=True):
        """Rows of a paragraph: the first line starts `first` points into the block, the
        others `rest`; all but the last line stretched to the right edge when justified."""
        lines = self.wrap(text, face, size, BLOCK_W - rest, BLOCK_W - first)
        rows = []
        for i, line in enumerate(lines):
            offset = first if i == 0 else rest
            space = _base_space(size)
            if justify and i < len(lines) - 1 and len(line) > 1:
                space += (BLOCK_W - offset - self.ink(line, face, size)) / (len(line) - 1)
            rows.append(Row([Run(line, LEFT + offset, face, size, space)]))
        return rows

    def centred(self, text, *, face="serif", size=SIZE_3, **style) -> Run:
        x = LEFT + (BLOCK_W - self.ink(text, face, size)) / 2
        return Run(text, x, face, size, _base_space(size), **style)

    def right(self, text, *, end=BLOCK_RIGHT, face="serif", size=SIZE_3) -> Run:
        return Run(text, end - self.ink(text, face, size), face, size, _base_space(size))


def _header(ts: _Typesetter, doc: OfficialDocument) -> Page:
    """Page 1's 版头; sets the grid row where the title starts (two rows under the rule)."""
    page = Page()
    marks = [("serif", doc.copy_no.zfill(6) if doc.copy_no else "")]
    marks += [("sans", doc.classification), ("sans", doc.urgency)]
    for index, (face, text) in enumerate(m for m in marks if m[1]):
        page.texts.append(
            (Run(text, LEFT, face, SIZE_3, _base_space(SIZE_3)), _baseline(_row_top(index), SIZE_3))
        )
    size = LOGO_SIZE
    natural = stringWidth(doc.issuer, ts.names["serif"], size)
    scale = min(1.0, BLOCK_W / natural)
    if scale < LOGO_MIN_SCALE:  # a very long name: smaller characters, not thinner ones
        size, scale = size * scale / LOGO_MIN_SCALE, LOGO_MIN_SCALE
    logo_baseline = BLOCK_TOP - LOGO_TOP - ASCENT * size
    x = LEFT + (BLOCK_W - natural * size / LOGO_SIZE * scale) / 2
    page.texts.append(
        (Run(doc.issuer, x, "serif", size, 0.0, RED, True, scale * 100), logo_baseline)
    )
    number_top = logo_baseline - DESCENT * size - 2 * PITCH
    number_baseline = _baseline(number_top, SIZE_3)
    for run in _number_line(ts, doc):
        page.texts.append((run, number_baseline))
    rule_y = number_baseline - DESCENT * SIZE_3 - NUMBER_TO_RULE
    page.rules.append((rule_y, RED_RULE, RED))
    page.first_row = math.ceil((BLOCK_TOP - rule_y) / PITCH + 2 - _EPSILON)
    return page


def _number_line(ts: _Typesetter, doc: OfficialDocument) -> list[Run]:
    """发文字号 centred; for 上行文 left (one character in) with 签发人 right (one in)."""
    if not doc.signer:
        return [ts.centred(doc.number)]
    number = Run(doc.number, LEFT + CHAR, "serif", SIZE_3, _base_space(SIZE_3))
    return [number, ts.right(f"签发人：{doc.signer}", end=BLOCK_RIGHT - CHAR)]


def _title_rows(ts: _Typesetter, title: str) -> list[Row]:
    """2号 title centred; long titles broken into lines of similar length (梯形/菱形)."""
    total = ts.advance(title, "serif", SIZE_2)
    count = math.ceil(total / BLOCK_W - _EPSILON)
    width = min(BLOCK_W, total / count + CHAR * SIZE_2 / SIZE_3) if count > 1 else BLOCK_W
    lines = ts.wrap(title, "serif", SIZE_2, width)
    return [Row([ts.centred(line, size=SIZE_2, bold=True)]) for line in lines]


def _body_rows(ts: _Typesetter, doc: OfficialDocument) -> list[Row]:
    rows = [*_title_rows(ts, doc.title), Row([])]
    if doc.recipients:
        recipients = doc.recipients.rstrip("：:，,。") + "："
        rows += ts.paragraph(recipients, justify=False)
    for paragraph in doc.body:
        heading = bool(FIRST_LEVEL.match(paragraph))
        face = "sans" if heading else "serif"
        paragraph_rows = ts.paragraph(paragraph, face=face, first=2 * CHAR)
        paragraph_rows[-1].keep_with_next = heading
        rows += paragraph_rows
    return rows


def _attachment_rows(ts: _Typesetter, attachments: list[str]) -> list[Row]:
    """附件：name, or 附件：1. name / 2. name; broken lines aligned with the name's first
    character; no punctuation after a name (§7.3.4)."""
    label = "附件："
    names_x = 2 * CHAR + ts.advance(label, "serif", SIZE_3)
    if not attachments:
        return []
    rows = [Row([])]
    for i, name in enumerate(attachments, start=1):
        name = name.rstrip("。；;，,.")
        prefix = f"{i}. " if len(attachments) > 1 else ""
        indent = names_x + ts.advance(prefix, "serif", SIZE_3)
        item = ts.paragraph(prefix + name, first=names_x, rest=indent, justify=False)
        rows += item
    first = rows[1].runs[0]
    rows[1].runs.insert(0, Run(label, LEFT + 2 * CHAR, "serif", SIZE_3, first.space))
    return rows


def _signature_rows(ts: _Typesetter, doc: OfficialDocument) -> list[Row]:
    """Two rows for the seal, 署名 centred over 成文日期, the date four characters from the
    right edge (§7.3.5.1), then 附注 in parentheses, two characters in (§7.3.6)."""
    date = chinese_date(doc.date)
    date_run = ts.right(date, end=BLOCK_RIGHT - 4 * CHAR)
    centre = date_run.x + ts.ink(date, "serif", SIZE_3) / 2
    width = ts.ink(doc.signature, "serif", SIZE_3)
    x = min(centre - width / 2, BLOCK_RIGHT - width)
    signature = Run(doc.signature, max(LEFT, x), "serif", SIZE_3, _base_space(SIZE_3))
    rows = [Row([]) for _ in range(SEAL_ROWS)] + [Row([signature]), Row([date_run])]
    if doc.note:
        rows += ts.paragraph(f"（{doc.note.strip('（）()')}）", first=2 * CHAR, justify=False)
    return rows


def _imprint_rows(ts: _Typesetter, doc: OfficialDocument) -> tuple[list[Row], int]:
    """版记 rows in 4号 and how many of them are 抄送 (a thin rule follows those)."""
    char = CHAR * SIZE_4 / SIZE_3
    rows: list[Row] = []
    if doc.copies_to:
        label = "抄送："
        text = label + doc.copies_to.rstrip("。.，,") + "。"
        hang = char + ts.advance(label, "serif", SIZE_4)
        lines = ts.wrap(text, "serif", SIZE_4, BLOCK_W - hang - char, BLOCK_W - 2 * char)
        for i, line in enumerate(lines):
            rows.append(
                Row(
                    [
                        Run(
                            line,
                            LEFT + (char if i == 0 else hang),
                            size=SIZE_4,
                            space=_base_space(SIZE_4),
                        )
                    ]
                )
            )
    copies = len(rows)
    if doc.printed_by:
        left = Run(doc.printed_by, LEFT + char, size=SIZE_4, space=_base_space(SIZE_4))
        printed = f"{chinese_date(doc.printed_on)}印发"
        rows.append(Row([left, ts.right(printed, end=BLOCK_RIGHT - char, size=SIZE_4)]))
    return rows, copies


# --- pagination ------------------------------------------------------------------------------


def _paginate(rows: list[Row], first_row: int, tail: int, lead: int = 2) -> list[list[Row]]:
    """Fill pages with rows; the rows from `tail` on (附件说明, 署名, 日期, 附注) stay on one
    page with at least `lead` rows of 正文 before them, so that no page holds the signature
    without text (GB/T 9704 forbids "此页无正文")."""
    breaks: set[int] = set()
    while True:
        pages, page_of = _fill(rows, first_row, breaks)
        texts = [i for i in range(tail) if not rows[i].blank]
        texts = texts[max(0, len(texts) - lead) :]
        group = texts + list(range(tail, len(rows)))
        placed = {page_of[i] for i in group if i in page_of}
        start = group[0]
        if len(placed) <= 1 or start in breaks or not texts:
            return pages
        breaks.add(start)


def _fill(rows: list[Row], first_row: int, breaks: set[int]):
    pages: list[list[Row]] = [[]]
    page_of: dict[int, int] = {}
    for i, row in enumerate(rows):
        capacity = ROWS - (first_row if len(pages) == 1 else 0)
        page = pages[-1]
        last_slot = len(page) == capacity - 1 and row.keep_with_next
        if page and (len(page) >= capacity or i in breaks or last_slot):
            pages.append([])
            page = pages[-1]
        if row.blank and not page:
            continue  # a blank row never opens a page
        page.append(row)
        page_of[i] = len(pages) - 1
    return pages, page_of


# --- drawing ---------------------------------------------------------------------------------


def _draw_text(canvas: Canvas, ts: _Typesetter, run: Run, y: float) -> None:
    # Text state (render mode, scaling, stroke) outlives a text object in PDF, and reportlab
    # leaves out settings it believes unchanged: every run gets a saved and restored state.
    canvas.saveState()
    text = canvas.beginText(run.x, y)
    text.setFont(ts.names[run.face], run.size)
    text.setCharSpace(run.space)
    text.setHorizScale(run.scale)
    text.setFillColor(run.color)
    if run.bold:
        text.setTextRenderMode(2)  # fill, then stroke the outline
        canvas.setStrokeColor(run.color)
        canvas.setLineWidth(BOLD_STROKE * run.size / SIZE_2)
    text.textOut(run.text)
    canvas.drawText(text)
    canvas.restoreState()


def _draw_rule(canvas: Canvas, y: float, width: float, color) -> None:
    canvas.setStrokeColor(color)
    canvas.setLineWidth(width)
    canvas.line(LEFT, y, BLOCK_RIGHT, y)


def _draw_page_number(canvas: Canvas, ts: _Typesetter, number: int) -> None:
    """ "— n —" in 4号, dash 7 mm under the block; odd pages right, even left, one char in."""
    label = f"— {number} —"
    y = BLOCK_BOTTOM - PAGE_NUMBER_GAP - DASH_TOP * SIZE_4
    char = CHAR * SIZE_4 / SIZE_3
    if number % 2:
        run = ts.right(label, end=BLOCK_RIGHT - char, size=SIZE_4)
    else:
        run = Run(label, LEFT + char, size=SIZE_4, space=_base_space(SIZE_4))
    _draw_text(canvas, ts, run, y)


def _draw(canvas: Canvas, ts: _Typesetter, pages: list[Page]) -> None:
    for number, page in enumerate(pages, start=1):
        for run, y in page.texts:
            _draw_text(canvas, ts, run, y)
        for index, row in enumerate(page.rows, start=page.first_row):
            for run in row.runs:
                _draw_text(canvas, ts, run, _baseline(_row_top(index), run.size))
        for y, width, color in page.rules:
            _draw_rule(canvas, y, width, color)
        _draw_page_number(canvas, ts, number)
        canvas.showPage()


def _imprint(page: Page, rows: list[Row], copies: int) -> None:
    """Put 版记 on the last rows of the page between its rules (thick, thin, thick)."""
    start = ROWS - len(rows)
    page.rows += [Row([]) for _ in range(start - page.first_row - len(page.rows))] + rows
    page.rules.append((_row_top(start), THICK_RULE, black))
    if copies and copies < len(rows):
        page.rules.append((_row_top(start + copies), THIN_RULE, black))
    page.rules.append((BLOCK_BOTTOM, THICK_RULE, black))


def _layout(ts: _Typesetter, doc: OfficialDocument) -> list[Page]:
    first = _header(ts, doc)
    body = _body_rows(ts, doc)
    # 附件说明 travels with the signature, so the last text rows before them are 正文.
    rows = body + _attachment_rows(ts, doc.attachments) + _signature_rows(ts, doc)
    chunks = _paginate(rows, first.first_row, tail=len(body))
    pages = [first] + [Page() for _ in chunks[1:]]
    for page, chunk in zip(pages, chunks, strict=True):
        page.rows = chunk
    imprint, copies = _imprint_rows(ts, doc)
    if imprint:
        last = pages[-1]
        if last.first_row + len(last.rows) + len(imprint) > ROWS:
            pages.append(Page())
        _imprint(pages[-1], imprint, copies)
    return pages


def _face_texts(doc: OfficialDocument) -> dict[str, str]:
    """The characters each face must draw, so that each subset holds only those."""
    sans = [doc.classification, doc.urgency] + [p for p in doc.body if FIRST_LEVEL.match(p)]
    serif = [
        doc.issuer,
        doc.number,
        doc.title,
        doc.recipients,
        doc.signature,
        doc.note,
        doc.copies_to,
        doc.printed_by,
        doc.signer,
        doc.copy_no,
        chinese_date(doc.date),
        "".join(p for p in doc.body if not FIRST_LEVEL.match(p)),
        "".join(doc.attachments),
        "0123456789—：:（）。 .签发人附件抄送印发年月日",
    ]
    texts = {"serif": "".join(serif), "sans": "".join(sans)}
    return {face: text for face, text in texts.items() if text}


def _check_glyphs(doc: OfficialDocument) -> None:
    """Refuse characters the fonts cannot draw (a rare 生僻字) instead of printing a blank."""
    for field in dataclasses.fields(doc):
        value = getattr(doc, field.name)
        text = (
            "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""
        )
        missing = fonts.missing_characters("serif", text)
        if field.name in ("classification", "urgency", "body"):
            missing += fonts.missing_characters("sans", text)
        if missing:
            raise _invalid(
                field.name,
                f"字体中没有这些字：{missing}",
                f"the font has no glyph for: {missing}",
            )


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as a PDF laid out after GB/T 9704-2012; the same input, the same bytes."""
    doc = _validated(doc)
    _check_glyphs(doc)
    out = io.BytesIO()
    with fonts.registered_fonts(_face_texts(doc)) as names:
        ts = _Typesetter(names)
        pages = _layout(ts, doc)
        # The embedded serif as the initial font: no reference to a non-embedded Helvetica.
        canvas = Canvas(
            out,
            pagesize=A4,
            invariant=1,
            pageCompression=1,
            initialFontName=names["serif"],
            initialFontSize=SIZE_3,
            lang="zh-CN",
        )
        canvas.setTitle(doc.title)
        canvas.setAuthor(doc.issuer)
        canvas.setSubject(doc.number)
        canvas.setCreator("Bianzhi")
        _draw(canvas, ts, pages)
        canvas.save()
    return out.getvalue()
