"""An enterprise registers itself with its 统一社会信用代码; the first account administers it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Role, User
from enterprises import services as enterprise_services
from enterprises.models import AccountStatus, Enterprise
from organisations.models import Region
from tests.enterprises.helpers import credit_code, recomputed_enterprises, with_wrong_character


@pytest.fixture
def tangshan(organisations):
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    return city, Region.objects.get(name="路北区", parent=city)


@pytest.fixture
def form_data(tangshan):
    city, district = tangshan
    return {
        "credit_code": credit_code(1),
        "name": "唐山注册测试科技有限公司",
        "city": city.pk,
        "district": district.pk,
        "username": "zhuce",
        "full_name": "刘注册",
        "email": "liu@zhuce.example.cn",
        "mobile": "13812345678",
        "password1": "Zhu-ce-mi-ma-2026",
        "password2": "Zhu-ce-mi-ma-2026",
    }


def register(client, data):
    return client.post(reverse("enterprises:register"), data)


def test_registration_creates_the_enterprise_and_its_admin_and_logs_in(
    client, form_data, tangshan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = register(client, form_data)

    assert response.status_code == 302
    # Next: the documents for the bureau to verify the account.
    assert response["Location"] == reverse("enterprises:verification")
    enterprise = Enterprise.objects.get(credit_code=form_data["credit_code"])
    assert enterprise.account_status == AccountStatus.AWAITING
    assert (enterprise.name, enterprise.city, enterprise.district) == (
        "唐山注册测试科技有限公司",
        *tangshan,
    )
    user = User.objects.get(username="zhuce")
    assert user.role == Role.ENTERPRISE
    assert user.enterprise == enterprise
    assert user.is_enterprise_admin
    assert user.check_password("Zhu-ce-mi-ma-2026")
    assert int(client.session["_auth_user_id"]) == user.pk
    # The matching engine is asked to recompute once the registration commits.
    assert recomputed_enterprises(callbacks) == [enterprise.pk]
    # The profile history names who registered it.
    assert enterprise.history.get().history_user == user
    assert client.get(response["Location"]).status_code == 200


def test_lower_case_credit_code_is_stored_in_capitals(
    client, form_data, django_capture_on_commit_callbacks
):
    code = credit_code(7)  # its organisation part has letters ("RG…"), typed in lower case
    form_data["credit_code"] = code.lower()
    with django_capture_on_commit_callbacks(execute=False):
        assert register(client, form_data).status_code == 302
    assert Enterprise.objects.filter(credit_code=code).exists()


@pytest.mark.parametrize("position", [17, 18])
def test_wrong_check_character_is_refused_beside_the_field_naming_it(client, form_data, position):
    form_data["credit_code"] = with_wrong_character(form_data["credit_code"], position)
    response = register(client, form_data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["credit_code"]
    assert str(position) in errors["credit_code"][0]  # "第18位（校验码）…" names the character
    page = response.content.decode()
    assert escape(errors["credit_code"][0]) in page
    # Nothing typed is lost.
    assert "唐山注册测试科技有限公司" in page
    assert 'value="zhuce"' in page
    assert not Enterprise.objects.filter(name="唐山注册测试科技有限公司").exists()
    assert not User.objects.filter(username="zhuce").exists()


def test_a_registered_credit_code_is_refused_and_points_to_the_invitation(
    client, form_data, make_user
):
    existing = make_user(Role.ENTERPRISE, is_enterprise_admin=True).enterprise
    form_data["credit_code"] = existing.credit_code
    response = register(client, form_data)

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert [error.code for error in errors["credit_code"]] == ["taken"]
    # Shown beside the field (the message says to ask the enterprise's admin for an invitation).
    message = response.context["form"].errors["credit_code"][0]
    assert escape(message) in response.content.decode()
    assert Enterprise.objects.filter(credit_code=existing.credit_code).count() == 1
    assert not User.objects.filter(username="zhuce").exists()


def test_a_district_of_another_city_is_refused(client, form_data):
    form_data["district"] = Region.objects.get(name="安次区", parent__name="廊坊市").pk
    response = register(client, form_data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["district"]
    assert "安次区" in response.context["form"].errors["district"][0]
    assert not Enterprise.objects.filter(credit_code=form_data["credit_code"]).exists()


def test_the_service_refuses_a_district_of_another_city_too(tangshan):
    city, _ = tangshan
    langfang_district = Region.objects.get(name="安次区", parent__name="廊坊市")
    with pytest.raises(ValidationError) as refused:
        enterprise_services.enterprise_register(
            credit_code=credit_code(2),
            name="错区企业",
            city=city,
            district=langfang_district,
            username="cuoqu",
            full_name="",
            email="cuoqu@example.cn",
            password="Cuo-qu-mi-ma-2026",
        )
    assert "district" in refused.value.message_dict
    assert not Enterprise.objects.filter(name="错区企业").exists()


@pytest.mark.parametrize(
    ("password1", "password2"),
    [("abc12", "abc12"), ("12345678901", "12345678901"), ("Zhu-ce-mi-ma-2026", "Another-2026x")],
    ids=["too-short", "all-digits", "mismatch"],
)
def test_weak_or_mismatched_password_is_refused(client, form_data, password1, password2):
    form_data.update(password1=password1, password2=password2)
    response = register(client, form_data)

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not User.objects.filter(username="zhuce").exists()
    assert not Enterprise.objects.filter(credit_code=form_data["credit_code"]).exists()


def test_a_taken_username_is_refused_whatever_its_case(client, form_data, make_user):
    make_user(Role.LEADERSHIP, username="ZhuCe")
    response = register(client, form_data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["username"]
    assert not Enterprise.objects.filter(credit_code=form_data["credit_code"]).exists()


@pytest.mark.parametrize("url_name", ["login", "portal:home"])
def test_login_and_home_pages_link_to_registration(client, db, url_name):
    page = client.get(reverse(url_name)).content.decode()
    assert f'href="{reverse("enterprises:register")}"' in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: " ".join(code[i : i + 4] for i in range(0, 18, 4)),  # as printed, in fours
        lambda code: code.lower(),
        lambda code: f"  {code[:8]}-{code[8:]}  ",
        lambda code: "".join(chr(ord(c) + 0xFEE0) for c in code),  # full-width, pasted
    ],
)
def test_a_credit_code_typed_with_spaces_or_full_width_is_cleaned(client, form_data, typed):
    code = form_data["credit_code"]
    response = register(client, {**form_data, "credit_code": typed(code)})
    assert response.status_code == 302, response.context["form"].errors
    assert Enterprise.objects.filter(credit_code=code).exists()


@pytest.mark.parametrize(
    ("mobile", "ok"),
    [("138 1234 5678", True), ("+86 13812345678", True), ("12812345678", False),
     ("1381234567", False), ("0315-2801234", False), ("", False)],
)  # fmt: skip
def test_the_registering_person_gives_a_mobile(client, form_data, mobile, ok):
    response = register(client, {**form_data, "mobile": mobile})
    assert (response.status_code == 302) is ok
    if ok:
        assert User.objects.get(username="zhuce").mobile == "13812345678"
    else:
        assert "mobile" in response.context["form"].errors
