"""Bad input never breaks a page: every HTML form of the portal, and the API calculator, fuzzed
through the Django test client so the whole view runs (middleware, form, service, template).

Each example starts from a plausible, valid submission and spoils some of it: Chinese text,
control characters, NUL bytes, very long strings, numbers at the edges ('1e309', 'NaN', -0,
twenty nines), impossible dates ('2026-02-30'), repeated keys and keys no form knows. The answer
must be one of ALLOWED (never a 500), and a form page that comes back with 200 after a bad
submission must say what was wrong. Each example runs in a savepoint that is rolled back, so a
successful submission does not change what the next example sees.

A summary for the docs goes to var/reliability/forms.json.
"""

import datetime
import json
import traceback
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from applications import services as case_services
from applications.forms import ActionForm
from applications.workflow import TRANSITIONS
from incentives.calculator import CalculatorForm
from incentives.forms import CatalogueFilterForm
from incentives.models import Fact, IncentiveItem
from portal import forms as portal_forms
from portal.models import BureauPosition, Qualification, Region, Role
from tests.portal.helpers import credit_code

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "forms": len(EXAMPLES),
        "examples": sum(EXAMPLES.values()),
        "server_errors": len(SERVER_ERRORS),
        "examples_per_form": dict(sorted(EXAMPLES.items())),
        "statuses": {
            f"{form} {status}": n for (form, status), n in sorted(STATUSES.items(), key=str)
        },
    }
    SUMMARY.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


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


def error_messages(response) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    return [str(m) for m in storage or [] if m.level == message_levels.ERROR]


# ---------------------------------------------------------------------------------------------
# People and cases
# ---------------------------------------------------------------------------------------------


def web_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def admin(make_user):
    """An enterprise administrator whose enterprise newly holds a 高企 certificate."""
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True, email="cfo@qiye.example.cn")
    today = datetime.date.today()
    Qualification.objects.create(
        enterprise=user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=1000),
        source="verified",
    )
    return user


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="s@kjj.example.cn")


@pytest.fixture
def head(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD, email="k@kjj.example.cn")


@pytest.fixture
def admin_client(admin):
    return web_client(admin)


@pytest.fixture
def staff_clients(reviewer, head):
    return {"reviewer": web_client(reviewer), "head": web_client(head)}


@pytest.fixture
def submitted(admin):
    """A 高企 case with all its materials, submitted to the 唐山 科技局."""
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    application = case_services.application_start(user=admin, item=item)
    for label in item.materials or []:
        stored = case_services.file_upload(
            enterprise=application.enterprise,
            user=admin,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf"),
        )
        case_services.material_attach(
            application=application, user=admin, label=label, enterprise_file=stored
        )
    return case_services.transition(application_id=application.pk, user=admin, action="submit")


# ---------------------------------------------------------------------------------------------
# Public pages
# ---------------------------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(data=st.data())
def test_registration(db, data):
    base = plausible(portal_forms.RegistrationForm())
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    district = Region.objects.filter(parent=city).first()
    base.update(
        credit_code=[credit_code(1), credit_code(2).lower(), f" {credit_code(3)} "],
        name=["唐山模糊测试科技有限公司"],
        city=[str(city.pk)],
        district=[str(district.pk)],
        username=["fuzz-user"],
        full_name=["张三"],
        email=["fuzz@qiye.example.cn"],
        password1=["Fuzz-pass-2026-长"],
        password2=["Fuzz-pass-2026-长"],
    )
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(web_client(), "register", "post", "/register/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.fixture
def login_user(make_user):
    return make_user(Role.ENTERPRISE, username="fuzz-login", email="reset@qiye.example.cn")


@FUZZ_SETTINGS
@given(data=st.data())
def test_login(login_user, data):
    user = login_user
    payload = draw_payload(
        data, {"username": [user.username, "FUZZ-LOGIN", "nobody"], "password": [user.raw_password]}
    )
    with rolled_back():
        response = send(web_client(), "login", "post", "/accounts/login/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_reset(login_user, data):
    payload = draw_payload(data, {"email": ["reset@qiye.example.cn", "nobody@example.cn"]})
    with rolled_back():
        response = send(
            web_client(), "password_reset", "post", "/accounts/password_reset/", data=payload
        )
        if response.status_code == 200:
            assert_says_why(response, required=True)


RAW_QUERY = st.one_of(
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.lists(
        st.sampled_from(["%", "%00", "%ff", "%E4%B8%AD", "&", "=", "==", ";", "+", "city", "a[]"]),
        max_size=12,
    ).map("".join),
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_calculator_page(db, data):
    form = CalculatorForm()
    base = plausible(form)
    base["city"] = [str(pk) for pk in form.fields["city"].queryset.values_list("pk", flat=True)]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(web_client(), "calculator", "get", "/calculator/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(web_client(), "calculator", "get", "/calculator/", data=payload)
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert_says_why(response, required=False)
            if response.context.get("groups") is not None:
                STATUSES["calculator", "200 with results"] += 1


@FUZZ_SETTINGS
@given(data=st.data())
def test_catalogue_filters(db, data):
    base = plausible(CatalogueFilterForm())
    base["q"] = ["孵化器", "高新技术企业", ""]
    base["page"] = ["1", "2", "last"]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(web_client(), "catalogue", "get", "/policies/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(web_client(), "catalogue", "get", "/policies/", data=payload)
        # Bad filter values are ignored; only a page number that is not there is a 404.
        assert response.status_code in (200, 400, 404)


# ---------------------------------------------------------------------------------------------
# The enterprise profile (as its administrator)
# ---------------------------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(data=st.data())
def test_profile_basic_data(admin, admin_client, data):
    client = admin_client
    payload = draw_payload(data, plausible(portal_forms.ProfileForm(instance=admin.enterprise)))
    with rolled_back():
        response = send(client, "profile", "post", "/enterprise/profile/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_qualification_add(admin, admin_client, data):
    client = admin_client
    base = plausible(portal_forms.QualificationForm(enterprise=admin.enterprise))
    base.update(recognized_on=["2023-05-20"], expires_on=["2026-05-19"], kind=["tech_sme"])
    payload = draw_payload(data, base)
    url = "/enterprise/profile/qualifications/add/"
    with rolled_back():
        response = send(client, "qualification", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_yearly_figures_add(admin, admin_client, data):
    client = admin_client
    base = plausible(portal_forms.YearlyFiguresForm(enterprise=admin.enterprise))
    base["year"] = ["2024", "2023", "1949"]
    payload = draw_payload(data, base)
    url = "/enterprise/profile/figures/add/"
    with rolled_back():
        response = send(client, "yearly_figures", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


# ---------------------------------------------------------------------------------------------
# Cases: the enterprise's claim, the bureau's actions, the public's objection
# ---------------------------------------------------------------------------------------------

# Items whose claim forms have, between them, whole-number, money, yes/no and choice inputs.
CLAIM_ITEMS = ["ts2019-first-set-insurance", "lf2023-envoy-host"]


@pytest.fixture
def library(admin):
    """One stored PDF per material label of the claim items, so a draft can be saved."""
    labels = {
        label for key in CLAIM_ITEMS for label in IncentiveItem.objects.get(key=key).materials
    }
    return {
        label: case_services.file_upload(
            enterprise=admin.enterprise,
            user=admin,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF + label.encode(), "application/pdf"),
        ).pk
        for label in sorted(labels)
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_application_edit(admin, admin_client, library, data):
    client = admin_client
    key = data.draw(st.sampled_from(CLAIM_ITEMS))
    item = IncentiveItem.objects.get(key=key)
    draft = case_services.application_start(user=admin, item=item)
    from applications.forms import ClaimForm

    base = {
        f"claim-{name}": options
        for name, options in plausible(ClaimForm(inputs=item.inputs or [])).items()
    }
    base["action"] = ["", "save", "submit"]
    payload = draw_payload(data, base)
    # The page always sends one hidden label per material (without them the view reads the
    # material rows as bound and empty); sometimes the first row is answered with nonsense.
    for n, label in enumerate(item.materials or []):
        payload[f"m{n}-label"] = label
        payload[f"m{n}-existing"] = str(library[label])
    if data.draw(st.booleans()):
        payload.update({"m0-label": data.draw(FUZZ), "m0-existing": data.draw(FUZZ)})
    with rolled_back():
        url = f"/cases/{draft.reference}/edit/"
        response = send(client, "application_edit", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True, form_key="claim")


REAL_ACTIONS = st.sampled_from(sorted(TRANSITIONS))
ACTIONS = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz_-0123456789"), min_size=1, max_size=20
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_case_action(submitted, staff_clients, data):
    clients = staff_clients
    who = data.draw(st.sampled_from(sorted(clients)))
    action = data.draw(ACTIONS if data.draw(st.integers(0, 3)) == 0 else REAL_ACTIONS)
    base = plausible(ActionForm())
    base.update(
        comment=["材料齐全，同意受理。", ""],
        amount=["200000", "200000.00", "0"],
        paid_on=[datetime.date.today().isoformat()],
        payment_reference=["GK2026-0001"],
        bank_account=["6222 0000 1111 2222"],
        cosign_bureaus=["1", "2", "x"],
    )
    payload = draw_payload(data, base)
    url = f"/cases/{submitted.reference}/act/{quote(action)}/"
    with rolled_back():
        response = send(clients[who], "case_action", "post", url, data=payload)
        form = ActionForm(
            {k: v for k, v in payload.items() if not isinstance(v, list)} | {"cosign_bureaus": []}
        )
        if response.status_code == 302 and not form.is_valid():
            assert error_messages(response), f"an invalid {action} was not explained"


@pytest.mark.parametrize("ids", [["²"], ["①", "1"], ["9" * 30]])
def test_case_action_with_digit_like_bureau_ids(submitted, staff_clients, ids):
    """Regression: ids that str.isdigit() accepts but int() or the database cannot take."""
    url = f"/cases/{submitted.reference}/act/request_cosign/"
    response = staff_clients["reviewer"].post(url, {"cosign_bureaus": ids})
    assert response.status_code == 302


@pytest.fixture
def publicized(submitted, reviewer, head):
    case_services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    case_services.transition(
        application_id=submitted.pk, user=head, action="approve", amount=Decimal(200000)
    )
    return case_services.transition(application_id=submitted.pk, user=reviewer, action="publicize")


@FUZZ_SETTINGS
@given(data=st.data())
def test_objection(publicized, data):
    reference = publicized.reference
    if data.draw(st.integers(0, 3)) == 0:
        reference = data.draw(FUZZ)
    payload = draw_payload(
        data, {"text": ["数据不实，申报材料与实际不符。"], "contact": ["", "13800000000"]}
    )
    with rolled_back():
        url = f"/publicity/{quote(reference, safe='')}/objection/"
        response = send(web_client(), "objection", "post", url, data=payload)
        if response.status_code == 302 and not str(payload.get("text", "")).strip():
            assert error_messages(response), "an empty objection was not explained"


# ---------------------------------------------------------------------------------------------
# The API calculator with arbitrary JSON
# ---------------------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**20, -(10**20), 10**400, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    FUZZ,
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def typed_fact_value(fact):
    """Mostly what the fact's type asks for, at its edges; sometimes anything at all."""
    edge_numbers = st.one_of(
        st.integers(min_value=-(10**16), max_value=10**16),
        st.sampled_from([0, -1, 10**15, 10**15 + 1, 0.005, 1e308, "1e309", "NaN", "-0", "1e15"]),
        st.decimals(min_value=-(10**15), max_value=10**15, places=4).map(str),
    )
    typed = {
        "bool": st.booleans(),
        "int": st.integers(min_value=-(10**20), max_value=10**20),
        "money": edge_numbers,
        "decimal": edge_numbers,
        "percent": edge_numbers,
        "date": DATES,
        "choice": st.sampled_from(sorted(fact.choices or {"none": ""})),
    }.get(fact.type, FUZZ)
    return st.sampled_from(["typed"] * 8 + ["none", "any"]).flatmap(
        lambda how: {"typed": typed, "none": st.none(), "any": JSON_SCALARS}[how]
    )


@FUZZ_SETTINGS
@given(data=st.data())
def test_api_calculator(db, data):
    declared = {fact.key: fact for fact in Fact.objects.all()}
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    how = data.draw(st.sampled_from(["anything", "shaped", "shaped", "shaped", "bytes"]))
    if how == "anything":
        body = json.dumps(data.draw(JSON))
    elif how == "bytes":
        body = data.draw(st.binary(max_size=100))
    else:
        request = {
            "city": data.draw(
                st.sampled_from(["唐山市", str(city.pk), "廊坊市", "酒泉市"])
                if data.draw(st.integers(0, 3))
                else st.one_of(FUZZ, JSON)
            ),
            "facts": data.draw(
                st.lists(st.sampled_from(sorted(declared)), max_size=5).flatmap(
                    lambda keys: st.fixed_dictionaries(
                        {key: typed_fact_value(declared[key]) for key in keys}
                    )
                )
                if data.draw(st.integers(0, 3))
                else st.one_of(st.dictionaries(st.sampled_from(sorted(declared)), JSON), JSON)
            ),
        }
        if data.draw(st.booleans()):
            request["date"] = data.draw(st.one_of(st.dates().map(str), DATES, JSON_SCALARS))
        body = json.dumps(request)
    with rolled_back():
        response = send(
            web_client(),
            "api_calculator",
            "post",
            "/api/v1/calculator/",
            allowed={200, 400},
            data=body,
            content_type="application/json",
        )
        if response.status_code == 400:
            said = response.json()
            assert said and json.dumps(said, ensure_ascii=False).strip('{}[]" '), said
