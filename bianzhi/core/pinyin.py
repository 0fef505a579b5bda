"""Pinyin keys for search: full pinyin and initials ('教育局' → 'jiaoyuju', 'jyj')."""

import re

from pypinyin import Style, lazy_pinyin

_NON_WORD = re.compile(r"[^0-9a-z]+")


def pinyin_keys(text: str) -> tuple[str, str]:
    """Lower-case full pinyin and initials of a name, with non-alphanumerics dropped."""
    full = "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).lower()
    initials = "".join(
        syllable[:1] for syllable in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    ).lower()
    return _NON_WORD.sub("", full), _NON_WORD.sub("", initials)
