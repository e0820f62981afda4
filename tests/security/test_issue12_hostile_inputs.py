"""Issue 12 §6.2: hostile input never answers 500.

Every dashboard page is opened with every GET filter it reads set to each hostile value (huge,
negative, non-digit, NUL, very long, repeated), as the role the page is for; every id in a path
is tried out of range; the JSON API is sent hostile bodies (nesting past the recursion limit,
numbers past a double, NUL, wrong types, non-JSON, a 1 MB string). The answer must be below 500,
and where a filter was ignored the page says so.

The values are fixed rather than drawn (the hypothesis fuzzing in tests/security/fuzz/ did not
happen on ``city=99999999999999999999``): each is a case someone has sent or will send.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from dashboard.models import Snapshot, Target
from incentives.models import Fact
from organisations.models import Region

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # past a 64-bit integer
HOSTILE_VALUES = [
    HUGE,
    "-" + HUGE,
    "9223372036854775808",  # 2**63
    "2147483648",  # 2**31
    "-1",
    "0",
    "abc",
    "1.5",
    "1e400",
    "１２",  # full-width digits
    "²",
    "\x00",
    "1\x00",
    "9" * 5000,  # past Python's 4300-digit int() limit
    "x" * 100_000,
    "<script>alert(1)</script>",
    "",
]
REPEATED = [[HUGE, "1"], ["1", "2"], ["", HUGE]]

# Every dashboard page, who may open it, and the GET parameters it reads.
DASHBOARD_PAGES = [
    ("dashboard:targets", None, Role.LEADERSHIP, ["city", "year", "bureau", "export"]),
    ("dashboard:performance", None, Role.LEADERSHIP, ["city", "year", "bureau", "export"]),
    ("dashboard:money", None, Role.LEADERSHIP, ["city", "year", "bureau", "export"]),
    ("dashboard:index", None, Role.LEADERSHIP, ["city", "year", "export"]),
    ("dashboard:index_district", "district", Role.LEADERSHIP, ["year", "city"]),
    ("dashboard:report", None, Role.LEADERSHIP, ["city", "year", "month"]),
    ("dashboard:snapshot", "snapshot", Role.LEADERSHIP, ["next"]),
    ("portal:leadership_home", None, Role.LEADERSHIP, ["city", "year"]),
    ("dashboard:my_targets", None, Role.BUREAU, ["year"]),
    ("dashboard:target_figure", "target", Role.BUREAU, ["year"]),
    ("dashboard:districts", None, Role.BUREAU, ["year"]),
    ("dashboard:district_figures", "district", Role.BUREAU, ["year"]),
    ("dashboard:figures_import", None, Role.BUREAU, ["city", "template"]),
]


@pytest.fixture
def people(make_user):
    return {
        Role.LEADERSHIP: make_user(Role.LEADERSHIP),
        Role.BUREAU: make_user(Role.BUREAU),  # 唐山 市科学技术局: enters 唐山's figures
    }


def path_args(kind, viewer):
    if kind is None:
        return []
    if kind == "district":
        return [Region.objects.get(name="路北区").pk]
    if kind == "target":
        return [Target.objects.filter(document__region__name="唐山市").first().pk]
    snapshot = Snapshot.objects.create(year=2026, requested_by=viewer)
    return [snapshot.pk]


def hostile_queries(param: str, extra: dict):
    for value in HOSTILE_VALUES:
        yield {param: value, **extra}
    for values in REPEATED:
        yield {param: values, **extra}


def assert_below_500(client: Client, url: str, queries) -> list:
    failures = []
    for query in queries:
        response = client.get(url, query)
        if response.status_code >= 500:
            failures.append((str(query)[:120], response.status_code))
    return failures


@pytest.mark.parametrize(
    ("name", "kind", "role", "param"),
    [(n, k, r, p) for n, k, r, params in DASHBOARD_PAGES for p in params],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_every_dashboard_filter_takes_hostile_values_without_a_server_error(
    people, name, kind, role, param
):
    client = Client(raise_request_exception=False)
    client.force_login(people[role])
    url = reverse(name, args=path_args(kind, people[role]))
    extras = [{}]
    if name in ("dashboard:targets", "dashboard:performance", "dashboard:money") or (
        name == "dashboard:index"
    ):
        extras.append({"export": "xlsx"})
    if name == "dashboard:figures_import":
        extras.append({"template": "1"})
    failures = []
    for extra in extras:
        failures += assert_below_500(client, url, hostile_queries(param, extra))
    assert not failures, failures


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("dashboard:index_district", Role.LEADERSHIP),
        ("dashboard:snapshot", Role.LEADERSHIP),
        ("dashboard:target_figure", Role.BUREAU),
        ("dashboard:district_figures", Role.BUREAU),
    ],
)
def test_ids_in_dashboard_paths_out_of_range_are_not_found(people, name, role):
    client = Client(raise_request_exception=False)
    client.force_login(people[role])
    for pk in (0, 2**31, 2**63, int(HUGE), int("9" * 4000)):
        url = reverse(name, args=[1]).replace("/1/", f"/{pk}/")
        assert client.get(url).status_code == 404, url[:80]


def test_a_filter_that_cannot_be_read_is_ignored_with_a_message(people):
    client = Client()
    client.force_login(people[Role.LEADERSHIP])
    response = client.get(reverse("dashboard:targets"), {"city": HUGE})
    assert response.status_code == 200
    assert 'data-testid="filters-ignored"' in response.content.decode()
    plain = client.get(reverse("dashboard:targets"))
    assert 'data-testid="filters-ignored"' not in plain.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"city": HUGE}, {"bureau": HUGE}, {"city": "9" * 5000}, {"page": HUGE}, {"q": "\x00"}],
)
@pytest.mark.parametrize(
    "url", ["/api/v1/items/", "/policies/", "/documents/", "/api/v1/bureaus/", "/bureau/cases/"]
)
def test_catalogue_and_queue_filters_take_hostile_values(make_user, url, query):
    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.BUREAU))
    assert client.get(url, query).status_code < 500


# ---------------------------------------------------------------------------------------------
# The JSON API
# ---------------------------------------------------------------------------------------------

API_BODY_URLS = ["/api/v1/calculator/"]  # the only endpoint that reads a body
API_READ_URLS = ["/api/v1/items/", "/api/v1/documents/", "/api/v1/bureaus/", "/api/v1/facts/"]


def _fact(kind: str) -> str:
    return Fact.objects.filter(type=kind).values_list("key", flat=True).first()


def hostile_bodies():
    """(id, body as bytes or text, content type)."""
    deep = 10_000
    yield "deep-list", "[" * deep + "]" * deep, "application/json"
    yield "deep-dict", '{"a":' * deep + "1" + "}" * deep, "application/json"
    yield "deep-facts", '{"city":"唐山市","facts":{"x":' + "[" * 900 + "]" * 900 + "}}", None
    yield "deep-city", '{"city":' + "[" * 500 + "]" * 500 + ',"facts":{}}', None
    yield "huge-float", '{"city":"唐山市","facts":{"%(int)s":1e400,"%(money)s":1e400}}', None
    yield "huge-int", '{"city":"唐山市","facts":{"%(int)s":1%(zeros)s}}', None
    yield "big-int", '{"city":"唐山市","facts":{"%(int)s":%(big)s,"%(money)s":%(big)s}}', None
    yield "neg-int", '{"city":"唐山市","facts":{"%(int)s":-%(big)s}}', None
    yield "city-huge-id", json.dumps({"city": HUGE, "facts": {}}), None
    yield "city-number", '{"city":1e400,"facts":{}}', None
    yield "nan", '{"city":"唐山市","facts":{"%(money)s":NaN}}', None
    yield "nul-key", '{"city":"唐山市\\u0000","facts":{"\\u0000":"\\u0000"}}', None
    yield "nul-raw", b'{"city":"\x00"}', "application/json"
    yield "wrong-types", '{"city":[],"facts":[],"date":5}', None
    yield "facts-string", '{"city":"唐山市","facts":"x"}', None
    yield "date-bad", '{"city":"唐山市","facts":{"%(date)s":"9999-99"},"date":"0000-00-00"}', None
    yield "top-list", "[]", None
    yield "top-number", "1e400", None
    yield "top-null", "null", None
    yield "not-json", "not json", "application/json"
    yield "bad-utf8", b"\xff\xfe\x00{", "application/json"
    yield "empty", "", "application/json"
    yield "long-city", json.dumps({"city": "a" * 1_000_000, "facts": {}}), None
    yield "long-key", json.dumps({"city": "唐山市", "facts": {"k" * 1_000_000: 1}}), None
    many = {str(n): n for n in range(50_000)}
    yield "many-keys", json.dumps({"city": "唐山市", "facts": many}), None
    yield "form", "city=%E5%94%90&facts=1", "application/x-www-form-urlencoded"
    yield "text", "hello", "text/plain"
    yield "multipart-bad", "--x\r\n\r\n", "multipart/form-data; boundary=x"


@pytest.mark.parametrize("url", API_BODY_URLS + API_READ_URLS)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b, c) for _, b, c in hostile_bodies()],
    ids=[name for name, _, _ in hostile_bodies()],
)
def test_every_api_endpoint_takes_hostile_bodies_without_a_server_error(
    db, url, body, content_type
):
    if isinstance(body, str) and "%(" in body:
        body = body % {
            "int": _fact("int") or "x",
            "money": _fact("money") or "x",
            "date": _fact("date") or "x",
            "zeros": "0" * 5000,
            "big": "9" * 400,
        }
    client = Client(raise_request_exception=False)
    response = client.post(url, data=body, content_type=content_type or "application/json")
    assert response.status_code < 500, response.content[:300]
    if url in API_BODY_URLS and response.status_code == 400:
        assert response.json(), "a 400 says what was wrong"


def test_a_deeply_nested_body_is_a_400_that_says_why(db):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/api/v1/calculator/", data="[" * 10_000 + "]" * 10_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]
