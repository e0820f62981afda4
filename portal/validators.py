"""Validation of the 统一社会信用代码 (unified social credit code, GB 32100-2015)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 uses 31 characters: digits and capitals without I, O, Z, S, V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# The embedded organisation code (positions 9–17) carries its own GB 11714 check character.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_REGISTRATION_AUTHORITIES = "123456789ANY"


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are given."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714) whose first 8 are given."""
    # GB 11714 values: digits as themselves, letters A–Z as 10–35.
    total = sum(
        int(char, 36) * weight for char, weight in zip(first8, _ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_credit_code(value: str) -> None:
    """Refuse a malformed credit code, saying which part of it is wrong."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(code)},
            code="length",
        )
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "Characters not allowed in a credit code: %(chars)s "
                "(I, O, Z, S and V are never used)."
            )
            % {"chars": " ".join(bad)},
            code="characters",
        )
    if code[0] not in _REGISTRATION_AUTHORITIES:
        raise ValidationError(
            _("Character 1 (registration authority) cannot be %(char)s.") % {"char": code[0]},
            code="authority",
        )
    if not code[1].isdigit() or code[1] == "0":
        raise ValidationError(
            _("Character 2 (organisation type) must be a digit from 1 to 9."), code="org_type"
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3–8 (administrative division code) must be six digits."),
            code="division",
        )
    expected_org = org_code_check_character(code[8:16])
    if code[16] != expected_org:
        raise ValidationError(
            _(
                "Character 17 (check character of the organisation code %(org)s) should be "
                "%(expected)s, not %(actual)s."
            )
            % {"org": code[8:17], "expected": expected_org, "actual": code[16]},
            code="org_check",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("Character 18 (check character) should be %(expected)s, not %(actual)s.")
            % {"expected": expected, "actual": code[17]},
            code="check",
        )


# Characters no name or short text needs, which make it show something other than it is:
# C0 and C1 controls (NUL, BEL, line breaks …), the bidirectional marks, embeddings, overrides
# and isolates (U+202E shows "exe.txt" as "txt.exe"), and the line and paragraph separators.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FORBIDDEN_IN_PLAIN_TEXT = _CONTROLS + _BIDI + "\u2028\u2029"
_FORBIDDEN = frozenset(FORBIDDEN_IN_PLAIN_TEXT)


def validate_plain_text(value: str) -> None:
    """Refuse text holding control or text-direction characters, naming them (U+202E …)."""
    found = sorted({char for char in str(value) if char in _FORBIDDEN})
    if found:
        raise ValidationError(
            _(
                "This text contains invisible control or text-direction characters (%(chars)s); "
                "please type it again without them."
            )
            % {"chars": ", ".join(f"U+{ord(char):04X}" for char in found)},
            code="control_characters",
        )


MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_code(value: str) -> str:
    """A code as people type it, made plain: full-width letters and digits as ASCII, spaces and
    hyphens out, upper case ("9113 0200 ma0a-bc12 3x" → "91130200MA0ABC123X")."""
    text = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-–—_.]", "", text).upper()


def validate_mobile(value: str) -> None:
    """A mainland China mobile number: 11 digits starting 13–19."""
    if not MOBILE.match(value or ""):
        raise ValidationError(
            _("Give an 11-digit mobile number starting with 1, e.g. 13812345678."),
            code="mobile",
        )
