"""The 事业单位法人证书 as a PDF: 正本 (original) on A4 landscape, 副本 (duplicate) on A4
portrait, printed from the items the certificate was issued with (`Certificate.items`), with a
QR code of the public verification page.

The CJK font is a subset of Noto Serif SC embedded per certificate (core/fonts.py, as for
official documents); long items are wrapped with the Chinese line-breaking rules and the
whole text shrinks until it fits the page. The same certificate gives the same bytes."""

import dataclasses
import io
from decimal import Decimal, InvalidOperation

import segno
from django.conf import settings
from django.utils import translation
from reportlab.lib.colors import CMYKColor, black
from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from bianzhi.core import fonts
from bianzhi.core.errors import InvalidInput
from bianzhi.core.officialdoc import break_lines, chinese_date

from .models import Certificate, CertificateStatus, FundingSource

TITLE = "事业单位法人证书"
COPIES = {"original": ("正本", landscape(A4)), "duplicate": ("副本", portrait(A4))}
MARGIN, FRAME_GAP = 12 * mm, 3 * mm
PADDING = 14 * mm  # from the frame to the text
TITLE_SIZE, COPY_SIZE, URL_SIZE = 28.0, 15.0, 6.5
MAX_SIZE, MIN_SIZE, SIZE_STEP = 14.0, 6.0, 0.5
LEADING, ROW_GAP = 1.55, 0.55  # line pitch and the space between items, in ems
QR_SIDE = 26 * mm
FOOTER_H = QR_SIDE + 12 * mm
RED = CMYKColor(0, 1, 1, 0)
BOLD_STROKE = 0.5
LABELS = (
    ("name", "名称"),
    ("purpose", "宗旨和业务范围"),
    ("address", "住所"),
    ("legal_rep", "法定代表人"),
    ("funding_source", "经费来源"),
    ("capital", "开办资金"),
    ("sponsor", "举办单位"),
    ("credit_code", "统一社会信用代码"),
    ("validity", "有效期"),
    ("number", "证书号"),
)


def verification_url(certificate: Certificate) -> str:
    """The public page that confirms the certificate (the QR code's content)."""
    return settings.PUBLIC_BASE_URL + f"/portal/verify/{certificate.token}/"


def chinese_label(label) -> str:
    """The Chinese term a choice label carries ("Registered (已登记)" → "已登记"), whatever
    the active language: a certificate prints the terms of the rules, the same every time."""
    with translation.override(None):
        text = str(label)
    if text.endswith(")") and "(" in text:
        return text[text.rindex("(") + 1 : -1]
    return text


def capital_text(value) -> str:
    """开办资金 as printed: "￥100万元", "￥12.5万元"."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"￥{text}万元"


def _funding_text(value: str) -> str:
    if value in FundingSource.values:
        return chinese_label(FundingSource(value).label)
    return value


def _values(certificate: Certificate) -> dict[str, str]:
    items = certificate.items
    validity = f"自 {chinese_date(certificate.valid_from)} 至 {chinese_date(certificate.valid_to)}"
    return {
        **{field: str(items.get(field) or "") for field, _label in LABELS},
        "funding_source": _funding_text(items.get("funding_source", "")),
        "capital": capital_text(items.get("capital", "")),
        "validity": validity,
        "number": certificate.number,
    }


# --- layout ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    label: str
    lines: list[str]


@dataclasses.dataclass
class Layout:
    size: float
    label_width: float
    items: list[Item]

    @property
    def height(self) -> float:
        lines = sum(len(item.lines) for item in self.items)
        return self.size * (LEADING * lines + ROW_GAP * (len(self.items) - 1))


def _wrap(text: str, width: float, font: str, size: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += break_lines(paragraph.strip(), width, lambda t: stringWidth(t, font, size))
    return lines


def _layout(values: dict[str, str], font: str, size: float, width: float) -> Layout:
    label_width = max(stringWidth(label + "：", font, size) for _f, label in LABELS) + size
    items = [
        Item(label, _wrap(values[field], width - label_width, font, size))
        for field, label in LABELS
    ]
    return Layout(size, label_width, items)


def _fit(values: dict[str, str], font: str, width: float, height: float) -> Layout:
    """The largest text size at which every item fits the space (the smallest one if none)."""
    size = MAX_SIZE
    layout = _layout(values, font, size, width)
    while layout.height > height and size > MIN_SIZE:
        size -= SIZE_STEP
        layout = _layout(values, font, size, width)
    return layout


# --- drawing ---------------------------------------------------------------------------------


def _text(canvas: Canvas, font: str, size: float, x: float, y: float, text: str, **style) -> None:
    canvas.saveState()
    obj = canvas.beginText(x, y)
    obj.setFont(font, size)
    obj.setCharSpace(style.get("space", 0.0))
    color = style.get("color", black)
    obj.setFillColor(color)
    if style.get("bold"):
        obj.setTextRenderMode(2)  # fill, then stroke the outline: the weight of a title face
        canvas.setStrokeColor(color)
        canvas.setLineWidth(BOLD_STROKE)
    obj.textOut(text)
    canvas.drawText(obj)
    canvas.restoreState()


def _centred(canvas, font, size, centre, y, text, space=0.0, **style) -> None:
    width = stringWidth(text, font, size) + space * (len(text) - 1)
    _text(canvas, font, size, centre - width / 2, y, text, space=space, **style)


def _frame(canvas: Canvas, width: float, height: float) -> None:
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1.6)
    canvas.rect(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN)
    canvas.setLineWidth(0.5)
    inner = MARGIN + FRAME_GAP
    canvas.rect(inner, inner, width - 2 * inner, height - 2 * inner)


def _qr(canvas: Canvas, url: str, x: float, y: float) -> None:
    """The QR code as filled rectangles, one per run of dark modules in a row."""
    rows = [list(row) for row in segno.make(url, error="m", micro=False).matrix_iter(border=0)]
    module = QR_SIDE / len(rows)
    canvas.setFillColor(black)
    for index, row in enumerate(rows):
        top = y + QR_SIDE - (index + 1) * module
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                canvas.rect(x + start * module, top, (column - start) * module, module, 0, 1)
                start = None


def _items(canvas: Canvas, font: str, layout: Layout, left: float, top: float) -> None:
    size = layout.size
    y = top - size
    for item in layout.items:
        _text(canvas, font, size, left, y, item.label + "：")
        for line in item.lines:
            _text(canvas, font, size, left + layout.label_width, y, line)
            y -= LEADING * size
        y -= ROW_GAP * size


def _footer(canvas, font, certificate, values, left, right, bottom) -> None:
    url = verification_url(certificate)
    _qr(canvas, url, left, bottom + 6 * mm)
    url_lines = break_lines(url, right - left, lambda t: stringWidth(t, font, URL_SIZE))
    for index, line in enumerate(url_lines):
        _text(canvas, font, URL_SIZE, left, bottom + 2 * mm - index * URL_SIZE * 1.2, line)
    registrar = f"登记管理机关：{values['registrar']}"
    issued = f"发证日期：{chinese_date(certificate.issued_on)}"
    for text, y in ((registrar, bottom + 16 * mm), (issued, bottom + 8 * mm)):
        _text(canvas, font, 13.0, right - stringWidth(text, font, 13.0), y, text)


def _status_mark(certificate: Certificate) -> str:
    if certificate.status == CertificateStatus.VALID:
        return ""
    return f"（{chinese_label(certificate.get_status_display())}）"


def _draw(canvas: Canvas, font: str, certificate: Certificate, copy: str, values) -> None:
    copy_name, (width, height) = COPIES[copy]
    left, right = MARGIN + PADDING, width - MARGIN - PADDING
    top, bottom = height - MARGIN - PADDING, MARGIN + PADDING
    _frame(canvas, width, height)
    _centred(canvas, font, TITLE_SIZE, width / 2, top - TITLE_SIZE, TITLE, 6.0, bold=True)
    copy_y = top - TITLE_SIZE - 2.2 * COPY_SIZE
    _centred(canvas, font, COPY_SIZE, width / 2, copy_y, f"（{copy_name}）")
    mark = _status_mark(certificate)
    if mark:  # a void or suspended certificate says so where the eye falls first
        mark_x = right - stringWidth(mark, font, COPY_SIZE)
        _text(canvas, font, COPY_SIZE, mark_x, copy_y, mark, color=RED)
    items_top = copy_y - 1.5 * COPY_SIZE
    room = items_top - (bottom + FOOTER_H)
    layout = _fit(values, font, right - left, room)
    _items(canvas, font, layout, left, items_top)
    _footer(canvas, font, certificate, values, left, right, bottom)


def _check_glyphs(values: dict[str, str]) -> None:
    """Refuse characters the font cannot draw (a rare 生僻字) instead of printing a blank."""
    for field, text in values.items():
        missing = fonts.missing_characters("serif", text)
        if missing:
            raise InvalidInput(
                f"字体中没有这些字：{missing}", f"the font has no glyph for: {missing}", field=field
            )


def render_certificate_pdf(certificate: Certificate, copy: str = "original") -> bytes:
    """The certificate's 正本 ("original") or 副本 ("duplicate") as a PDF; the same
    certificate and copy give the same bytes."""
    if copy not in COPIES:
        raise InvalidInput(
            "证书应为正本（original）或副本（duplicate）",
            'the copy is "original" or "duplicate"',
            field="copy",
        )
    copy_name, pagesize = COPIES[copy]
    values = {**_values(certificate), "registrar": str(certificate.items.get("registrar", ""))}
    _check_glyphs(values)
    url = verification_url(certificate)
    text = "".join(values.values()) + TITLE + copy_name + _status_mark(certificate) + url
    text += "".join(label for _f, label in LABELS) + "（）：登记管理机关发证日期年月日0123456789"
    out = io.BytesIO()
    with fonts.registered_fonts({"serif": text}) as names:
        font = names["serif"]
        canvas = Canvas(
            out,
            pagesize=pagesize,
            invariant=1,
            pageCompression=1,
            initialFontName=font,
            initialFontSize=MAX_SIZE,
            lang="zh-CN",
        )
        canvas.setTitle(f"{TITLE}（{copy_name}）{values['name']}")
        canvas.setAuthor(values["registrar"])
        canvas.setSubject(certificate.number)
        canvas.setCreator("Bianzhi")
        _draw(canvas, font, certificate, copy, values)
        canvas.showPage()
        canvas.save()
    return out.getvalue()
