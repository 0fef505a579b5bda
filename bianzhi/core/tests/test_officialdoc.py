"""GB/T 9704-2012 documents: every element readable and in order, the layout's measures, the
embedded subset fonts, page flow and numbers, reproducible bytes, and the line-breaking rules."""

import dataclasses
import datetime
import hashlib
import io
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from bianzhi.core.errors import InvalidInput
from bianzhi.core.officialdoc import (
    BLOCK_BOTTOM,
    BLOCK_RIGHT,
    CHAR,
    LEFT,
    NO_LINE_END,
    NO_LINE_START,
    PITCH,
    OfficialDocument,
    break_lines,
    chinese_date,
    render_pdf,
)

CENTRE = (LEFT + BLOCK_RIGHT) / 2
HAN = "编制机构事项调整通知单位职责人员"


def make_doc(**changes) -> OfficialDocument:
    doc = OfficialDocument(
        issuer="苏州市吴中区机构编制委员会办公室文件",
        number="吴编办〔2026〕12号",
        title="关于调整苏州市吴中区档案馆机构编制事项的通知",
        body=[
            "根据《中共中央办公厅国务院办公厅关于深化事业单位改革的意见》和省委编办有关要求，"
            "经研究，现就调整区档案馆机构编制事项通知如下。",
            "一、机构设置",
            "区档案馆为区委办公室所属公益一类事业单位，机构规格相当于正科级。",
            "二、编制配备",
            "核定区档案馆事业编制12名，其中：馆长1名，副馆长2名。",
        ],
        recipients="区委办公室，区档案局，区财政局",
        signature="苏州市吴中区机构编制委员会办公室",
        date=datetime.date(2026, 11, 27),
        copy_no="123",
        classification="秘密★1年",
        urgency="特急",
        attachments=["区档案馆主要职责和人员编制规定", "人员划转名单"],
        note="此件公开发布",
        copies_to="区委组织部，区人力资源和社会保障局",
        printed_by="苏州市吴中区机构编制委员会办公室",
        printed_on=datetime.date(2026, 11, 28),
    )
    return dataclasses.replace(doc, **changes)


@dataclasses.dataclass
class Shown:
    text: str
    x: float
    y: float
    size: float
    font: str


def shown(page) -> list[Shown]:
    """Every piece of text on the page with its position, size and font name."""
    runs: list[Shown] = []

    def visit(text, _cm, tm, font, size):
        if text.strip():
            name = str(font.get("/BaseFont", "")) if font else ""
            runs.append(Shown(text, tm[4], tm[5], size, name))

    page.extract_text(visitor_text=visit)
    return runs


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(make_doc())


@pytest.fixture(scope="module")
def reader(pdf) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def test_every_element_is_extractable_and_in_order(reader):
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    doc = make_doc()
    elements = [
        "000123",
        doc.classification,
        doc.urgency,
        doc.issuer,
        doc.number,
        doc.title,
        doc.recipients + "：",
        *doc.body,
        "附件：1.区档案馆主要职责和人员编制规定",
        "2.人员划转名单",
        doc.signature,
        "2026年11月27日",
        "（此件公开发布）",
        "抄送：区委组织部，区人力资源和社会保障局。",
        doc.printed_by,
        "2026年11月28日印发",
    ]
    position = 0
    for element in elements:
        found = text.find(squeeze(element), position)
        assert found >= position, f"{element!r} missing or out of order"
        position = found + len(squeeze(element))


def test_the_header_is_red_and_centred(reader, pdf):
    runs = shown(reader.pages[0])
    issuer = next(r for r in runs if r.text == make_doc().issuer)
    number = next(r for r in runs if r.text == make_doc().number)
    assert issuer.y > number.y
    assert number.x > LEFT + 4 * CHAR  # centred, not flush left
    stream = reader.pages[0].get_contents().get_data()
    assert b"0 1 1 0 k" in stream  # red fill of the issuer's mark
    assert re.search(rb"0 1 1 0 K\s+[\d.]+ w\s+n 79.37008 [\d.]+ m 521.5748 [\d.]+ l S", stream)


def test_a_signer_puts_the_number_left_and_the_signer_right():
    page = PdfReader(io.BytesIO(render_pdf(make_doc(signer="张三")))).pages[0]
    runs = shown(page)
    number = next(r for r in runs if r.text == "吴编办〔2026〕12号")
    signer = next(r for r in runs if r.text.startswith("签发人：张三"))
    assert number.x == pytest.approx(LEFT + CHAR, abs=0.01)
    assert signer.y == number.y and signer.x > CENTRE


def test_body_measures(reader):
    runs = shown(reader.pages[0])
    title = next(r for r in runs if r.text.startswith("关于调整"))
    recipients = next(r for r in runs if r.text.startswith("区委办公室"))
    first_line = next(r for r in runs if r.text.startswith("根据"))
    second_line = runs[runs.index(first_line) + 1]
    heading = next(r for r in runs if r.text == "一、机构设置")
    assert title.size == 22 and first_line.size == 16
    assert recipients.x == pytest.approx(LEFT, abs=0.01)
    assert first_line.x == pytest.approx(LEFT + 2 * CHAR, abs=0.01)  # two characters in
    assert second_line.x == pytest.approx(LEFT, abs=0.01)
    assert first_line.y - second_line.y == pytest.approx(PITCH, abs=0.01)
    assert "NotoSansSC" in heading.font and "NotoSerifSC" in first_line.font


def test_28_characters_a_line_22_lines_a_page():
    paragraph = (HAN * 40)[: 26 + 28 * 20]  # a first line of 26 (two in), then full lines
    reader = PdfReader(io.BytesIO(render_pdf(make_doc(body=[paragraph] * 3, attachments=[]))))
    assert len(reader.pages) >= 3
    runs = [r for r in shown(reader.pages[1]) if "—" not in r.text]
    assert {len(r.text) for r in runs if r.x == pytest.approx(LEFT, abs=0.01)} == {28}
    assert len({round(r.y, 2) for r in runs}) == 22


def test_a_long_body_flows_onto_numbered_pages():
    reader = PdfReader(io.BytesIO(render_pdf(make_doc(body=make_doc().body * 8))))
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        label = next(r for r in shown(page) if r.text.startswith("—"))
        assert label.text == f"— {number} —" and label.size == 14
        assert (label.x > CENTRE) == (number % 2 == 1)  # odd pages right, even pages left
        assert label.y < BLOCK_BOTTOM - 7 * 72 / 25.4
    last = squeeze(reader.pages[-1].extract_text())
    assert "抄送" in last and "印发" in last


def test_the_imprint_sits_on_the_last_rows(reader):
    runs = shown(reader.pages[-1])
    printed = next(r for r in runs if r.text.endswith("印发"))
    assert BLOCK_BOTTOM < printed.y < BLOCK_BOTTOM + PITCH
    assert printed.x > CENTRE


def test_the_signature_never_stands_alone_on_a_page():
    for count in range(4, 16):
        reader = PdfReader(io.BytesIO(render_pdf(make_doc(body=[HAN * 3] * count))))
        for page in reader.pages:
            text = squeeze(page.extract_text())
            if "2026年11月27日" in text:
                assert HAN in text.split("附件")[0], f"{count} paragraphs: no text before"


def test_the_font_is_an_embedded_subset(reader):
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert all(re.match(r"^/[A-Z]{6}\+Noto(Serif|Sans)SC-", name) for name in fonts), fonts
    assert any("+NotoSerifSC" in name for name in fonts)
    assert any("+NotoSansSC" in name for name in fonts)
    for font in fonts.values():
        descriptor = font["/FontDescriptor"].get_object()
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000


def test_the_same_input_gives_the_same_bytes(pdf):
    again = render_pdf(make_doc())
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(pdf).hexdigest()
    assert render_pdf(make_doc(title="关于调整区档案馆机构编制的通知")) != pdf


def test_chinese_date():
    assert chinese_date(datetime.date(2026, 1, 5)) == "2026年1月5日"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"issuer": ""}, "issuer"),
        ({"body": []}, "body"),
        ({"body": "一段"}, "body"),
        ({"copy_no": "12a"}, "copy_no"),
        ({"date": datetime.datetime(2026, 11, 27, 9)}, "date"),
        ({"printed_on": None}, "printed_on"),
        ({"body": ["生僻字𠀀"]}, "body"),
    ],
)
def test_bad_input_names_the_field(changes, field):
    with pytest.raises(InvalidInput) as caught:
        render_pdf(make_doc(**changes))
    assert caught.value.field == field
    assert field in caught.value.message_zh and field in caught.value.message_en


# --- line breaking ---------------------------------------------------------------------------


def test_no_closing_punctuation_at_a_line_start():
    assert break_lines("一二三四，五六", 4, len) == ["一二三", "四，五六"]
    assert break_lines("一二三。”五六", 4, len) == ["一二", "三。”五", "六"]


def test_no_opening_bracket_at_a_line_end():
    assert break_lines("甲乙丙（丁戊）", 4, len) == ["甲乙丙", "（丁戊）"]
    assert break_lines("甲乙丙《丁》", 4, len) == ["甲乙丙", "《丁》"]


def test_numbers_and_words_stay_whole_and_first_line_is_shorter():
    assert break_lines("编制2026年度", 4, len) == ["编制", "2026", "年度"]
    assert break_lines("一二三四五六七八", 4, len, first_width=2) == ["一二", "三四五六", "七八"]


CJK = st.sampled_from(list(HAN) + list("、，。；：？！）》”（《“"))


@settings(max_examples=200, deadline=None)
@given(st.lists(CJK, min_size=1, max_size=80).map("".join), st.integers(5, 12))
def test_line_breaking_rules_hold(text, width):
    # At most two marks in a row, as in real text: longer runs cannot always be placed.
    if re.search(r"[^" + HAN + r"]{3}", text):
        return
    lines = break_lines(text, width, len)
    assert "".join(lines) == text
    for before, line in itertools.pairwise(lines):
        assert line[0] not in NO_LINE_START or len(before) == 1
        assert before[-1] not in NO_LINE_END or len(before) == 1
    assert all(len(line) <= width for line in lines)
