"""Placeholder contacts (0315-0000000, an example mailbox, an address marked 示例) never reach
the public pages, and ``check --deploy`` refuses a portal that still has them (issue 15)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from organisations.models import Bureau, is_placeholder


@pytest.mark.parametrize(
    ("field", "value", "placeholder"),
    [
        ("phone", "0315-0000000", True),
        ("phone", "00000000", True),
        ("phone", "0315-2801234", False),
        ("email", "kjj@tangshan.example.cn", True),
        ("email", "kjj@example.com", True),
        ("email", "kjj@tangshan.gov.cn", False),
        ("address", "唐山市路北区（示例地址，上线前由管理员更正）", True),
        ("address", "唐山市路北区建设北路1号", False),
        ("phone", "", False),
    ],
)
def test_what_counts_as_a_placeholder(field, value, placeholder):
    assert is_placeholder(field, value) is placeholder


def test_the_public_pages_hide_placeholders_and_show_real_contacts(client, db):
    bureau = Bureau.objects.get(city__name="唐山市", name="市科学技术局")
    assert bureau.placeholder_contacts() == ["phone", "email", "address"]
    for url in ("/policies/ts2019-hitech-new/", f"/bureaus/{bureau.pk}/"):
        page = client.get(url).content.decode()
        assert "0315-0000000" not in page and "示例地址" not in page, url
        assert "example.cn" not in page, url
    Bureau.objects.filter(pk=bureau.pk).update(
        phone="0315-2801234", email="kjj@tangshan.gov.cn", address="唐山市路北区建设北路1号"
    )
    for url in ("/policies/ts2019-hitech-new/", f"/bureaus/{bureau.pk}/"):
        page = client.get(url).content.decode()
        assert "0315-2801234" in page and "建设北路1号" in page, url


def test_check_deploy_refuses_placeholder_contacts(db, settings):
    with pytest.raises(SystemCheckError) as refused:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert "organisations.E001" in str(refused.value)
    Bureau.objects.all().update(phone="", email="", address="")
    call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_api_publishes_no_placeholder_contact(client, db):
    bureau = Bureau.objects.get(city__name="唐山市", name="市科学技术局")
    data = client.get(f"/api/v1/bureaus/{bureau.pk}/").json()
    assert data["phone"] == "" and data["email"] == "" and data["address"] == ""
    text = client.get("/api/v1/items/ts2019-hitech-new/").content.decode()
    assert "0315-0000000" not in text and "example.cn" not in text


def test_office_hours_are_public_unless_a_placeholder(client, db):
    """Issue 16: a bureau's office hours show beside its contacts; a placeholder never does."""
    bureau = Bureau.objects.get(city__name="唐山市", name="市科学技术局")
    Bureau.objects.filter(pk=bureau.pk).update(office_hours="工作日（示例，上线前更正）")
    assert "office_hours" in Bureau.objects.get(pk=bureau.pk).placeholder_contacts()
    for url in ("/policies/ts2019-hitech-new/", f"/bureaus/{bureau.pk}/"):
        assert "上线前更正" not in client.get(url).content.decode(), url
    Bureau.objects.filter(pk=bureau.pk).update(office_hours="工作日 8:30–12:00、14:30–17:30")
    for url in ("/policies/ts2019-hitech-new/", f"/bureaus/{bureau.pk}/"):
        assert "工作日 8:30–12:00" in client.get(url).content.decode(), url


def test_the_head_cannot_save_a_placeholder_contact(client, make_user):
    """The contacts page refuses what the public pages would hide (issue 16)."""
    from accounts.models import BureauPosition, Role

    head = make_user(Role.BUREAU, bureau_position=BureauPosition.HEAD)
    client.force_login(head)
    response = client.post(
        "/bureau/contacts/",
        {"phone": "0315-0000000", "email": "", "address": "", "office_hours": ""},
    )
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    assert Bureau.objects.get(pk=head.bureau_id).phone == "0315-0000000"  # the seed's, untouched
    response = client.post(
        "/bureau/contacts/",
        {"phone": "0315-2801234", "email": "", "address": "", "office_hours": ""},
    )
    assert response.status_code == 302
    assert not Bureau.objects.get(pk=head.bureau_id).placeholder_contacts()
