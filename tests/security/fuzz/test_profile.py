"""Fuzzed forms of the enterprise profile, as its administrator: the basic data, qualifications and
yearly figures (add, edit, delete; another enterprise's rows and ids no row has), and inviting
colleagues (create, withdraw)."""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import Invitation, Role
from enterprises import forms as enterprise_forms
from enterprises.models import Qualification, YearlyFigures
from tests import factories
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)


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
        ids["qualification"][owner] = factories.qualification(
            enterprise,
            kind="tech_sme",
            recognized_on=datetime.date(2023, 5, 20),
            expires_on=datetime.date(2026, 5, 19),
        ).pk
        ids["yearly_figures"][owner] = factories.figures(
            enterprise, 2023, revenue=Decimal("12345.67")
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
