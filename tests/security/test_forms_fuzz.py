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
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView as ResetConfirm
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from accounts import forms as account_forms
from accounts import services as account_services
from accounts.models import BureauPosition, Invitation, Role
from applications import services as case_services
from applications.forms import ActionForm, CosignAnswerForm, QueueFilterForm
from applications.workflow import TRANSITIONS
from audit.views import AuditExportForm
from enterprises import forms as enterprise_forms
from enterprises.models import Qualification, YearlyFigures
from incentives.admin import PreviewForm
from incentives.calculator import CalculatorForm
from incentives.forms import CatalogueFilterForm
from incentives.models import Fact, IncentiveItem
from organisations.models import Region
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


def as_posted(payload: dict) -> MultiValueDict:
    """A payload as the view's request.POST holds it (a repeated key: its last value wins)."""
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in payload.items()})


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
    base = plausible(enterprise_forms.RegistrationForm())
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


NEW_PASSWORD = "Fuzz-pass-2026-长"
UIDS = st.one_of(
    FUZZ.map(lambda value: quote(value, safe="")),
    st.sampled_from([str(10**9), "9" * 30, "-1", "abc", "\x00", "1\n", "Zm9v"]).map(
        lambda raw: urlsafe_base64_encode(force_bytes(raw))
    ),
)
TOKENS = st.one_of(
    st.just("set-password"),
    FUZZ.map(lambda value: quote(value, safe="")),
    st.from_regex(r"[0-9a-z]{1,8}-[0-9a-f]{1,40}", fullmatch=True),
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_reset_confirm(login_user, data):
    """The link of the reset e-mail: a bad uid or token shows the "link has expired" page; after
    a good link the set-password form refuses bad passwords with a reason."""
    uid = urlsafe_base64_encode(force_bytes(login_user.pk))
    token = default_token_generator.make_token(login_user)
    how = data.draw(st.sampled_from(["valid link", "valid link", "bad uid", "bad token"]))
    base = {"new_password1": [NEW_PASSWORD], "new_password2": [NEW_PASSWORD, NEW_PASSWORD + "x"]}
    payload = draw_payload(data, base)
    client = web_client()
    with rolled_back():
        if how == "valid link":
            # The link itself redirects to the form, keeping the token in the session.
            url = client.get(f"/accounts/reset/{uid}/{token}/").url
            assert url == f"/accounts/reset/{uid}/set-password/"
        else:
            bad_uid = data.draw(UIDS) if how == "bad uid" else uid
            if how == "bad uid" and ResetConfirm().get_user(unquote(bad_uid)) == login_user:
                reject()  # another spelling of the user's own id (base64 "NQ" and "NR" both read 5)
            url = "/accounts/reset/{}/{}/".format(
                bad_uid, data.draw(TOKENS) if how == "bad token" else token
            )
        method = data.draw(st.sampled_from(["post", "post", "get"]))
        response = send(client, "password_reset_confirm", method, url, data=payload)
        if how != "valid link":
            assert response.status_code in (200, 404), response.status_code
            if response.status_code == 200:
                assert response.context["validlink"] is False
        elif response.status_code == 200 and method == "post":
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_change(login_user, data):
    base = {
        "old_password": [login_user.raw_password, "not-the-password"],
        "new_password1": [NEW_PASSWORD],
        "new_password2": [NEW_PASSWORD, ""],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        client = web_client(login_user)
        url = "/accounts/password_change/"
        response = send(client, "password_change", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.fixture
def invitations(admin):
    """The tokens of a pending, an expired and a used invitation of the admin's enterprise."""

    def invite(email):
        return account_services.invitation_create(
            enterprise=admin.enterprise, by=admin, email=email, site_url="http://testserver/"
        )

    expired = invite("expired@qiye.example.cn")
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=expired.created_at - Invitation.VALID_FOR - datetime.timedelta(minutes=1)
    )
    used = invite("used@qiye.example.cn")
    account_services.invitation_accept(
        invitation=used, username="fuzz-used", full_name="李四", password=NEW_PASSWORD
    )
    return {
        "pending": invite("colleague@qiye.example.cn").token,
        "expired": expired.token,
        "used": used.token,
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_invitation_accept(invitations, data):
    """The invited colleague's page: only the pending token shows the form (and refuses bad
    accounts with a reason); an unknown, expired or used token is refused with its reason."""
    which = data.draw(st.sampled_from(["pending", "pending", "expired", "used", "unknown", "fuzz"]))
    if which == "unknown":
        token = "x" * 43
    elif which == "fuzz":
        token = quote(data.draw(FUZZ), safe="")
    else:
        token = invitations[which]
    base = plausible(account_forms.InvitationAcceptForm(email="colleague@qiye.example.cn"))
    base.update(
        username=["fuzz-colleague", "fuzz-used", "FUZZ-USED"],
        full_name=["王五"],
        password1=[NEW_PASSWORD],
        password2=[NEW_PASSWORD],
    )
    payload = draw_payload(data, base)
    method = data.draw(st.sampled_from(["post", "post", "post", "get"]))
    with rolled_back():
        url = f"/invitations/{token}/"
        response = send(web_client(), "invitation_accept", method, url, data=payload)
        if which != "pending":
            assert response.status_code in (404, 410), response.status_code
        elif response.status_code == 200 and method == "post":
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
    payload = draw_payload(data, plausible(enterprise_forms.ProfileForm(instance=admin.enterprise)))
    with rolled_back():
        response = send(client, "profile", "post", "/enterprise/profile/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_qualification_add(admin, admin_client, data):
    client = admin_client
    base = plausible(enterprise_forms.QualificationForm(enterprise=admin.enterprise))
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
    base = plausible(enterprise_forms.YearlyFiguresForm(enterprise=admin.enterprise))
    base["year"] = ["2024", "2023", "1949"]
    payload = draw_payload(data, base)
    url = "/enterprise/profile/figures/add/"
    with rolled_back():
        response = send(client, "yearly_figures", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.fixture
def colleague(admin, make_user):
    """A colleague of the admin who does not administer the enterprise."""
    return make_user(Role.ENTERPRISE, enterprise=admin.enterprise, email="yg@qiye.example.cn")


@pytest.fixture
def rows(admin, make_user):
    """The ids of profile rows and invitations: the admin's enterprise's own, another
    enterprise's, and ids no row has."""
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True, email="cfo@qita.example.cn")
    ids = {"qualification": {}, "yearly_figures": {}, "invitation": {}}
    for owner, user in (("own", admin), ("other", other)):
        enterprise = user.enterprise
        ids["qualification"][owner] = Qualification.objects.create(
            enterprise=enterprise,
            kind="tech_sme",
            recognized_on=datetime.date(2023, 5, 20),
            expires_on=datetime.date(2026, 5, 19),
        ).pk
        ids["yearly_figures"][owner] = YearlyFigures.objects.create(
            enterprise=enterprise, year=2023, revenue=Decimal("12345.67")
        ).pk
        ids["invitation"][owner] = account_services.invitation_create(
            enterprise=enterprise, by=user, email="xin@qiye.example.cn", site_url="http://t/"
        ).pk
    return ids


def row_url(data, ids: dict, path: str) -> tuple[str, str]:
    """A row's URL with its own id, another enterprise's, a missing one or a non-number."""
    whose = data.draw(st.sampled_from(["own", "own", "other", "missing", "fuzz"]))
    if whose == "missing":
        pk = data.draw(st.sampled_from(["0", "99999999", "9" * 30, "-1", "007"]))
    elif whose == "fuzz":
        pk = quote(data.draw(FUZZ), safe="")
    else:
        pk = str(ids[whose])
    return whose, path.format(pk=pk)


PROFILE_ROWS = {
    "qualification": ("/enterprise/profile/qualifications/{pk}/", Qualification),
    "yearly_figures": ("/enterprise/profile/figures/{pk}/", YearlyFigures),
}


@pytest.mark.parametrize("kind", sorted(PROFILE_ROWS))
@FUZZ_SETTINGS
@given(data=st.data())
def test_profile_row_edit(admin, admin_client, rows, kind, data):
    """Changing an existing qualification or year's figures; another enterprise's row is not
    found."""
    path, model = PROFILE_ROWS[kind]
    whose, url = row_url(data, rows[kind], path)
    form_class = {
        "qualification": enterprise_forms.QualificationForm,
        "yearly_figures": enterprise_forms.YearlyFiguresForm,
    }[kind]
    base = plausible(form_class(enterprise=admin.enterprise))
    if kind == "qualification":
        base.update(recognized_on=["2023-05-20"], expires_on=["2026-05-19"], kind=["tech_sme"])
    else:
        base["year"] = ["2023", "2022"]
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(admin_client, f"{kind}_edit", "post", url, data=payload)
        if whose == "other":
            assert response.status_code == 404
            assert model.objects.filter(pk=rows[kind]["other"]).exists()
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.mark.parametrize("kind", sorted(PROFILE_ROWS))
@FUZZ_SETTINGS
@given(data=st.data())
def test_profile_row_delete(rows, admin_client, colleague, kind, data):
    """The delete confirmation (GET) and the deletion (POST): the admin deletes the enterprise's
    own rows only; a colleague who is not its admin is refused."""
    path, model = PROFILE_ROWS[kind]
    whose, url = row_url(data, rows[kind], path + "delete/")
    who = data.draw(st.sampled_from(["admin", "admin", "admin", "colleague"]))
    client = admin_client if who == "admin" else web_client(colleague)
    method = data.draw(st.sampled_from(["post", "post", "get"]))
    payload = draw_payload(data, {})
    with rolled_back():
        response = send(client, f"{kind}_delete", method, url, data=payload)
        refused = whose == "other" or who == "colleague"
        if refused:
            assert response.status_code in (403, 404)
        if refused and whose in rows[kind]:
            assert model.objects.filter(pk=rows[kind][whose]).exists()
        elif whose == "own":
            assert response.status_code == (302 if method == "post" else 200)
            assert model.objects.filter(pk=rows[kind]["own"]).exists() == (method == "get")


@FUZZ_SETTINGS
@given(data=st.data())
def test_invitation_create(admin, admin_client, data):
    base = {"email": ["colleague@qiye.example.cn", "CFO@qiye.example.cn", " Xin@QIYE.example.cn "]}
    payload = draw_payload(data, base)
    with rolled_back():
        url = "/enterprise/invitations/new/"
        response = send(admin_client, "invitation_create", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_invitation_revoke(rows, admin_client, data):
    whose, url = row_url(data, rows["invitation"], "/enterprise/invitations/{pk}/withdraw/")
    payload = draw_payload(data, {})
    with rolled_back():
        response = send(admin_client, "invitation_revoke", "post", url, data=payload)
        if whose == "other":
            assert response.status_code == 404
            assert Invitation.objects.filter(pk=rows["invitation"]["other"]).exists()
        elif whose == "own":
            assert response.status_code == 302


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
    # An item serves only enterprises of its city: the applicant moves to the item's city.
    type(admin.enterprise).objects.filter(pk=admin.enterprise_id).update(
        city=item.measure.document.region
    )
    admin.enterprise.refresh_from_db()
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
        objection=["1", "99999999999", "x"],
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
        incomplete = (
            not str(payload.get("text", "")).strip() or not str(payload.get("contact", "")).strip()
        )
        if response.status_code == 302 and incomplete:
            assert error_messages(response), "an objection without text or contact not explained"


@pytest.fixture
def cosigning(submitted, reviewer):
    """The case accepted and sent to its responsible units for 会签."""
    case_services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    return case_services.transition(
        application_id=submitted.pk, user=reviewer, action="request_cosign"
    )


@pytest.fixture
def cosign_reviewers(cosigning, make_user):
    """A reviewer of each unit asked, keyed by its request's id."""
    reviewers = {
        request.pk: make_user(
            Role.BUREAU,
            bureau_name=request.bureau.name,
            city=request.bureau.city.name,
            bureau_position=BureauPosition.REVIEWER,
        )
        for request in cosigning.cosigns.select_related("bureau__city")
    }
    assert len(reviewers) >= 2, "the item should ask more than one unit for co-review"
    return reviewers


@pytest.fixture
def cosign_clients(cosign_reviewers, reviewer):
    """The units' reviewers, and the lead bureau's reviewer, who was not asked."""
    clients = {pk: web_client(user) for pk, user in cosign_reviewers.items()}
    return {**clients, "lead": web_client(reviewer)}


@FUZZ_SETTINGS
@given(data=st.data())
def test_cosign_answer(cosigning, cosign_reviewers, cosign_clients, data):
    """A unit's answer to a co-review request: its own request, another unit's, ids no request
    has, and case numbers that are not there; a refused answer says why."""
    requests = sorted(cosign_reviewers)
    who = data.draw(st.sampled_from([*requests, "lead"]))
    own = [who] * 3 if who != "lead" else []
    pk = data.draw(st.sampled_from([*own, *requests, 0, 99999999, 10**20]))
    reference = cosigning.reference
    if data.draw(st.integers(0, 4)) == 0:
        reference = data.draw(FUZZ)
    base = plausible(CosignAnswerForm())
    base["comment"] = ["同意该企业申报。", "", "意" * 2001, "同意\x00"]  # the last two: refused
    payload = draw_payload(data, base)
    url = f"/cases/{quote(reference, safe='')}/cosign/{pk}/"
    answered = who != "lead" and data.draw(st.integers(0, 5)) == 0
    with rolled_back():
        if answered:  # the unit has answered already, in another tab
            case_services.cosign_answer(
                request_id=who, user=cosign_reviewers[who], opinion="agree", comment="同意。"
            )
        response = send(cosign_clients[who], "cosign_answer", "post", url, data=payload)
        if response.status_code != 302:
            return
        form = CosignAnswerForm(as_posted(payload))
        said = " ".join(error_messages(response))
        if not form.is_valid():
            assert said, "an invalid co-review answer was not explained"
            for error in form.errors.get("comment", []):
                assert error in said, f"the comment's problem was not said: {error}"
        elif pk != who or answered:
            assert said, "an answer to someone else's or an answered co-review was not refused"


@FUZZ_SETTINGS
@given(data=st.data())
def test_application_start(admin, admin_client, data):
    """The 申请 button on a policy page: a key of an item, of no item, or not a key at all."""
    key = data.draw(st.sampled_from(["ts2019-hitech-new", *CLAIM_ITEMS, "no-such-item"]))
    if data.draw(st.integers(0, 3)) == 0:
        key = quote(data.draw(FUZZ), safe="")
    payload = draw_payload(data, {})
    with rolled_back():
        url = f"/applications/new/{key}/"
        response = send(admin_client, "application_start", "post", url, data=payload)
        if key in ("ts2019-hitech-new", *CLAIM_ITEMS):
            assert response.status_code == 302


@FUZZ_SETTINGS
@given(data=st.data())
def test_queue_filters(submitted, staff_clients, data):
    """The bureau queue's filter form (GET); a bad value is ignored, never an error page."""
    form = QueueFilterForm()
    form.fields["item"].queryset = form.fields["district"].queryset = Region.objects.none()
    base = plausible(form)
    base.update(
        item=[str(submitted.item_id), ""],
        district=[str(submitted.enterprise.district_id or ""), ""],
        page=["1", "2", "last"],
        export=["", "xlsx"],
    )
    client = staff_clients[data.draw(st.sampled_from(sorted(staff_clients)))]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(client, "queue", "get", "/bureau/cases/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(client, "queue", "get", "/bureau/cases/", data=payload)
        assert response.status_code in (200, 404)


# ---------------------------------------------------------------------------------------------
# Pages of the catalogue administrators, and the buttons that post no form
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue_admin(make_user):
    return make_user(Role.CATALOGUE_ADMIN, email="zc@kjj.example.cn")


@pytest.fixture
def catalogue_admin_client(catalogue_admin):
    return web_client(catalogue_admin)


@FUZZ_SETTINGS
@given(data=st.data())
def test_audit_export(submitted, catalogue_admin_client, data):
    """The audit log download (a GET form): a good period and format give the file, anything
    else the form again with what was wrong."""
    base = plausible(AuditExportForm())
    today = datetime.date.today()
    base.update(
        since=[str(today), str(today - datetime.timedelta(days=1)), ""],
        until=[str(today), ""],
        kind=["case event", "profile change"],  # not a field: the form has no kind filter
    )
    client = catalogue_admin_client
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(client, "audit_export", "get", "/manage/audit/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(client, "audit_export", "get", "/manage/audit/", data=payload)
        assert response.status_code in (200, 400)
        if response.status_code != 200:
            return
        if response.has_header("Content-Disposition"):
            form = AuditExportForm(response.wsgi_request.GET)
            assert form.is_valid(), f"a file for a bad request: {form.errors}"
            STATUSES["audit_export", "200 with a file"] += 1
        else:
            assert_says_why(response, required=response.context["form"].is_bound)


PREVIEW_ITEMS = [*CLAIM_ITEMS, "ts2019-techsme-provincial-new"]


@FUZZ_SETTINGS
@given(data=st.data())
def test_admin_item_preview(catalogue_admin_client, data):
    """The admin's preview of an item for typed-in facts (money, whole-number, yes/no, choice
    and date inputs)."""
    item = IncentiveItem.objects.get(key=data.draw(st.sampled_from(PREVIEW_ITEMS)))
    base = plausible(PreviewForm(item=item))
    base["on_date"] = [datetime.date.today().isoformat(), "2024-05-20"]
    payload = draw_payload(data, base)
    url = f"/admin/incentives/incentiveitem/{item.pk}/preview/"
    with rolled_back():
        response = send(catalogue_admin_client, "admin_item_preview", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=False)


BUTTONS = {
    # form: (URL, who presses it)
    "inbox_read": ("/inbox/", "admin"),
    "notices_read": ("/enterprise/notices/read/", "admin"),
    "recompute_start": ("/manage/recompute/", "catalogue_admin"),
    "logout": ("/accounts/logout/", "admin"),
}


@pytest.mark.parametrize("form", sorted(BUTTONS))
@FUZZ_SETTINGS
@given(data=st.data())
def test_buttons(admin, catalogue_admin, form, data):
    """Forms that are one button: whatever else is posted along is ignored."""
    url, who = BUTTONS[form]
    payload = draw_payload(data, {})
    with rolled_back():
        client = web_client({"admin": admin, "catalogue_admin": catalogue_admin}[who])
        response = send(client, form, "post", url, data=payload)
        assert response.status_code == 302


@FUZZ_SETTINGS
@given(data=st.data())
def test_set_language(db, data):
    """The language switch in the page header; it never sends anyone to another site."""
    base = {
        "language": ["zh-hans", "en"],
        "next": ["/", "/policies/?q=孵化器", "https://evil.example/", "//evil.example/", "/\\x"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(web_client(), "set_language", "post", "/i18n/setlang/", data=payload)
        assert response.status_code == 302
        target = urlsplit(response.url)
        assert target.scheme in ("", "http") and target.netloc in ("", "testserver"), response.url


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


# ---------------------------------------------------------------------------------------------
# The leadership dashboard: filters, figure entry, the workbook import, snapshot requests
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def dashboard_people(make_user):
    from dashboard.models import Target

    staff = make_user(Role.BUREAU, city="廊坊市", bureau_name="市科学技术局")
    return {
        "viewer": make_user(Role.LEADERSHIP),
        "staff": staff,
        "tangshan_staff": make_user(Role.BUREAU),
        "target": Target.objects.get(key="lf2023-tech-contract-turnover"),
        "district": Region.objects.get(name="路北区"),
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_filters(dashboard_people, data):
    page = data.draw(
        st.sampled_from(
            [
                "/leadership/targets/",
                "/leadership/performance/",
                "/leadership/money/",
                "/leadership/index/",
                "/leadership/report/",
                f"/leadership/index/{dashboard_people['district'].pk}/",
            ]
        )
    )
    base = {
        "city": [str(pk) for pk in Region.objects.filter(level="city").values_list("pk", flat=True)]
        + [""],
        "year": ["2025", "2026", ""],
        "bureau": ["", str(dashboard_people["staff"].bureau_id)],
        "month": ["1", "11", ""],
        "export": ["", "xlsx"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        send(web_client(dashboard_people["viewer"]), "dashboard_filters", "get", page, data=payload)


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_target_figure(dashboard_people, data):
    from dashboard.models import TargetFigure

    target = dashboard_people["target"]
    base = {
        "year": ["2023", "2024", "2025"],
        "value": ["312", "0", "1.5"],
        "source": ["技术市场登记"],
    }
    payload = draw_payload(data, base)
    who = data.draw(st.sampled_from(["staff", "staff", "tangshan_staff"]))
    target_pk = data.draw(st.sampled_from([str(target.pk), str(target.pk), "999999"]))
    with rolled_back():
        response = send(
            web_client(dashboard_people[who]),
            "dashboard_target_figure",
            "post",
            f"/figures/targets/{target_pk}/",
            data=payload,
        )
        if who == "tangshan_staff" and target_pk == str(target.pk):
            assert response.status_code == 403  # not a lead bureau of 廊坊's target
        if response.status_code == 200:
            assert_says_why(response, required=True)
            assert not TargetFigure.objects.exists()
        if response.status_code == 302:
            figure = TargetFigure.objects.get()
            assert figure.value >= 0 and figure.year in (2023, 2024, 2025)


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_district_figures(dashboard_people, data):
    from dashboard.forms import DistrictFiguresForm
    from dashboard.models import DistrictFigure
    from dashboard.selectors import index_indicators, index_scheme

    form = DistrictFiguresForm(indicators=index_indicators(index_scheme()), figures={})
    base = {name: ["", "0", "3", "1.25"] for name in form.fields}
    payload = draw_payload(data, base)
    district = dashboard_people["district"]
    year = data.draw(st.sampled_from(["2026", "2025", "", "abc", "1e309", "２０２６"]))
    with rolled_back():
        response = send(
            web_client(dashboard_people["tangshan_staff"]),
            "dashboard_district_figures",
            "post",
            f"/figures/districts/{district.pk}/?year={quote(year)}",
            data=payload,
        )
        if response.status_code == 200:
            assert_says_why(response, required=True)
            assert not DistrictFigure.objects.exists()
        for figure in DistrictFigure.objects.all():
            assert figure.value is None or figure.value >= 0


XLSX_HEADER = ["区县", "年份", "指标编码", "指标名称", "单位类别", "数值"]


def _workbook_bytes(rows) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CELL = st.one_of(FUZZ, st.integers(-10, 10_000), st.floats(allow_nan=False), st.none())


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_figures_import(dashboard_people, data):
    from openpyxl.utils.exceptions import IllegalCharacterError

    from dashboard.models import DistrictFigure

    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    how = data.draw(st.sampled_from(["rows", "rows", "rows", "bytes", "header"]))
    if how == "bytes":
        content = data.draw(st.binary(max_size=200))
    else:
        header = XLSX_HEADER if how == "rows" else data.draw(st.lists(CELL, max_size=6))
        plausible_row = st.tuples(
            st.sampled_from(["路北区", "路南区", "廊坊经济技术开发区", ""]) | FUZZ,
            st.sampled_from([2026, 2025, "2026"]) | CELL,
            st.sampled_from(["fiscal_expenditure", "provincial_plus_rd_platforms", "hitech_count"])
            | FUZZ,
            CELL,
            st.sampled_from(["", "国家级重点实验室"]) | FUZZ,
            CELL,
        )
        rows = data.draw(st.lists(plausible_row, max_size=6))
        try:
            content = _workbook_bytes([header, *[list(r) for r in rows]])
        except (ValueError, TypeError, IllegalCharacterError):  # control characters in a cell
            reject()  # openpyxl cannot write such a workbook, so nobody can upload one
    name = data.draw(
        st.sampled_from(["figures.xlsx", "figures.pdf", "../../x.xlsx", "数\x01据.xlsx"])
    )
    with rolled_back():
        response = send(
            web_client(dashboard_people["tangshan_staff"]),
            "dashboard_figures_import",
            "post",
            "/figures/import/",
            data={"city": str(city.pk), "file": SimpleUploadedFile(name, content)},
        )
        if response.status_code == 200:
            problems = response.context.get("problems") if response.context else None
            if problems:
                assert all(escape(p) in response.content.decode() for p in problems[:50])
            else:
                assert_says_why(response, required=True)
            assert not DistrictFigure.objects.exists()  # all or nothing


@FUZZ_SETTINGS
@given(data=st.data())
def test_dashboard_snapshot_request(dashboard_people, data):
    base = {
        "year": ["2026", "2025"],
        "city": ["", str(Region.objects.get(name="唐山市").pk)],
        "next": ["money", "performance"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(
            web_client(dashboard_people["viewer"]),
            "dashboard_snapshot_request",
            "post",
            "/leadership/snapshots/",
            data=payload,
        )
        if response.status_code == 302:
            assert response["Location"].startswith("/leadership/snapshots/")
