"""我的政策, the policy calculator, the matching API and the recompute progress page."""

import datetime
import json

import pytest
from django.urls import reverse

from accounts.models import Role
from incentives import matching, plans
from incentives.models import EnterpriseNotice, Match, RecomputeJob
from organisations.models import Region
from portal import clock
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise_user(make_user):
    user = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    today = datetime.date.today()
    factories.qualification(
        user.enterprise,
        kind="hitech",
        recognition="new",
        recognized_on=today - datetime.timedelta(days=40),
        expires_on=today + datetime.timedelta(days=1000),
    )
    matching.enterprise_recompute(enterprise_id=user.enterprise.pk)
    return user


def test_my_policies_groups_matches_with_estimates_and_reasons(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(reverse("incentives:my_policies"))
    assert response.status_code == 200
    page = response.content.decode()
    eligible = page.split('data-testid="group-eligible"', 1)[1].split("</section>", 1)[0]
    assert "新认定高新技术企业奖励" in eligible and "20万元" in eligible
    missing = page.split('data-testid="group-missing_information"', 1)[1].split("</section>", 1)[0]
    assert "请在企业档案中补充" in missing and "上年度研发投入" in missing
    not_eligible = page.split('data-testid="group-not_eligible"', 1)[1].split("</section>", 1)[0]
    assert "不符合" in not_eligible
    assert "理由" in page


def test_my_policies_shows_and_clears_notices(client, enterprise_user):
    assert EnterpriseNotice.objects.filter(enterprise=enterprise_user.enterprise).exists()
    client.force_login(enterprise_user)
    assert 'data-testid="notices"' in client.get(reverse("incentives:my_policies")).content.decode()
    client.post(reverse("incentives:notices_read"))
    assert (
        'data-testid="notices"'
        not in client.get(reverse("incentives:my_policies")).content.decode()
    )


def test_my_policies_page_queries_stay_bounded(
    client, enterprise_user, django_assert_max_num_queries
):
    client.force_login(enterprise_user)
    with django_assert_max_num_queries(15):
        client.get(reverse("incentives:my_policies"))


def test_other_roles_cannot_open_my_policies(client, make_user):
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.get(reverse("incentives:my_policies")).status_code == 403


def test_a_profile_change_recomputes_the_matches(
    enterprise_user, django_capture_on_commit_callbacks
):
    enterprise = enterprise_user.enterprise
    assert (
        Match.objects.get(enterprise=enterprise, item__key="ts2023-rd-post-subsidy").status
        == "missing_information"
    )
    with django_capture_on_commit_callbacks(execute=True):
        factories.figures(
            enterprise, datetime.date.today().year - 1, rd_expense=2_000_000, revenue=40_000_000
        )
    assert (
        Match.objects.get(enterprise=enterprise, item__key="ts2023-rd-post-subsidy").status
        != "missing_information"
    )


def test_calculator_shows_matches_without_storing_anything(client):
    tangshan = Region.objects.get(name="唐山市")
    before = Match.objects.count()
    response = client.get(
        reverse("incentives:calculator"),
        {"city": tangshan.pk, "hitech": "new", "tech_sme": "provincial_new", "revenue": "3000"},
    )
    page = response.content.decode()
    eligible = page.split('data-testid="group-eligible"', 1)[1].split("</section>", 1)[0]
    assert "新认定高新技术企业奖励" in eligible and "新认定省级科技型中小企业奖励" in eligible
    assert Match.objects.count() == before


def test_calculator_refuses_bad_answers_with_messages(client):
    response = client.get(reverse("incentives:calculator"), {"city": "abc", "revenue": "-5"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page and 'data-testid="group-' not in page


def test_api_lists_the_fact_vocabulary(client):
    facts = client.get("/api/v1/facts/").json()
    keys = {f["key"] for f in facts}
    assert {"hitech_certification_kind", "revenue", "rd_expense_ratio"} <= keys


def test_api_calculator_gives_status_estimate_and_bureaus(client):
    body = {
        "city": "唐山市",
        "date": "2026-06-30",
        "facts": {
            "hitech_valid": True,
            "hitech_certification_kind": "new",
            "hitech_certified_on": "2026-04-01",
        },
    }
    response = client.post("/api/v1/calculator/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    rows = {row["item"]: row for row in response.json()}
    award = rows["ts2019-hitech-new"]
    assert award["status"] == "eligible"
    assert award["estimate"] == {
        "kind": "exact",
        "amount": "200000",
        "min": None,
        "max": None,
        "breakdown": "定额20万元",
    }
    assert award["lead_bureaus"][0]["name"] == "市科学技术局"
    assert award["funding_level"] == "city" and award["clause"]
    formula = rows["ts2019-tech-transfer-enterprise"]
    assert formula["estimate"]["kind"] == "formula" and formula["estimate"]["max"] == "1000000"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"city": "火星市", "facts": {}}, "city"),
        ({"city": "唐山市", "facts": {"nope": 1}}, "facts"),
        ({"city": "唐山市", "facts": {"revenue": "abc"}}, "facts"),
        ({"city": "唐山市", "facts": {"hitech_valid": "yes"}}, "facts"),
        ({"city": "唐山市", "facts": {"hitech_certified_on": "2026-13-01"}}, "facts"),
        ({"city": "唐山市", "facts": {"tech_sme_level": "galactic"}}, "facts"),
        ({"city": "唐山市", "facts": []}, "facts"),
        ({"facts": {}}, "city"),
        ({"city": "唐山市", "facts": {}, "date": "yesterday"}, "date"),
    ],
)
def test_api_calculator_answers_bad_bodies_with_400_and_field_errors(client, body, field):
    response = client.post("/api/v1/calculator/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_api_calculator_refuses_malformed_json(client):
    response = client.post("/api/v1/calculator/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_api_my_matches_for_the_enterprise_only(client, enterprise_user, make_user):
    assert client.get("/api/v1/my/matches/").status_code == 403
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.get("/api/v1/my/matches/").status_code == 403
    client.force_login(enterprise_user)
    rows = client.get("/api/v1/my/matches/").json()
    enterprise = enterprise_user.enterprise
    stored = set(Match.objects.filter(enterprise=enterprise).values_list("item__key", flat=True))
    # Items out of force store no row: the API gives their verdict, derived from the item.
    out = {
        plan.key
        for plan in plans.plans_for_enterprise(enterprise)
        if plan.out_of_force(clock.today())
    }
    assert out and not stored & out
    assert {r["item"] for r in rows} == stored | out
    assert {r["status"] for r in rows if r["item"] in out} == {"not_in_force"}


def test_recompute_page_starts_a_job_and_shows_its_progress(
    client, make_user, django_capture_on_commit_callbacks
):
    admin = make_user(Role.CATALOGUE_ADMIN)
    client.force_login(admin)
    assert client.get(reverse("incentives:recompute")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incentives:recompute"))
    job = RecomputeJob.objects.get(started_by=admin)
    assert response["Location"] == reverse("incentives:recompute_progress", args=[job.pk])
    assert job.status == "done"
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'data-testid="progress"' in partial


def test_only_catalogue_admins_start_a_recompute(client, make_user):
    client.force_login(make_user(Role.ENTERPRISE))
    assert client.post(reverse("incentives:recompute")).status_code == 403
    assert not RecomputeJob.objects.exists()


def test_my_policies_says_when_a_window_has_closed(client, enterprise_user):
    from incentives.models import IncentiveItem

    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    today = datetime.date.today()
    item.window_opens = today - datetime.timedelta(days=60)
    item.window_closes = today - datetime.timedelta(days=1)
    item.save(update_fields=["window_opens", "window_closes"])
    client.force_login(enterprise_user)
    page = client.get(reverse("incentives:my_policies")).content.decode()
    group = page.split('data-testid="group-eligible"', 1)[1]
    row = group.split("新认定高新技术企业奖励", 1)[1].split("list-group-item", 1)[0]
    assert "申报期已过" in row


def test_an_open_range_reads_decided_in_review_not_at_least_zero():
    from decimal import Decimal

    from incentives.presentation import estimate_text

    for minimum in (Decimal(0), None):
        words = estimate_text("range", None, minimum, None, "")
        assert "评审" in words and "不低于" not in words, words
    assert estimate_text("range", None, Decimal(100000), None, "") == "不低于10万元"
    assert estimate_text("range", None, Decimal(0), Decimal(500000), "") == "最高50万元"


def test_my_policies_says_first_how_many_and_how_much_and_keeps_long_groups_short(
    client, make_user
):

    from incentives import matching
    from tests import factories

    user = factories.newly_certified_admin(make_user)
    matching.enterprise_recompute(enterprise_id=user.enterprise_id)
    client.force_login(user)
    page = client.get(reverse("incentives:my_policies")).content.decode()
    summary = page.split('data-testid="policies-summary"', 1)[1].split('data-testid="group-')[0]
    assert "项" in summary and "万元" in summary, summary
    groups = page.split('data-testid="group-', 1)[1]
    assert groups.index("新认定高新技术企业奖励") < groups.index("</section>"), "money first"
    likely = page.split('data-testid="group-likely_eligible"', 1)[1].split("</section>", 1)[0]
    if likely.count('class="list-group-item"') > 10:
        assert 'data-testid="more-rows"' in likely


def test_my_policies_leads_to_the_existing_case_instead_of_offering_apply(client, make_user):

    from applications import services as application_services
    from incentives import matching
    from incentives.models import IncentiveItem
    from tests import factories

    user = factories.newly_certified_admin(make_user)
    matching.enterprise_recompute(enterprise_id=user.enterprise_id)
    case = application_services.application_start(
        user=user, item=IncentiveItem.objects.get(key="ts2019-hitech-new")
    )
    client.force_login(user)
    page = client.get(reverse("incentives:my_policies")).content.decode()
    groups = page.split('data-testid="group-', 1)[1]
    row = groups.split("新认定高新技术企业奖励", 1)[1].split('class="list-group-item"', 1)[0]
    assert 'data-testid="apply-existing"' in row and case.reference in row
    assert "继续申报" in row
