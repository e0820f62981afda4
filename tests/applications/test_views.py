"""The application pages: apply with a form built from the item, refused uploads that lose
nothing, reuse of files, attachments only for those who may see the case, the bureau queue
with its Excel export, 公示 with objections."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from applications import services
from applications.models import Application, EnterpriseFile, State
from incentives.models import IncentiveItem
from tests.applications.conftest import PDF

pytestmark = pytest.mark.django_db


def start(client, user, key):
    client.force_login(user)
    response = client.post(reverse("applications:start", args=[key]))
    assert response.status_code == 302
    return Application.objects.get(enterprise=user.enterprise, item__key=key)


def material_post(application, files=None, claim=None, action="save"):
    data = {"action": action}
    for n, label in enumerate(application.item.materials or []):
        data[f"m{n}-label"] = label
        if files and label in files:
            data[f"m{n}-upload"] = files[label]
    for key, value in (claim or {}).items():
        data[f"claim-{key}"] = value
    return data


def test_the_form_is_built_from_the_items_inputs(client, qualified):
    application = start(client, qualified, "ts2019-tech-transfer-enterprise")
    page = client.get(reverse("applications:edit", args=[application.reference])).content.decode()
    assert 'name="claim-contract_amount"' in page and "技术合同额" in page


def test_a_refused_upload_says_why_and_keeps_what_was_typed(client, qualified):
    application = start(client, qualified, "ts2019-tech-transfer-enterprise")
    label = application.item.materials[0]
    fake = SimpleUploadedFile(
        "合同.pdf", b"<html><body>not a pdf</body></html>", content_type="application/pdf"
    )
    response = client.post(
        reverse("applications:edit", args=[application.reference]),
        material_post(application, files={label: fake}, claim={"contract_amount": "30000000"}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "HTML" in page  # the reason names what the file really is
    assert 'value="30000000"' in page  # nothing typed is lost
    assert not EnterpriseFile.objects.filter(enterprise=qualified.enterprise).exists()


def test_apply_submit_and_see_the_case(client, qualified, reviewer, head):
    application = start(client, qualified, "ts2019-hitech-new")
    files = {
        label: SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf")
        for label in application.item.materials
    }
    edit = reverse("applications:edit", args=[application.reference])
    data = material_post(application, files=files, action="submit")
    data.update({"case-contact_name": "王经理", "case-contact_phone": "13812345678"})
    response = client.post(edit, data)
    # 提交 leads to the confirmation page first; 确认提交 there, with the 承诺书, sends it.
    assert response["Location"] == f"{edit}?step=confirm"
    confirmation = client.get(response["Location"])
    response = client.post(
        edit, {"action": "send", "declare": "on", "seen": confirmation.context["seen"]}
    )
    assert response["Location"] == reverse("applications:detail", args=[application.reference])
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="timeline"' in page and "市科学技术局" in page


def test_a_file_already_uploaded_is_reused(client, qualified):
    first = start(client, qualified, "ts2019-hitech-new")
    licence = first.item.materials[0]
    client.post(
        reverse("applications:edit", args=[first.reference]),
        material_post(first, files={licence: SimpleUploadedFile("执照.pdf", PDF)}),
    )
    stored = EnterpriseFile.objects.get(enterprise=qualified.enterprise)
    second = start(client, qualified, "ts2019-tech-transfer-enterprise")
    data = material_post(second)
    n = second.item.materials.index(licence) if licence in second.item.materials else 0
    data[f"m{n}-existing"] = stored.pk
    data[f"m{n}-label"] = second.item.materials[n]
    client.post(reverse("applications:edit", args=[second.reference]), data)
    assert second.materials.get(label=second.item.materials[n]).file == stored
    assert EnterpriseFile.objects.filter(enterprise=qualified.enterprise).count() == 1


def test_attachments_only_for_those_who_may_see_the_case(
    client, submitted, qualified, reviewer, make_user
):
    material = submitted.materials.first()
    url = reverse("applications:file", args=[material.file_id])
    client.force_login(qualified)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    for outsider in (
        make_user(Role.ENTERPRISE),
        make_user(Role.BUREAU, bureau_name="市财政局"),
        make_user(Role.LEADERSHIP),
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_other_enterprises_cannot_open_a_case(client, submitted, make_user):
    client.force_login(make_user(Role.ENTERPRISE))
    assert client.get(reverse("applications:detail", args=[submitted.reference])).status_code == 404


def test_the_reviewer_sees_actions_and_the_head_a_disabled_approve_with_its_reason(
    client, submitted, reviewer, head
):
    client.force_login(reviewer)
    page = client.get(reverse("applications:detail", args=[submitted.reference])).content.decode()
    assert 'data-testid="action-accept"' in page and 'data-testid="action-approve"' not in page
    client.post(reverse("applications:act", args=[submitted.reference, "accept"]))
    client.post(
        reverse("applications:act", args=[submitted.reference, "request_cosign"]),
        {"comment": "请会签"},
    )
    client.force_login(head)
    page = client.get(reverse("applications:detail", args=[submitted.reference])).content.decode()
    assert (
        'data-testid="action-approve"' in page
        and "disabled" in page.split('data-testid="action-approve"')[0][-200:]
    )
    assert "等待以下单位会签" in page


def test_a_refused_step_shows_the_reason(client, submitted, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("applications:act", args=[submitted.reference, "return"]), follow=True
    )
    assert "请说明理由" in response.content.decode() or "理由" in response.content.decode()
    assert Application.objects.get(pk=submitted.pk).state == State.SUBMITTED
    assert (
        client.post(reverse("applications:act", args=[submitted.reference, "reopen"])).status_code
        == 404
    )
    assert (
        client.post(reverse("applications:act", args=[submitted.reference, "nonsense"])).status_code
        == 404
    )


def test_the_queue_filters_exports_and_hides_other_bureaus_cases(
    client, submitted, reviewer, make_user
):
    client.force_login(reviewer)
    page = client.get(reverse("applications:queue")).content.decode()
    assert submitted.reference in page
    assert (
        submitted.reference
        not in client.get(reverse("applications:queue"), {"state": "approved"}).content.decode()
    )
    assert (
        submitted.reference
        not in client.get(reverse("applications:queue"), {"overdue": "on"}).content.decode()
    )
    response = client.get(reverse("applications:queue"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == submitted.reference and rows[1][1] == submitted.enterprise.name
    client.force_login(make_user(Role.BUREAU, bureau_name="市财政局"))
    assert submitted.reference not in client.get(reverse("applications:queue")).content.decode()
    assert (
        client.get(reverse("applications:queue"), {"state": "bogus", "item": "x"}).status_code
        == 200
    )


def test_queue_queries_stay_bounded(client, submitted, reviewer, django_assert_max_num_queries):
    client.force_login(reviewer)
    with django_assert_max_num_queries(20):
        client.get(reverse("applications:queue"))


def test_publicity_page_and_an_objection_that_reopens(client, submitted, reviewer, head):
    from decimal import Decimal

    services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    services.transition(
        application_id=submitted.pk, user=head, action="approve", amount=Decimal(200000)
    )
    services.transition(application_id=submitted.pk, user=reviewer, action="publicize")
    client.logout()
    page = client.get(reverse("applications:publicity")).content.decode()
    assert submitted.enterprise.name in page
    shown = 'title="200000.00 元" data-testid="publicity-amount">20万元<'
    assert shown in page, "万元; yuan on hover"
    url = reverse("applications:objection", args=[submitted.reference])
    # Without a contact the objection is refused; with one it is recorded and waits for the
    # bureau: the case stays in publicity and on the page.
    client.post(url, {"text": "数据不实"})
    assert not submitted.objections.exists()
    client.post(url, {"text": "数据不实", "contact": "13800000000"})
    assert submitted.objections.get().status == "pending"
    assert Application.objects.get(pk=submitted.pk).state == State.PUBLICIZED
    assert (
        submitted.enterprise.name in client.get(reverse("applications:publicity")).content.decode()
    )


def test_the_item_page_offers_apply_to_enterprise_users_only(client, qualified, make_user):
    url = reverse("incentives:item", args=["ts2019-hitech-new"])
    assert 'data-testid="apply"' not in client.get(url).content.decode()
    client.force_login(qualified)
    assert 'data-testid="apply"' in client.get(url).content.decode()
    information = IncentiveItem.objects.filter(support_kind="information").first()
    assert (
        'data-testid="apply"'
        not in client.get(reverse("incentives:item", args=[information.key])).content.decode()
    )


def test_an_upload_named_to_escape_lands_inside_the_media_root(client, qualified, settings):
    from pathlib import Path

    application = start(client, qualified, "ts2019-hitech-new")
    label = application.item.materials[0]
    for name in ("../../escape.pdf", "..\\..\\escape.pdf", "a\x00b\x1f.pdf", "/etc/passwd.pdf"):
        client.post(
            reverse("applications:edit", args=[application.reference]),
            material_post(application, files={label: SimpleUploadedFile(name, PDF)}),
        )
    media = Path(settings.MEDIA_ROOT).resolve()
    for stored in EnterpriseFile.objects.filter(enterprise=qualified.enterprise):
        path = Path(stored.file.path).resolve()
        assert media in path.parents
        assert ".." not in stored.original_name and "/" not in stored.original_name
        assert "\x00" not in stored.original_name
    assert EnterpriseFile.objects.filter(enterprise=qualified.enterprise).count() == 4


@pytest.mark.parametrize("page", ["detail", "edit", "act", "cosign", "objection"])
def test_a_case_number_with_a_nul_character_is_not_found(
    client, submitted, qualified, reviewer, page
):
    """Regression: PostgreSQL refuses a NUL in a compared string (a 500 before)."""
    client.force_login(qualified if page == "edit" else reviewer)
    extra = {"act": ["accept"], "cosign": [1]}.get(page, [])
    url = reverse(f"applications:{page}", args=[f"{submitted.reference}\x00", *extra])
    response = client.get(url) if page in ("detail", "edit") else client.post(url)
    assert response.status_code == 404


def test_a_refused_cosign_answer_says_what_was_wrong(client, submitted, reviewer, make_user):
    """Regression: a valid opinion with a comment that is too long was answered "Choose agree
    or disagree."; now the message names the comment's problem."""
    services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    services.transition(application_id=submitted.pk, user=reviewer, action="request_cosign")
    cosign = submitted.cosigns.select_related("bureau").first()
    client.force_login(make_user(Role.BUREAU, bureau_name=cosign.bureau.name))
    url = reverse("applications:cosign", args=[submitted.reference, cosign.pk])

    response = client.post(url, {"opinion": "agree", "comment": "长" * 2001}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert len(said) == 1 and "2000" in said[0]
    assert _("Choose agree or disagree.") not in said[0]
    cosign.refresh_from_db()
    assert cosign.answered_at is None

    response = client.post(url, {"opinion": "maybe"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [_("Choose agree or disagree.")]
