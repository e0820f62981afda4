"""The bureau's public contacts: its head keeps them (reviewers may not), validated, placeholders
refused with a clear message, each change recorded; the public pages show them with the office
hours, and never a placeholder."""

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import translation

from organisations.models import Bureau

pytestmark = pytest.mark.django_db
URL = "/bureau/contacts/"
GOOD = {
    "phone": "0315-2801234",
    "email": "kjj@tangshan.gov.cn",
    "address": "唐山市路北区建设北路1号",
    "office_hours": "工作日 8:30–12:00、14:30–17:30",
}


@pytest.fixture(autouse=True)
def in_english(client, settings):
    """Pages and messages as written (English msgids), whatever the translations say."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def test_a_reviewer_may_not_change_the_contacts(client, reviewer):
    client.force_login(reviewer)
    assert client.get(URL).status_code == 403
    assert client.post(URL, GOOD).status_code == 403
    assert Bureau.objects.get(pk=reviewer.bureau_id).phone != GOOD["phone"]


def test_the_head_saves_the_contacts_and_they_are_recorded(client, head):
    client.force_login(head)
    assert client.get(URL).status_code == 200
    response = client.post(URL, GOOD)
    assert response.status_code == 302
    bureau = Bureau.objects.get(pk=head.bureau_id)
    assert (bureau.phone, bureau.email, bureau.address, bureau.office_hours) == tuple(GOOD.values())
    entry = LogEntry.objects.get(object_id=str(bureau.pk), user=head)
    assert "office hours" in entry.get_change_message()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("phone", "0315-0000000", "placeholder"),
        ("email", "kjj@tangshan.example.cn", "placeholder"),
        ("address", "唐山市（示例地址，上线前由管理员更正）", "placeholder"),
        ("office_hours", "待更正", "placeholder"),
        ("phone", "2801234", "landline like 0315-2801234"),
        ("phone", "0315-2801234 转 8", "landline like 0315-2801234"),
        ("email", "not-a-mailbox", "valid email"),
        ("address", "北路\u202e1号", "U+202E"),
    ],
)
def test_bad_contacts_are_refused_and_said_beside_the_field(client, head, field, value, says):
    client.force_login(head)
    before = Bureau.objects.get(pk=head.bureau_id)
    response = client.post(URL, GOOD | {field: value})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert says in response.content.decode()
    after = Bureau.objects.get(pk=head.bureau_id)
    assert (after.phone, after.email, after.address) == (before.phone, before.email, before.address)


def test_a_mobile_and_an_extension_are_accepted(client, head):
    client.force_login(head)
    assert client.post(URL, GOOD | {"phone": "13812345678"}).status_code == 302
    assert client.post(URL, GOOD | {"phone": "0315-2801234-801"}).status_code == 302


def test_the_public_pages_show_the_saved_contacts_and_office_hours(client, head):
    client.force_login(head)
    client.post(URL, GOOD)
    client.logout()
    for url in ("/policies/ts2019-hitech-new/", f"/bureaus/{head.bureau_id}/"):
        page = client.get(url).content.decode()
        assert "0315-2801234" in page and "工作日 8:30–12:00" in page, url
