"""Helpers shared by the registration, profile and invitation tests."""

import functools

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
    """Ids of the enterprises whose matches the captured on-commit callbacks would recompute."""
    from incentives.tasks import recompute_enterprise_matches

    return [
        callback.args[0]
        for callback in callbacks
        if isinstance(callback, functools.partial)
        and getattr(callback.func, "__self__", None) is not None
        and callback.func.__self__.name == recompute_enterprise_matches.name
    ]
