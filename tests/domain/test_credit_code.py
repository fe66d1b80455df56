"""Unified social credit codes (GB 32100-2015)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.credit_code import (
    ALPHABET,
    CreditCodeError,
    check_character,
    normalize_credit_code,
    suggested_operator_type,
    validate_credit_code,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "9144030071526726XG"])
def test_valid_codes(code):
    assert validate_credit_code(code) == code
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91310115MA1G4L1WXK", "Check character should be 7, not K."),
        ("91440300713555564J", "Check character should be 9, not J."),
    ],
)
def test_wrong_check_character(code, message):
    with pytest.raises(CreditCodeError) as error:
        validate_credit_code(code)
    assert str(error.value) == message


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_wrong_length(code):
    with pytest.raises(CreditCodeError, match="18 characters|empty"):
        validate_credit_code(code)


@pytest.mark.parametrize("letter", "IOSVZ")
def test_forbidden_letters(letter):
    code = "91350100M000100Y4" + letter
    with pytest.raises(CreditCodeError) as error:
        validate_credit_code(code)
    assert f"Character '{letter}' at position 18 is not allowed" in str(error.value)


def test_lower_case_and_spaces_are_normalised():
    assert normalize_credit_code(" 9135 0100m000100y43\t") == "91350100M000100Y43"
    assert validate_credit_code("9144030071526726xg") == "9144030071526726XG"


def test_check_character_needs_17_characters():
    with pytest.raises(CreditCodeError, match="17 characters"):
        check_character("9135")


def test_error_is_a_value_error():
    assert issubclass(CreditCodeError, ValueError)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("92350100M000100Y43", "individual"),
        ("91350100M000100Y43", "organisation"),
        ("93350100M000100Y43", "organisation"),
        ("99350100M000100Y43", "organisation"),
        ("94350100M000100Y43", None),
        ("12350100M000100Y43", None),  # another registering authority: type 2 is not an individual business
        ("9", None),
    ],
)
def test_suggested_operator_type(code, expected):
    assert suggested_operator_type(code) == expected


codes17 = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(first17=codes17, data=st.data())
def test_any_single_character_change_is_caught(first17, data):
    code = first17 + check_character(first17)
    assert validate_credit_code(code) == code
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from(ALPHABET.replace(code[position], "")))
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(CreditCodeError):
        validate_credit_code(changed)
