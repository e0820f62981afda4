"""Who may open what: every URL pattern of the portal (read from the resolver, so a new page
cannot escape this table) against eight kinds of visitor, with objects owned by enterprise A and
handled by bureau X. Cross-enterprise and cross-bureau access must be impossible, also by
guessing ids.

Outcomes: OK (the page or the action's redirect), LOGIN (sent to log in), DENY (403), HIDDEN (404:
someone else's object looks like no object), NOT_ALLOWED (405)."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services as account_services
from accounts.models import BureauPosition, Role
from applications import services
from applications.models import Application, CosignRequest, EnterpriseFile, State
from dashboard.models import Snapshot, Target
from enterprises.models import Qualification, YearlyFigures
from incentives import shown
from incentives.models import EnterpriseNotice, IncentiveItem, RecomputeJob
from organisations.models import Region
from tests import factories
from tests.applications.conftest import attach_all
from tests.security.access import (
    BUREAU_STAFF,
    BUREAU_X,
    CASE_VIEWERS,
    DENY,
    ENTERPRISES,
    EVERYONE,
    FIGURE_ENTRY,
    FIGURES,
    HIDDEN,
    IDENTITIES,
    LOGGED_IN,
    LOGIN,
    NOT_CASE_VIEWERS,
    OK,
    VIEWERS,
    only,
)
from tests.security.access_parts import PARTS

pytestmark = pytest.mark.django_db
# url name → (method, how to build the URL kwargs from the world, expected outcome per identity)
MATRIX = {
    "portal:home": ("get", None, EVERYONE),
    "portal:workspace": ("get", None, only(LOGGED_IN)),
    "accounts:account": ("get", None, only(LOGGED_IN)),
    "enterprises:register": ("get", None, EVERYONE),
    "accounts:invitation_accept": ("get", lambda w: {"token": w["invitation"].token}, EVERYONE),
    "portal:enterprise_home": ("get", None, only(ENTERPRISES)),
    "enterprises:profile": ("get", None, only(ENTERPRISES)),
    "enterprises:history": ("get", None, only(ENTERPRISES)),
    "enterprises:qualification_add": ("get", None, only(ENTERPRISES)),
    "enterprises:qualification_edit": (
        "get",
        lambda w: {"pk": w["qualification"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "enterprises:qualification_delete": (
        "get",
        lambda w: {"pk": w["qualification"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "enterprises:yearly_figures_add": ("get", None, only(ENTERPRISES)),
    "enterprises:yearly_figures_edit": (
        "get",
        lambda w: {"pk": w["figures"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "enterprises:yearly_figures_delete": (
        "get",
        lambda w: {"pk": w["figures"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "accounts:invitation_create": ("get", None, only(ENTERPRISES)),
    "accounts:invitation_revoke": (
        "post",
        lambda w: {"pk": w["invitation"].pk},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "portal:bureau_home": ("get", None, only(BUREAU_STAFF)),
    "portal:bureau_team": ("get", None, only({"head_x"})),
    "portal:catalogue_admin_home": ("get", None, only({"catalogue_admin"})),
    "portal:leadership_home": ("get", None, only({"leadership"})),
    "audit:export": ("get", None, only({"catalogue_admin", "leadership"})),
    "incentives:catalogue": ("get", None, EVERYONE),
    "incentives:item": ("get", lambda w: {"key": "ts2019-hitech-new"}, EVERYONE),
    "incentives:documents": ("get", None, EVERYONE),
    "incentives:document": ("get", lambda w: {"key": "tangshan-2019-15"}, EVERYONE),
    "incentives:bureau": ("get", lambda w: {"pk": w["bureau_x"].pk}, EVERYONE),
    "incentives:calculator": ("get", None, EVERYONE),
    "incentives:my_policies": ("get", None, only(ENTERPRISES)),
    "incentives:notices_read": ("post", None, only(ENTERPRISES)),
    "incentives:recompute": ("get", None, only({"catalogue_admin"})),
    "incentives:recompute_progress": (
        "get",
        lambda w: {"pk": w["job"].pk},
        only({"catalogue_admin"}),
    ),
    "applications:mine": ("get", None, only(ENTERPRISES)),
    "applications:start": ("post", lambda w: {"key": "ts2019-hitech-new"}, only(ENTERPRISES)),
    "applications:detail": (
        "get",
        lambda w: {"reference": w["case"].reference},
        only(CASE_VIEWERS, hidden=NOT_CASE_VIEWERS),
    ),
    "applications:edit": (
        "get",
        lambda w: {"reference": w["case"].reference},
        only({"ent_a"}, hidden={"ent_b"}),
    ),
    "applications:act": (
        "post",
        lambda w: {"reference": w["case"].reference, "action": "accept"},
        only(CASE_VIEWERS, hidden=NOT_CASE_VIEWERS),
    ),
    "applications:cosign": (
        "post",
        lambda w: {"reference": w["case"].reference, "pk": w["cosign"].pk},
        only(BUREAU_X, hidden={"reviewer_y"}),
    ),
    "applications:queue": ("get", None, only(BUREAU_STAFF)),
    # The POST carries no case: staff get the queue back with "tick the cases"; nothing moves.
    "applications:queue_batch": ("post", None, only(BUREAU_STAFF)),
    "applications:file": (
        "get",
        lambda w: {"pk": w["file"].pk},
        only(CASE_VIEWERS, hidden=NOT_CASE_VIEWERS),
    ),
    "applications:publicity": ("get", None, EVERYONE),
    "applications:objection": (
        "post",
        lambda w: {"reference": w["case"].reference},
        dict.fromkeys(IDENTITIES, HIDDEN),
    ),
    "applications:inbox": ("get", None, only(LOGGED_IN)),
    "applications:inbox_open": (
        "get",
        lambda w: {"source": "policy", "pk": w["notice"].pk},
        only({"ent_a"}, hidden=LOGGED_IN - {"ent_a"}),
    ),
    "api:calculator": ("post_json", None, EVERYONE),
    "api:my-matches": ("get", None, {**only(ENTERPRISES), "anonymous": DENY}),
    "api:api-root": ("get", None, EVERYONE),
    "api:item-list": ("get", None, EVERYONE),
    "api:item-detail": ("get", lambda w: {"key": "ts2019-hitech-new"}, EVERYONE),
    "api:document-list": ("get", None, EVERYONE),
    "api:document-detail": ("get", lambda w: {"key": "tangshan-2019-15"}, EVERYONE),
    "api:bureau-list": ("get", None, EVERYONE),
    "api:bureau-detail": ("get", lambda w: {"pk": w["bureau_x"].pk}, EVERYONE),
    "api:fact-list": ("get", None, EVERYONE),
    "api:fact-detail": ("get", lambda w: {"key": "revenue"}, EVERYONE),
    "api-schema": ("get", None, EVERYONE),
    "api-docs": ("get", None, EVERYONE),
    "healthz": ("get", None, EVERYONE),
    "favicon": ("get", None, EVERYONE),
    "login": ("get", None, EVERYONE),
    "logout": ("post", None, EVERYONE),
    "password_change": ("get", None, only(LOGGED_IN)),
    "password_change_done": ("get", None, only(LOGGED_IN)),
    "password_reset": ("get", None, EVERYONE),
    "password_reset_done": ("get", None, EVERYONE),
    "password_reset_confirm": (
        "get",
        lambda w: {"uidb64": "MQ", "token": "set-password"},
        EVERYONE,
    ),
    "password_reset_complete": ("get", None, EVERYONE),
    "set_language": ("post", None, EVERYONE),
    "dashboard:targets": ("get", None, only(VIEWERS)),
    "dashboard:performance": ("get", None, only(VIEWERS)),
    "dashboard:money": ("get", None, only(VIEWERS)),
    "dashboard:index": ("get", None, only(VIEWERS)),
    "dashboard:index_district": ("get", lambda w: {"pk": w["district"].pk}, only(VIEWERS)),
    "dashboard:report": ("get", None, only(VIEWERS)),
    "dashboard:snapshot_request": ("post", None, only(VIEWERS)),
    "dashboard:snapshot": ("get", lambda w: {"pk": w["snapshot"].pk}, only(VIEWERS)),
    "dashboard:my_targets": ("get", None, only(FIGURE_ENTRY)),
    # A target that bureau X leads: bureau Y may not enter its figures.
    "dashboard:target_figure": (
        "get",
        lambda w: {"pk": w["target"].pk},
        only(BUREAU_X | {"catalogue_admin"}),
    ),
    "dashboard:districts": ("get", None, only(FIGURE_ENTRY)),
    "dashboard:district_figures": (
        "get",
        lambda w: {"pk": w["district"].pk},
        only(FIGURE_ENTRY),
    ),
    "dashboard:figures_import": ("get", None, only(FIGURE_ENTRY)),
}
# The pages of each later part keep their rows beside the objects they need (access_parts/).
for _part in PARTS:
    assert not set(_part.ROWS) & set(MATRIX), f"{_part.__name__} repeats rows"
    MATRIX.update(_part.ROWS)


def url_names() -> set[str]:
    """Every named URL of the portal outside the admin site, from the resolver itself."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                if inner == "admin":
                    continue
                joined = ":".join(n for n in (namespace, inner) if n)
                walk(pattern.url_patterns, joined)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if "format" in pattern.pattern.regex.groupindex:
                    continue  # ".json" suffix twins of API routes: same view
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_pattern_is_in_the_matrix():
    missing = url_names() - set(MATRIX)
    assert not missing, f"add these pages to the access matrix: {sorted(missing)}"
    stale = set(MATRIX) - url_names()
    assert not stale, f"no longer pages: {sorted(stale)}"


@pytest.fixture
def world(make_user):
    today = datetime.date.today()
    users = {
        "ent_a": make_user(Role.ENTERPRISE, is_enterprise_admin=True, email="a@qiye.example.cn"),
        "ent_b": make_user(Role.ENTERPRISE, is_enterprise_admin=True),
        "reviewer_x": make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER),
        "head_x": make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD),
        "reviewer_y": make_user(Role.BUREAU, bureau_name="市财政局"),
        "catalogue_admin": make_user(Role.CATALOGUE_ADMIN),
        "leadership": make_user(Role.LEADERSHIP),
    }
    enterprise = users["ent_a"].enterprise
    qualification = factories.qualification(
        enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=20),
        expires_on=today + datetime.timedelta(days=1000),
    )
    figures = factories.figures(enterprise, today.year - 1, revenue=Decimal(9_000_000))
    application = services.application_start(user=users["ent_a"], item=qualification and _item())
    attach_all(application, users["ent_a"])
    case = services.transition(application_id=application.pk, user=users["ent_a"], action="submit")
    cosign = CosignRequest.objects.create(
        application=case,
        bureau=case.item.measure.document.region.bureaus.get(name="市工业和信息化局"),
        requested_by=users["reviewer_x"],
    )
    invitation = account_services.invitation_create(
        enterprise=enterprise,
        by=users["ent_a"],
        email="colleague@qiye.example.cn",
        site_url="http://testserver",
    )
    target = Target.objects.get(key="ts2023-tech-contract-turnover")
    target.lead_bureaus.add(users["reviewer_x"].bureau)
    notice = EnterpriseNotice.objects.create(
        enterprise=enterprise,
        item=IncentiveItem.objects.get(key="ts2019-hitech-new"),
        kind=EnterpriseNotice.Kind.WINDOW_OPEN,
        key="window:matrix",
        message="申报窗口已开放",
    )
    world = {
        "users": users,
        "case": case,
        "notice": notice,
        "file": EnterpriseFile.objects.filter(enterprise=enterprise).first(),
        "qualification": qualification,
        "figures": figures,
        "invitation": invitation,
        "cosign": cosign,
        "bureau_x": users["reviewer_x"].bureau,
        "job": RecomputeJob.objects.create(started_by=users["catalogue_admin"]),
        "snapshot": Snapshot.objects.create(year=today.year),
        "target": target,
        "district": Region.objects.get(name="路北区"),
    }
    for part in PARTS:
        world.update(part.build(world))
    return world


def _item():
    return IncentiveItem.objects.get(key="ts2019-hitech-new")


def outcome(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    if response.status_code in (200, 201, 302):
        return OK
    return {403: DENY, 404: HIDDEN, 405: "NOT_ALLOWED", 401: DENY}.get(
        response.status_code, str(response.status_code)
    )


def request(client, method, url):
    if method == "get":
        return client.get(url)
    if method == "post_json":
        return client.post(
            url, json.dumps({"city": "唐山市", "facts": {}}), content_type="application/json"
        )
    return client.post(url, {"language": "zh-hans", "next": "/"})


@pytest.mark.parametrize("identity", IDENTITIES)
def test_each_identity_sees_exactly_what_it_may(client, world, identity):
    if identity != "anonymous":
        client.force_login(world["users"][identity])
    seen, wrong = 0, []
    for name, (method, kwargs, expected) in sorted(MATRIX.items()):
        url = reverse(name, kwargs=kwargs(world) if kwargs else None)
        got = outcome(request(client, method, url))
        seen += 1
        if name == "logout" and identity != "anonymous":
            client.force_login(world["users"][identity])
        if got != expected[identity]:
            wrong.append(f"{name} {url}: expected {expected[identity]}, got {got}")
    # Nobody but the lead bureau moved the case.
    state = Application.objects.get(pk=world["case"].pk).state
    assert state == (State.ACCEPTED if identity in BUREAU_X else State.SUBMITTED)
    _record(identity, seen, wrong)
    assert wrong == []


def test_guessing_ids_finds_nothing_of_another_enterprise(client, world):
    """Enterprise B walks every case number and file id there is: none opens."""
    client.force_login(world["users"]["ent_b"])
    leaks = []
    for reference in Application.objects.values_list("reference", flat=True):
        for name in ("applications:detail", "applications:edit"):
            if client.get(reverse(name, args=[reference])).status_code != 404:
                leaks.append((name, reference))
    for pk in EnterpriseFile.objects.values_list("pk", flat=True):
        if client.get(reverse("applications:file", args=[pk])).status_code != 404:
            leaks.append(("file", pk))
    for model, name in (
        (Qualification, "enterprises:qualification_edit"),
        (YearlyFigures, "enterprises:yearly_figures_edit"),
    ):
        for pk in model.objects.exclude(enterprise=world["users"]["ent_b"].enterprise).values_list(
            "pk", flat=True
        ):
            if client.get(reverse(name, args=[pk])).status_code != 404:
                leaks.append((name, pk))
    matches = client.get("/api/v1/my/matches/").json()
    assert all(row["item"] for row in matches)
    mine = world["users"]["ent_b"].enterprise
    own = set(mine.matches.values_list("item__key", flat=True))
    # and the verdicts derived from items out of force that serve it (none is stored)
    own |= {m.item.key for m in shown.enterprise_matches(enterprise=mine) if m.derived}
    assert {row["item"] for row in matches} == own
    _record(
        "guessing",
        len(leaks) + Application.objects.count() * 2 + EnterpriseFile.objects.count(),
        leaks,
    )
    assert leaks == []


def test_a_bureau_cannot_see_another_bureaus_cases_by_guessing(client, world):
    client.force_login(world["users"]["reviewer_y"])
    for reference in Application.objects.values_list("reference", flat=True):
        assert client.get(reverse("applications:detail", args=[reference])).status_code == 404
    page = client.get(reverse("applications:queue")).content.decode()
    assert world["case"].reference not in page


ADMIN_ALLOWED = {
    "organisations.region", "organisations.bureau", "organisations.bureaualias", "incentives.fact",
    "incentives.policydocument", "incentives.measure", "incentives.incentiveitem",
    "incentives.awardrule", "incentives.condition", "incentives.goldencase",
    "incentives.assignment", "incentives.crossitemlimit", "applications.holiday",
    "applications.itembudget", "dashboard.target", "dashboard.targetvalue",
    "dashboard.indexscheme", "dashboard.indexdimension", "dashboard.indexindicator",
    "incentives.changeproposal", "incentives.documentdraft",
    *(label for part in PARTS for label in part.ADMIN_ALLOWED),
}  # fmt: skip


@pytest.mark.parametrize("identity", IDENTITIES)
def test_the_admin_site_is_for_catalogue_admins_and_only_the_catalogue(client, world, identity):
    from django.contrib import admin

    if identity != "anonymous":
        client.force_login(world["users"][identity])
    wrong = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if identity == "catalogue_admin":
            expected = 200 if label in ADMIN_ALLOWED else 403
            if response.status_code != expected:
                wrong.append(f"{label}: {response.status_code}, expected {expected}")
        elif not (response.status_code == 302 and "/admin/login/" in response["Location"]):
            wrong.append(f"{label}: {response.status_code}, expected the admin login")
    _record(f"admin:{identity}", len(admin.site._registry), wrong)
    assert wrong == []


def _record(name: str, checks: int, leaks: list) -> None:
    """Figures for docs/reliability.md: how many checks, how many leaks."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / "access.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = {"checks": checks, "leaks": len(leaks)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


def test_matrix_names_look_like_urls():
    assert all(re.match(r"^[\w:-]+$", name) for name in MATRIX)
