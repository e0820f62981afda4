"""The 统一社会信用代码 check (GB 32100-2015), with a message saying which part is wrong."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.validators import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    org_code_check_character,
    validate_credit_code,
)

# Codes published by the companies themselves.
REAL_CODES = ["914403001922038216", "91330100716105852F"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code):
    """Passes if no exception: validate_credit_code raises ValidationError for a code it refuses."""
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("91440300192203821", "length"),
        ("91440300192203821I", "characters"),
        ("Z14403001922038216", "characters"),
        ("C14403001922038216", "authority"),
        ("90440300192203821E", "org_type"),
        ("914403A01922038216", "division"),
        ("914403001922038226", "org_check"),
        ("914403001922038217", "check"),
    ],
)
def test_each_wrong_part_is_named(code, part):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert excinfo.value.code == part


def test_the_message_says_which_character_is_wrong_in_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as excinfo:
        validate_credit_code("914403001922038217")
    assert "第18位" in excinfo.value.message
    assert "应为 6" in excinfo.value.message


digits_or_letters = st.sampled_from(CREDIT_CODE_ALPHABET)


@st.composite
def valid_codes(draw):
    first = draw(st.sampled_from("159Y"))
    org_type = draw(st.sampled_from("123"))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    org8 = draw(st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=8, max_size=8))
    first17 = first + org_type + division + org8 + org_code_check_character(org8)
    return first17 + credit_code_check_character(first17)


@given(valid_codes())
def test_any_code_built_by_the_rules_passes(code):
    """Passes if no exception: every code built by GB 32100's rules is accepted (the validator
    raises ValidationError for a code it refuses)."""
    validate_credit_code(code)


@given(valid_codes(), digits_or_letters)
def test_changing_the_check_character_is_always_caught(code, other):
    if other == code[17]:
        return
    with pytest.raises(ValidationError):
        validate_credit_code(code[:17] + other)


@given(st.text(max_size=30))
def test_any_text_is_accepted_or_refused_with_a_message_never_a_crash(text):
    try:
        validate_credit_code(text)
    except ValidationError as error:
        assert error.messages
