"""CJK fonts for generated PDFs: Noto Serif SC / Noto Sans SC (SIL OFL 1.1, PyPI package
pylopdf-fonts-zh-cn), subset per document and converted to TrueType outlines.

reportlab embeds only TrueType (glyf) fonts and Noto's SC fonts have CFF outlines, so each
document gets a subset of the characters it uses, its cubic curves turned into quadratic ones
(ADR 0010). The result is deterministic, so the same text gives the same font bytes."""

import hashlib
import io
import uuid
from contextlib import contextmanager
from functools import lru_cache

from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont, newTable
from pylopdf_fonts_zh_cn import sans_path, serif_path
from reportlab.lib import fonts as reportlab_fonts
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

FACES = {"serif": serif_path, "sans": sans_path}
# Tables reportlab does not use; dropping the layout tables also makes subsetting faster.
_DROPPED = ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
# Converting cubic to quadratic curves within one font unit keeps the shapes at print sizes.
_MAX_ERR = 1.0


@lru_cache(maxsize=2)
def _font_bytes(face: str) -> bytes:
    with open(FACES[face](), "rb") as handle:
        return handle.read()


@lru_cache(maxsize=2)
def _codepoints(face: str) -> frozenset[int]:
    font = TTFont(io.BytesIO(_font_bytes(face)), lazy=True)
    return frozenset(font.getBestCmap())


def missing_characters(face: str, text: str) -> str:
    """The characters of `text` the face cannot draw (line breaks and spaces aside)."""
    have = _codepoints(face)
    missing = dict.fromkeys(ch for ch in text if ord(ch) not in have and not ch.isspace())
    return "".join(missing)


def _subset(face: str, characters: str) -> TTFont:
    font = TTFont(io.BytesIO(_font_bytes(face)), recalcTimestamp=False, lazy=True)
    options = Options()
    options.layout_features = []
    options.drop_tables += _DROPPED
    options.notdef_outline = True
    options.hinting = True  # kept, not pruned: faster, and the glyf pen ignores them anyway
    subsetter = Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    return font


def _cff_to_glyf(font: TTFont) -> None:
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=_MAX_ERR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def _rename(font: TTFont, tag: str) -> None:
    """Give the subset a PostScript name of its own: reportlab shares one font object among
    all fonts registered with the same PostScript name, which would mix up two subsets."""
    for record in font["name"].names:
        if record.nameID == 6:
            record.string = f"{record.toUnicode()}-{tag}"


@lru_cache(maxsize=16)
def truetype_subset(face: str, characters: str) -> bytes:
    """A TrueType font holding the glyphs of `characters` (sorted, unique) from the face."""
    font = _subset(face, characters)
    _cff_to_glyf(font)
    _rename(font, hashlib.sha256(f"{face}\0{characters}".encode()).hexdigest()[:8].upper())
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@contextmanager
def registered_fonts(texts: dict[str, str]):
    """Register a subset of each face (face → text it must draw) under names unique to this
    call, yield face → registered name, and unregister them afterwards so a long-running
    process does not keep every document's fonts."""
    names: dict[str, str] = {}
    fonts: list[ReportlabTTFont] = []
    try:
        for face, text in texts.items():
            characters = "".join(sorted(set(text) - {"\n"}))
            name = f"BZ-{face}-{uuid.uuid4().hex}"
            font = ReportlabTTFont(name, io.BytesIO(truetype_subset(face, characters)))
            fonts.append(font)
            pdfmetrics.registerFont(font)
            names[face] = name
        yield names
    finally:
        _unregister(fonts)


def _unregister(fonts: list) -> None:
    # reportlab has no public way to unregister; these are the tables registerFont fills.
    for font in fonts:
        pdfmetrics._fonts.pop(font.fontName, None)
        pdfmetrics._dynFaceNames.pop(font.face.name, None)
        key = font.fontName.lower()
        reportlab_fonts._ps2tt_map.pop(key, None)
        for style in ((0, 0), (0, 1), (1, 0), (1, 1)):
            reportlab_fonts._tt2ps_map.pop((key, *style), None)
