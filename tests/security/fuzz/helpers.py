"""Shared by the form fuzz tests (tests/security/fuzz/): what bad input looks like, and how a
request is sent and its answer judged.

Bad input never breaks a page: every HTML form of the portal, and the API calculator, fuzzed
through the Django test client so the whole view runs (middleware, form, service, template).

Each example starts from a plausible, valid submission and spoils some of it: Chinese text,
control characters, NUL bytes, very long strings, numbers at the edges ('1e309', 'NaN', -0,
twenty nines), impossible dates ('2026-02-30'), repeated keys and keys no form knows. The answer
must be one of ALLOWED (never a 500), and a form page that comes back with 200 after a bad
submission must say what was wrong. Each example runs in a savepoint that is rolled back, so a
successful submission does not change what the next example sees.

A summary for the docs goes to var/reliability/forms.json (conftest.py writes it after the run).
"""

import traceback
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from django.contrib.messages import constants as message_levels
from django.db import transaction
from django.test import Client
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from hypothesis import HealthCheck, reject, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
SUMMARY = ROOT / "var" / "reliability" / "forms.json"
ALLOWED = {200, 302, 400, 403, 404, 405, 410}
EXAMPLES: Counter = Counter()
STATUSES: Counter = Counter()
SERVER_ERRORS: list[str] = []
FUZZ_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# ---------------------------------------------------------------------------------------------
# What bad input looks like
# ---------------------------------------------------------------------------------------------

CHINESE = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1)
CONTROL = st.text(
    st.one_of(
        st.characters(max_codepoint=0x1F),
        st.sampled_from(["\x7f", "\x85", "\u200b", "\u202e", "\ufeff", "\u2028", "\x00"]),
    ),
    min_size=1,
    max_size=8,
)
LONG = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["a", "中", "9", "\x00", " ", "<b>", "'; --"]),
    st.sampled_from([101, 201, 2001, 5001, 20_000]),
)
EDGE_NUMBERS = [
    "0", "-0", "-1", "1e309", "-1e309", "1e-309", "NaN", "nan", "sNaN", "Infinity", "-inf",
    "1e15", "1e16", "9" * 20, "9" * 400, "-" + "9" * 20, "0.001", "0.005", "99999999999999.99",
    "100000000000000", "1,000", "１２３", "²", "٣", "0x10", "1_000", "2147483648",
    "9223372036854775808", "-9223372036854775809", " 7 ", "1.5", "3.", ".5", "+5", "--5", "1e2",
    "١٢٣", "Ⅻ", "½",
]  # fmt: skip
EDGE_DATES = [
    "2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29", "2024-02-29", "0000-01-01",
    "0001-01-01", "9999-12-31", "10000-01-01", "-2026-01-01", "2026-2-3", "2026/02/03",
    "02/30/2026", "30.02.2026", "2026-02-03T10:00", "2026-W05", "二〇二六年二月三日",
    "1949-10-01", "2100-01-01",
]  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(EDGE_NUMBERS),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)
DATES = st.one_of(st.sampled_from(EDGE_DATES), st.dates().map(str))
ANY_TEXT = st.text(max_size=40)
FUZZ = st.one_of(
    st.just(""), ANY_TEXT, CHINESE, CONTROL, LONG, NUMBERS, DATES,
    st.lists(st.one_of(ANY_TEXT, CHINESE, CONTROL, NUMBERS), min_size=2, max_size=4).map("".join),
)  # fmt: skip
FIELD_NAME = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20),
    st.sampled_from(["csrfmiddlewaretoken", "next", "page", "action", "__proto__", "id", "pk"]),
)
RAW_QUERY = st.one_of(
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.lists(
        st.sampled_from(["%", "%00", "%ff", "%E4%B8%AD", "&", "=", "==", ";", "+", "city", "a[]"]),
        max_size=12,
    ).map("".join),
)
# Items whose claim forms have, between them, whole-number, money, yes/no and choice inputs.
CLAIM_ITEMS = ["ts2019-first-set-insurance", "lf2023-envoy-host"]


def plausible(form) -> dict[str, list[str]]:
    """Values each field of a form would accept, read from the form itself."""
    from django import forms

    values: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            flat = []
            for value, label in field.choices:
                if isinstance(label, list | tuple):
                    flat += [str(v) for v, _ in label]
                else:
                    flat.append(str(value))
            values[name] = flat[:8] or [""]
        elif isinstance(field, forms.NullBooleanField):
            values[name] = ["true", "false", "unknown", ""]
        elif isinstance(field, forms.BooleanField):
            values[name] = ["on", ""]
        elif isinstance(field, forms.DateField):
            values[name] = ["2024-05-20", "2020-01-01"]
        elif isinstance(field, forms.DecimalField | forms.IntegerField):
            values[name] = ["0", "5", "12345.67" if isinstance(field, forms.DecimalField) else "7"]
        elif isinstance(field, forms.EmailField):
            values[name] = ["cfo@qiye.example.cn"]
        else:
            values[name] = ["测试 input", ""]
    return values


def draw_payload(data, base: dict[str, list[str]]) -> dict:
    """A plausible submission, then some of its fields spoiled, dropped or repeated, and
    perhaps a few keys the form does not know."""
    payload: dict = {name: data.draw(st.sampled_from(options)) for name, options in base.items()}
    if base:
        spoiled = data.draw(st.lists(st.sampled_from(sorted(base)), unique=True))
        for name in spoiled:
            how = data.draw(st.sampled_from(["fuzz", "fuzz", "fuzz", "drop", "repeat"]))
            if how == "fuzz":
                payload[name] = data.draw(FUZZ)
            elif how == "drop":
                payload.pop(name, None)
            else:
                payload[name] = data.draw(st.lists(FUZZ, min_size=2, max_size=3))
    payload.update(data.draw(st.dictionaries(FIELD_NAME, FUZZ, max_size=3)))
    return payload


# ---------------------------------------------------------------------------------------------
# Sending and judging
# ---------------------------------------------------------------------------------------------


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def send(client: Client, form: str, method: str, url: str, allowed=ALLOWED, **kwargs):
    """One request through the whole stack; a view's exception comes back as a 500 (with the
    traceback in the failure), an input the test client itself cannot encode is skipped."""
    client.cookies.pop("messages", None)  # no message left over from the previous example
    try:
        response = getattr(client, method)(url, **kwargs)
    except (UnicodeEncodeError, TypeError, ValueError):
        reject()  # the test client refused to build this request; no browser would send it
    EXAMPLES[form] += 1
    STATUSES[form, response.status_code] += 1
    if response.status_code >= 500:
        exc_info = getattr(response, "exc_info", None)
        where = "".join(traceback.format_exception(*exc_info)) if exc_info else ""
        SERVER_ERRORS.append(f"{method.upper()} {url}: {response.status_code}")
        raise AssertionError(
            f"{method.upper()} {url}: {response.status_code} for {kwargs}\n{where}"
        )
    assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code}"
    return response


def assert_says_why(response, *, required: bool, form_key: str = "form"):
    """A form page answered with a bound form that has errors shows at least one of them;
    ``required`` when only a refused submission comes back as a page (a valid one redirects),
    so the page must carry an error, on the form or as a message."""
    html = response.content.decode()
    form = response.context.get(form_key) if response.context else None
    errors = [
        str(message)
        for messages in (form.errors.values() if form is not None and form.is_bound else [])
        for message in messages
    ]
    if errors:
        assert any(escape(e) in html for e in errors), f"no error shown; the form said {errors}"
    elif required:
        assert "alert-danger" in html or "invalid-feedback" in html, "200 without any error"


def as_posted(payload: dict) -> MultiValueDict:
    """A payload as the view's request.POST holds it (a repeated key: its last value wins)."""
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in payload.items()})


def error_messages(response) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    return [str(m) for m in storage or [] if m.level == message_levels.ERROR]


def web_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client
