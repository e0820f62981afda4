"""Helpers shared by the registration, profile and invitation tests."""

import functools

from enterprises.signals import profile_changed
from portal.validators import credit_code_check_character, org_code_check_character


def credit_code(serial: int, *, division: str = "130203") -> str:
    """A valid 统一社会信用代码 (both check characters right) for a test enterprise."""
    org8 = f"RG{serial:06d}"
    first17 = "91" + division + org8 + org_code_check_character(org8)
    return first17 + credit_code_check_character(first17)


def with_wrong_character(code: str, position: int) -> str:
    """The code with its character at ``position`` (1-based) replaced by another valid one."""
    index = position - 1
    replacement = "1" if code[index] != "1" else "2"
    return code[:index] + replacement + code[index + 1 :]


def recomputed_enterprises(callbacks) -> list[int]:
    """Ids of the enterprises whose matches the captured on-commit callbacks would recompute:
    those whose profile change is announced (the catalogue recomputes on that signal; see
    test_a_profile_change_queues_its_recompute)."""
    return [
        callback.keywords["enterprise_id"]
        for callback in callbacks
        if isinstance(callback, functools.partial) and callback.func == profile_changed.send
    ]
