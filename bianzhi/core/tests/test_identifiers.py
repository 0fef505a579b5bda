"""Tests for bianzhi.core.identifiers (pure Python; runs without Django settings)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from bianzhi.core.identifiers import (
    USCC_ALPHABET,
    CreditCode,
    IdentifierError,
    ResidentId,
    gb11714_check_digit,
    make_credit_code,
    mask_resident_id,
    ric_check_digit,
    uscc_check_digit,
    validate_credit_code,
    validate_resident_id,
)

DIGITS = "0123456789"


def error_code(func, *args, **kwargs) -> str:
    with pytest.raises(IdentifierError) as info:
        func(*args, **kwargs)
    return info.value.code


# --- IdentifierError --------------------------------------------------------------------------


def test_identifier_error_is_a_bilingual_value_error():
    with pytest.raises(ValueError) as info:
        validate_resident_id("123")
    err = info.value
    assert isinstance(err, IdentifierError)
    assert err.code == "ric.length"
    assert err.message_zh and err.message_en
    assert str(err) == f"{err.message_zh} / {err.message_en}"


# --- resident ID: fixed vectors ---------------------------------------------------------------


def test_known_valid_resident_id():
    assert validate_resident_id("360426199101010071") == ResidentId(
        number="360426199101010071",
        region_code="360426",
        birth_date=datetime.date(1991, 1, 1),
        gender="M",
    )


@pytest.mark.parametrize(
    ("number", "birth_date", "gender"),
    [
        ("11010519491231002X", datetime.date(1949, 12, 31), "F"),  # check character X
        ("440304200002290161", datetime.date(2000, 2, 29), "F"),  # leap day
        ("110101199003071233", datetime.date(1990, 3, 7), "M"),
        ("110101199003078769", datetime.date(1990, 3, 7), "F"),
        ("51010819850615107X", datetime.date(1985, 6, 15), "M"),
    ],
)
def test_more_valid_resident_ids(number, birth_date, gender):
    assert ric_check_digit(number[:17]) == number[17]
    assert ric.calc_check_digit(number) == number[17]  # agrees with python-stdnum
    parsed = validate_resident_id(number)
    assert (parsed.birth_date, parsed.gender) == (birth_date, gender)


def test_resident_id_is_normalised():
    parsed = validate_resident_id(" 11010519491231002x ")
    assert parsed.number == "11010519491231002X"
    # python-stdnum folds full-width input (common with Chinese IMEs) to ASCII
    assert (
        validate_resident_id("３６０４２６１９９１０１０１００７１").number == "360426199101010071"
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("360426199101010072", "ric.checksum"),  # wrong check digit
        ("360426199102300070", "ric.birth_date"),  # 30 February (check digit is right)
        ("36042619910101007", "ric.length"),  # 17 characters
        ("3604261991010100711", "ric.length"),  # 19 characters
        ("", "ric.length"),
        ("36042619910101A071", "ric.format"),  # letter in the body
        ("36042619910101007A", "ric.format"),  # letter other than X at the end
        ("36042619910101X071", "ric.format"),
    ],
)
def test_invalid_resident_ids(number, code):
    assert error_code(validate_resident_id, number) == code


def test_feb_30_vector_only_fails_on_the_date():
    assert ric_check_digit("36042619910230007") == "0"


def test_future_birth_date_is_rejected():
    today = datetime.date(2020, 1, 1)
    number = "11010120200102001" + ric_check_digit("11010120200102001")
    assert error_code(validate_resident_id, number, today=today) == "ric.birth_date"
    assert validate_resident_id(number, today=datetime.date(2020, 1, 2)).gender == "M"


def test_resident_id_region_callback():
    seen = []

    def exists(code: str) -> bool:
        seen.append(code)
        return code != "360426"

    assert error_code(validate_resident_id, "360426199101010071", region_exists=exists) == (
        "ric.region"
    )
    assert seen == ["360426"]
    assert validate_resident_id("11010519491231002X", region_exists=exists).region_code == (
        "110105"
    )


def test_ric_check_digit_rejects_bad_input():
    assert error_code(ric_check_digit, "1234") == "ric.length"
    assert error_code(ric_check_digit, "3604261991010100A") == "ric.format"


# --- resident ID: masking ---------------------------------------------------------------------


def test_mask_examples():
    assert mask_resident_id("110101199003071233") == "110101********1233"
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id("110101900307123") == "110101******123"  # first generation
    assert mask_resident_id("12345") == "*****"
    assert mask_resident_id("") == ""


# --- resident ID: properties ------------------------------------------------------------------

ric_prefixes = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq}",
    st.text(DIGITS, min_size=6, max_size=6),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2024, 12, 31)),
    st.text(DIGITS, min_size=3, max_size=3),
)


@given(ric_prefixes)
def test_appending_ric_check_digit_always_validates(prefix):
    number = prefix + ric_check_digit(prefix)
    assert ric.calc_check_digit(number) == number[-1]  # agrees with python-stdnum
    parsed = validate_resident_id(number)
    assert parsed.number == number
    assert parsed.birth_date.strftime("%Y%m%d") == prefix[6:14]
    assert parsed.gender == ("M" if int(prefix[16]) % 2 else "F")


@given(ric_prefixes, st.integers(0, 17), st.sampled_from(DIGITS + "X"))
def test_any_single_change_breaks_a_resident_id(prefix, position, replacement):
    number = prefix + ric_check_digit(prefix)
    if position < 17 and replacement == "X":
        replacement = "0"
    if replacement == number[position]:
        replacement = DIGITS[(DIGITS.index(replacement) + 1) % 10] if replacement != "X" else "0"
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    with pytest.raises(IdentifierError):
        validate_resident_id(changed)


@given(st.text(DIGITS + "X", min_size=18, max_size=18))
def test_mask_keeps_length_and_hides_birth_date(number):
    masked = mask_resident_id(number)
    assert len(masked) == 18
    assert masked[6:14] == "*" * 8
    assert masked[:6] == number[:6] and masked[14:] == number[14:]


# --- GB 11714 organisation code check character -----------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [("40001236", "9"), ("40135908", "1"), ("60003734", "1"), ("00000000", "0")],
)
def test_gb11714_check_digit(body, check):
    assert gb11714_check_digit(body) == check


def test_gb11714_maps_10_to_x_and_11_to_0():
    assert gb11714_check_digit("00000006") == "X"  # 6*2 = 12 ≡ 1 -> C = 10 -> X
    assert gb11714_check_digit("00000019") == "0"  # 1*4 + 9*2 = 22 ≡ 0 -> C = 11 -> 0
    for body in ("10000000", "MB1A2B3C", "ZZZZZZZZ", "A0B1C2D3"):
        values = [int(c, 36) for c in body]  # 0-9, A = 10 ... Z = 35
        total = sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
        expected = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
        assert gb11714_check_digit(body) == expected


def test_gb11714_rejects_bad_bodies():
    assert error_code(gb11714_check_digit, "1234567") == "uscc.length"
    assert error_code(gb11714_check_digit, "1234567-") == "uscc.alphabet"


# --- unified social credit code: fixed vectors ------------------------------------------------


@pytest.mark.parametrize("number", ["121000004000123696", "121200004013590816"])
def test_known_valid_credit_codes(number):
    assert uscc.is_valid(number)
    parsed = validate_credit_code(number, establishment_only=True)
    assert parsed == CreditCode(
        number=number,
        authority="1",
        category="2",
        region_code=number[2:8],
        org_code=number[8:17],
    )


def test_known_invalid_credit_code_position_18():
    # 12100000400005852X: position 18 should be R ...
    assert uscc_check_digit("12100000400005852") == "R"
    assert error_code(validate_credit_code, "12100000400005852X") == "uscc.checksum"


def test_known_invalid_credit_code_also_fails_position_17():
    # ... and even with R its GB 11714 character is wrong (2, should be 5).
    assert gb11714_check_digit("40000585") == "5"
    assert error_code(validate_credit_code, "12100000400005852R") == "uscc.org_code_checksum"


def test_credit_code_is_normalised():
    code = make_credit_code("1", "1", "110000", "MB1A2B3C")
    assert code == "11110000MB1A2B3CX2"
    assert validate_credit_code(f"  {code.lower()} ").number == code
    assert validate_credit_code("1111-0000-MB1A2B3C-X2").number == code


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("12100000400012369", "uscc.length"),
        ("1210000040001236966", "uscc.length"),
        ("12100000400012369I", "uscc.alphabet"),  # I is not used
        ("1210000040001236O6", "uscc.alphabet"),  # O is not used
        ("12100000400012369?", "uscc.alphabet"),
        ("121000004000123697", "uscc.checksum"),
    ],
)
def test_invalid_credit_codes(number, code):
    assert error_code(validate_credit_code, number) == code


def test_establishment_only():
    business = "91110000600037341L"  # SAIC-registered enterprise (python-stdnum's example)
    assert validate_credit_code(business).authority == "9"
    assert error_code(validate_credit_code, business, establishment_only=True) == (
        "uscc.authority_category"
    )
    for pair in ("11", "12", "13", "19"):
        code = make_credit_code(pair[0], pair[1], "110000", "MB1A2B3C")
        assert validate_credit_code(code, establishment_only=True).category == pair[1]
    for pair in ("14", "21", "51", "N2", "Y1"):
        code = make_credit_code(pair[0], pair[1], "110000", "MB1A2B3C")
        assert validate_credit_code(code).authority == pair[0]  # fine without the flag
        assert error_code(validate_credit_code, code, establishment_only=True) == (
            "uscc.authority_category"
        )


def test_region_callback_and_format():
    calls = []

    def exists(region: str) -> bool:
        calls.append(region)
        return region == "120000"

    assert validate_credit_code("121200004013590816", region_exists=exists).region_code == "120000"
    assert error_code(validate_credit_code, "121000004000123696", region_exists=exists) == (
        "uscc.region"
    )
    assert calls == ["120000", "100000"]
    # a letter in the region passes both check characters but not the region rule
    first17 = "12A10000" + "MB1A2B3C" + gb11714_check_digit("MB1A2B3C")
    assert error_code(validate_credit_code, first17 + uscc_check_digit(first17)) == "uscc.region"


def test_make_credit_code_rejects_bad_parts():
    assert error_code(make_credit_code, "12", "1", "110000", "MB1A2B3C") == "uscc.length"
    assert error_code(make_credit_code, "1", "1", "11000", "MB1A2B3C") == "uscc.length"
    assert error_code(make_credit_code, "1", "1", "110000", "MB1A2B3") == "uscc.length"
    assert error_code(make_credit_code, "I", "1", "110000", "MB1A2B3C") == "uscc.alphabet"
    assert error_code(make_credit_code, "1", "1", "110000", "MB1A2B3Z") == "uscc.alphabet"
    assert error_code(make_credit_code, "1", "1", "11000A", "MB1A2B3C") == "uscc.region"


def test_uscc_alphabet_matches_stdnum():
    assert getattr(uscc, "_alphabet", USCC_ALPHABET) == USCC_ALPHABET
    assert not set("IOSVZ") & set(USCC_ALPHABET)


def test_gb11714_blind_spot_is_documented():
    # GB 11714 is MOD 11 over values 0-35: swapping characters whose values differ by 11
    # (0 <-> B, 1 <-> C, ...) is NOT detected at position 17 -- position 18 still catches it.
    assert gb11714_check_digit("00000000") == gb11714_check_digit("B0000000")
    valid = make_credit_code("1", "2", "330100", "00000000")
    assert error_code(validate_credit_code, valid[:8] + "B" + valid[9:]) == "uscc.checksum"


# --- unified social credit code: properties ---------------------------------------------------

alphabet_char = st.sampled_from(USCC_ALPHABET)
credit_parts = st.tuples(
    alphabet_char,
    alphabet_char,
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=8, max_size=8),
)


@given(credit_parts)
def test_appending_credit_check_digits_always_validates(parts):
    authority, category, region, body = parts
    code = make_credit_code(authority, category, region, body)
    assert code[:16] == authority + category + region + body
    assert code[17] == uscc.calc_check_digit(code[:17])  # agrees with python-stdnum
    parsed = validate_credit_code(code)
    assert (parsed.authority, parsed.category, parsed.region_code) == (authority, category, region)
    assert parsed.org_code == body + gb11714_check_digit(body)
    if (authority + category).isdigit():
        assert uscc.is_valid(code)


@given(credit_parts, st.integers(0, 17), alphabet_char)
def test_any_single_change_breaks_a_credit_code(parts, position, replacement):
    code = make_credit_code(*parts)
    if replacement == code[position]:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(IdentifierError):
        validate_credit_code(changed)


@given(credit_parts, st.integers(8, 16), st.sampled_from(DIGITS))
def test_digit_change_in_org_code_is_caught_by_position_17(parts, position, replacement):
    authority, category, region, body = parts
    code = make_credit_code(authority, category, region, body)
    # only digit-for-digit substitutions are guaranteed to be caught by GB 11714
    assume(replacement != code[position] and code[position].isdigit())
    first17 = code[:position] + replacement + code[position + 1 : 17]
    with pytest.raises(IdentifierError) as info:
        validate_credit_code(first17 + uscc_check_digit(first17))
    assert info.value.code == "uscc.org_code_checksum"
