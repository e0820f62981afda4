"""The enterprise profile (一企一档): the administrator keeps it, colleagues read it, every change
is recorded with who made it, and each save asks the matching engine to recompute."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from enterprises import selectors as enterprise_selectors
from enterprises import services as enterprise_services
from enterprises.models import Enterprise, FactSource, Qualification, YearlyFigures
from tests.enterprises.helpers import recomputed_enterprises


@pytest.fixture
def admin(make_user):
    return make_user(Role.ENTERPRISE, is_enterprise_admin=True, full_name="王管理")


@pytest.fixture
def colleague(make_user, admin):
    return make_user(Role.ENTERPRISE, enterprise=admin.enterprise, full_name="李同事")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


BASIC_DATA = {
    "industry": "智能装备制造",
    "ownership": "private",
    "scale": "small",
    "is_above_scale": "true",
    "employees": "120",
    "founded_on": "2015-06-01",
}
QUALIFICATION = {
    "kind": "hitech",
    "level": "national",
    "recognition": "new",
    "certificate_number": "GR202413000123",
    "recognized_on": "2024-12-01",
    "expires_on": "2027-11-30",
}
FIGURES = {
    "year": "2024",
    "revenue": "12345678.90",
    "rd_expense": "812000",
    "rd_super_deduction": "",
    "tax_paid": "356000.5",
    "tech_contract_turnover": "0",
    "invention_patents_granted": "3",
}


def qualification_of(enterprise, by, **overrides) -> Qualification:
    values = {
        "kind": "tech_sme",
        "level": "",
        "recognition": "new",
        "certificate_number": "",
        "recognized_on": "2024-05-01",
        "expires_on": None,
        "moved_in_from_other_province": False,
        **overrides,
    }
    return enterprise_services.qualification_save(enterprise=enterprise, by=by, **values)


def test_admin_saves_the_basic_data_with_history_and_a_recompute(
    admin_client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("enterprises:profile"), BASIC_DATA)

    assert response.status_code == 302
    enterprise = Enterprise.objects.get(pk=admin.enterprise_id)
    assert enterprise.industry == "智能装备制造"
    assert enterprise.employees == 120
    assert enterprise.is_above_scale is True
    assert str(enterprise.founded_on) == "2015-06-01"
    assert enterprise.source == FactSource.DECLARED
    assert recomputed_enterprises(callbacks) == [enterprise.pk]
    latest = enterprise.history.latest()
    assert latest.history_user == admin
    assert latest.history_type == "~"

    history = admin_client.get(reverse("enterprises:history")).content.decode()
    assert "王管理" in history
    assert "智能装备制造" in history
    assert "<del>—</del> → 120" in history  # employees: from nothing to 120


def test_saving_unchanged_data_records_nothing(admin, django_capture_on_commit_callbacks):
    enterprise = admin.enterprise
    values = {
        "industry": "",
        "ownership": "",
        "scale": "",
        "is_above_scale": None,
        "employees": None,
        "founded_on": None,
    }
    before = enterprise.history.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enterprise_services.profile_update(enterprise=enterprise, by=admin, values=values)
    assert enterprise.history.count() == before
    assert recomputed_enterprises(callbacks) == []


def test_a_colleague_reads_the_profile_but_may_not_change_it(client, colleague, admin):
    client.force_login(colleague)
    page = client.get(reverse("enterprises:profile"))
    assert page.status_code == 200
    assert 'name="employees"' not in page.content.decode()  # read-only, no form

    refused = client.post(reverse("enterprises:profile"), BASIC_DATA)
    assert refused.status_code == 403
    assert "王管理" in refused.content.decode()  # the reason names whom to ask
    assert Enterprise.objects.get(pk=admin.enterprise_id).employees is None

    for url in (
        reverse("enterprises:qualification_add"),
        reverse("enterprises:yearly_figures_add"),
        reverse("accounts:invitation_create"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("enterprises:qualification_add"), QUALIFICATION).status_code == 403
    assert not Qualification.objects.filter(enterprise=admin.enterprise).exists()


def test_the_service_itself_refuses_a_non_admin(colleague):
    with pytest.raises(Exception) as refused:
        enterprise_services.profile_update(
            enterprise=colleague.enterprise,
            by=colleague,
            values={
                "industry": "篡改",
                "ownership": "",
                "scale": "",
                "is_above_scale": None,
                "employees": None,
                "founded_on": None,
            },
        )
    assert refused.type.__name__ == "PermissionDenied"


def test_admin_adds_and_changes_a_qualification(
    admin_client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("enterprises:qualification_add"), QUALIFICATION)
    assert response.status_code == 302
    qualification = Qualification.objects.get(enterprise=admin.enterprise)
    assert (qualification.kind, qualification.level) == ("hitech", "national")
    assert qualification.history.get().history_user == admin
    assert recomputed_enterprises(callbacks) == [admin.enterprise_id]

    # A bureau verified it; the enterprise's own edit makes it declared again.
    Qualification.objects.filter(pk=qualification.pk).update(source=FactSource.VERIFIED)
    changed = {**QUALIFICATION, "recognition": "renewal", "moved_in_from_other_province": "on"}
    response = admin_client.post(
        reverse("enterprises:qualification_edit", args=[qualification.pk]), changed
    )
    assert response.status_code == 302
    qualification.refresh_from_db()
    assert qualification.recognition == "renewal"
    assert qualification.moved_in_from_other_province is True
    assert qualification.source == FactSource.DECLARED


def test_a_qualification_valid_before_its_recognition_is_refused(admin_client, admin):
    data = {**QUALIFICATION, "expires_on": "2024-01-01"}
    response = admin_client.post(reverse("enterprises:qualification_add"), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["expires_on"]
    assert not Qualification.objects.filter(enterprise=admin.enterprise).exists()


def test_the_same_qualification_twice_is_refused_clearly(admin_client, admin):
    assert (
        admin_client.post(reverse("enterprises:qualification_add"), QUALIFICATION).status_code
        == 302
    )
    response = admin_client.post(reverse("enterprises:qualification_add"), QUALIFICATION)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Qualification.objects.filter(enterprise=admin.enterprise).count() == 1


def test_another_enterprises_qualification_is_not_found(admin_client, make_user):
    other_admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    theirs = qualification_of(other_admin.enterprise, other_admin)
    their_figures = enterprise_services.yearly_figures_save(
        enterprise=other_admin.enterprise,
        by=other_admin,
        year=2024,
        values={
            "revenue": Decimal(1),
            "rd_expense": None,
            "rd_super_deduction": None,
            "tax_paid": None,
            "tech_contract_turnover": None,
            "invention_patents_granted": None,
        },
    )

    for url in (
        reverse("enterprises:qualification_edit", args=[theirs.pk]),
        reverse("enterprises:qualification_delete", args=[theirs.pk]),
        reverse("enterprises:yearly_figures_edit", args=[their_figures.pk]),
        reverse("enterprises:yearly_figures_delete", args=[their_figures.pk]),
    ):
        assert admin_client.get(url).status_code == 404
        assert admin_client.post(url, {**QUALIFICATION, **FIGURES}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.kind == "tech_sme"
    assert YearlyFigures.objects.filter(pk=their_figures.pk).exists()


def test_yearly_figures_in_yuan_one_row_per_year(admin_client, admin):
    response = admin_client.post(reverse("enterprises:yearly_figures_add"), FIGURES)
    assert response.status_code == 302
    row = YearlyFigures.objects.get(enterprise=admin.enterprise, year=2024)
    assert row.revenue == Decimal("12345678.90")
    assert row.rd_super_deduction is None
    assert row.invention_patents_granted == 3
    page = admin_client.get(reverse("enterprises:profile")).content.decode()
    assert "12,345,678.90" in page

    again = admin_client.post(
        reverse("enterprises:yearly_figures_add"), {**FIGURES, "revenue": "1"}
    )
    assert again.status_code == 200
    assert list(again.context["form"].errors) == ["year"]
    assert "2024" in again.context["form"].errors["year"][0]
    assert YearlyFigures.objects.filter(enterprise=admin.enterprise).count() == 1

    # Moving another row onto a recorded year is refused the same way.
    other = enterprise_services.yearly_figures_save(
        enterprise=admin.enterprise,
        by=admin,
        year=2023,
        values={
            "revenue": None,
            "rd_expense": None,
            "rd_super_deduction": None,
            "tax_paid": None,
            "tech_contract_turnover": None,
            "invention_patents_granted": None,
        },
    )
    moved = admin_client.post(reverse("enterprises:yearly_figures_edit", args=[other.pk]), FIGURES)
    assert moved.status_code == 200
    assert list(moved.context["form"].errors) == ["year"]


def test_the_service_refuses_a_second_row_for_a_year_with_a_field_error(admin):
    values = {"revenue": None, "tax_paid": Decimal(1)}
    enterprise_services.yearly_figures_save(
        enterprise=admin.enterprise, by=admin, year=2022, values=values
    )
    with pytest.raises(ValidationError) as refused:
        enterprise_services.yearly_figures_save(
            enterprise=admin.enterprise, by=admin, year=2022, values=values
        )
    assert list(refused.value.message_dict) == ["year"]


@pytest.mark.parametrize(
    ("field", "value"), [("revenue", "-5"), ("year", "1900"), ("year", "2999")]
)
def test_implausible_figures_are_refused_beside_the_field(admin_client, admin, field, value):
    response = admin_client.post(
        reverse("enterprises:yearly_figures_add"), {**FIGURES, field: value}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert not YearlyFigures.objects.filter(enterprise=admin.enterprise).exists()


def test_deleting_a_row_is_recorded_and_recomputed(
    admin_client, admin, django_capture_on_commit_callbacks
):
    qualification = qualification_of(admin.enterprise, admin)
    confirm = admin_client.get(reverse("enterprises:qualification_delete", args=[qualification.pk]))
    assert confirm.status_code == 200
    assert Qualification.objects.filter(pk=qualification.pk).exists()  # GET only asks

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("enterprises:qualification_delete", args=[qualification.pk])
        )
    assert response.status_code == 302
    assert not Qualification.objects.filter(pk=qualification.pk).exists()
    assert recomputed_enterprises(callbacks) == [admin.enterprise_id]
    deleted = Qualification.history.filter(id=qualification.pk).latest()
    assert (deleted.history_type, deleted.history_user) == ("-", admin)


def test_history_lists_every_kind_of_change_newest_first(admin):
    enterprise = admin.enterprise
    qualification_of(enterprise, admin, kind="hitech", level="national")
    enterprise_services.yearly_figures_save(
        enterprise=enterprise,
        by=admin,
        year=2024,
        values={
            "revenue": Decimal("100"),
            "rd_expense": None,
            "rd_super_deduction": None,
            "tax_paid": None,
            "tech_contract_turnover": None,
            "invention_patents_granted": None,
        },
    )
    changes = enterprise_selectors.enterprise_profile_history(enterprise=enterprise)
    assert [change.action for change in changes[:2]] == ["+", "+"]
    assert {change.who for change in changes[:2]} == {admin}
    assert changes[0].when >= changes[1].when
    revenue = next(c for c in changes[0].changes if c.new == "100.00")
    assert revenue.old == ""


def test_profile_page_reads_a_bounded_number_of_queries(
    admin_client, admin, django_assert_max_num_queries
):
    for year in range(2015, 2025):
        enterprise_services.yearly_figures_save(
            enterprise=admin.enterprise,
            by=admin,
            year=year,
            values={
                "revenue": Decimal(year),
                "rd_expense": None,
                "rd_super_deduction": None,
                "tax_paid": None,
                "tech_contract_turnover": None,
                "invention_patents_granted": None,
            },
        )
        qualification_of(admin.enterprise, admin, recognized_on=f"{year}-01-01")
    with django_assert_max_num_queries(20):
        assert admin_client.get(reverse("enterprises:profile")).status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("enterprises:history")).status_code == 200


def test_enterprise_navigation_has_the_profile_next_to_my_enterprise(admin_client):
    page = admin_client.get(reverse("portal:home")).content.decode()
    nav = page.split('data-testid="role-navigation"', 1)[1].split("</ul>", 1)[0]
    home = nav.index(f'href="{reverse("portal:enterprise_home")}"')
    profile = nav.index(f'href="{reverse("enterprises:profile")}"')
    assert home < profile


@pytest.mark.parametrize("role", [Role.BUREAU, Role.LEADERSHIP])
def test_other_roles_cannot_open_the_profile(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("enterprises:profile")).status_code == 403
    assert client.get(reverse("enterprises:qualification_add")).status_code == 403
