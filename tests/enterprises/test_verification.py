"""Who acts for an enterprise: a registration awaits verification by the city's verifying bureau
(营业执照 + 授权委托书); until then nothing is submitted, confirmed or paid. A code already on the
portal is claimed (no account yet) or disputed (held), without saying which; the bureau decides,
both sides are told, and an approved claimant is invited to create the administrator account.
Enterprise administrators deactivate and reactivate colleagues."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import BureauPosition, Invitation, Role, User
from applications import sending, workflow
from applications import services as case_services
from applications.casework import ApplicationError
from applications.models import Notification, State
from audit.log import audit_rows
from enterprises import services
from enterprises.models import AccountClaim, AccountStatus, Enterprise
from enterprises.verification import AWAITING_VERIFICATION
from incentives.models import IncentiveItem
from organisations.models import Region
from tests import factories
from tests.applications.conftest import PDF, attach_all
from tests.applications.test_uploads import png_bytes

pytestmark = pytest.mark.django_db
DOCX_LIKE = b"just some words, not a scan"


def pdf(name="执照.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def newcomer(make_user):
    """An enterprise administrator who has just registered: awaiting verification."""
    return factories.enterprise_admin(verified=False, email="new@qiye.example.cn")


@pytest.fixture
def verifier(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER, email="v@kjj.cn")


@pytest.fixture
def other_bureau(make_user):
    return make_user(Role.BUREAU, bureau_name="市财政局")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send_documents(client, *, licence=None, authorisation=None, capture=None):
    data = {
        "licence": licence or pdf(),
        "authorisation": authorisation or pdf("委托书.pdf"),
        "statement": "法定代表人授权本人管理账户",
    }
    return client.post(reverse("enterprises:verification"), data)


def claim_data(code, **overrides):
    return {
        "credit_code": code,
        "company_name": "唐山认领测试有限公司",
        "claimant_name": "赵认领",
        "claimant_mobile": "13900001111",
        "claimant_email": "zhao@renling.example.cn",
        "licence": pdf(),
        "authorisation": pdf("委托书.pdf"),
        "statement": "本公司从未在平台注册",
        **overrides,
    }


def decide(client, claim, **data):
    return client.post(reverse("enterprises:verification_detail", args=[claim.pk]), data)


# --- registration awaits verification ---------------------------------------------------


def test_an_enterprise_awaiting_verification_prepares_but_cannot_submit(newcomer):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    application = case_services.application_start(user=newcomer, item=item)
    attach_all(application, newcomer)
    with pytest.raises(ApplicationError, match=r"待核验|awaiting verification"):
        case_services.transition(application_id=application.pk, user=newcomer, action="submit")
    application.refresh_from_db()
    assert application.state == State.DRAFT
    page = logged_in(newcomer).get(reverse("portal:enterprise_home")).content.decode()
    assert 'data-testid="verification-banner"' in page


def test_unverified_enterprises_are_neither_offered_confirmation_nor_paid(newcomer, verifier):
    """The guard holds on every path that moves money: confirming an offer and 登记兑现."""
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    application = case_services.application_start(user=newcomer, item=item)
    application.state = State.OFFERED
    assert workflow.enterprise_verified(application) == str(AWAITING_VERIFICATION)
    for action in ("confirm", "submit", "resubmit", "disburse"):
        assert workflow.enterprise_verified in workflow.TRANSITIONS[action].guards
    assert str(AWAITING_VERIFICATION) in sending.sending_problems(application)


def test_documents_go_to_the_verifying_bureau_and_its_staff_are_told(
    newcomer, verifier, other_bureau, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send_documents(logged_in(newcomer))
    assert response.status_code == 302
    claim = AccountClaim.objects.get(enterprise=newcomer.enterprise)
    assert (claim.kind, claim.state, claim.user) == ("registration", "pending", newcomer)
    told = set(Notification.objects.filter(channel="inbox").values_list("user", flat=True))
    assert verifier.pk in told and other_bureau.pk not in told
    # Sending twice while one is pending is refused with a message, not a second claim.
    again = send_documents(logged_in(newcomer))
    assert again.status_code == 200
    assert AccountClaim.objects.filter(enterprise=newcomer.enterprise).count() == 1


def test_only_a_scan_or_photo_is_accepted_as_proof(newcomer):
    response = send_documents(
        logged_in(newcomer),
        licence=SimpleUploadedFile("执照.pdf", DOCX_LIKE, content_type="application/pdf"),
    )
    assert response.status_code == 200
    assert not AccountClaim.objects.exists()
    png = send_documents(
        logged_in(newcomer),
        licence=SimpleUploadedFile("执照.png", png_bytes(), content_type="image/png"),
    )
    assert png.status_code == 302


def test_a_colleague_cannot_send_the_documents(newcomer):
    colleague = factories.user(Role.ENTERPRISE, enterprise=newcomer.enterprise)
    response = send_documents(logged_in(colleague))
    assert response.status_code == 403
    assert not AccountClaim.objects.exists()


def test_the_bureau_approves_and_the_enterprise_may_submit(
    newcomer, verifier, django_capture_on_commit_callbacks
):
    send_documents(logged_in(newcomer))
    claim = AccountClaim.objects.get()
    bureau = logged_in(verifier)
    queue = bureau.get(reverse("enterprises:verification_queue")).content.decode()
    assert newcomer.enterprise.name in queue
    detail = bureau.get(reverse("enterprises:verification_detail", args=[claim.pk]))
    assert newcomer.enterprise.credit_code in detail.content.decode()
    assert (
        bureau.get(reverse("enterprises:verification_file", args=[claim.pk, "licence"])).status_code
        == 200
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(bureau, claim, decision="approve")
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(pk=newcomer.enterprise_id)
    assert enterprise.account_status == AccountStatus.VERIFIED
    assert enterprise.verified_by == verifier
    assert Notification.objects.filter(user=newcomer, channel="inbox").exists()

    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    newcomer.refresh_from_db()
    application = case_services.application_start(user=newcomer, item=item)
    attach_all(application, newcomer)
    problems = sending.sending_problems(application)
    assert str(AWAITING_VERIFICATION) not in problems


def test_a_refusal_needs_a_reason_and_the_documents_can_be_sent_again(newcomer, verifier):
    send_documents(logged_in(newcomer))
    claim = AccountClaim.objects.get()
    bureau = logged_in(verifier)
    assert decide(bureau, claim, decision="refuse", reason="").status_code == 200
    assert AccountClaim.objects.get().state == "pending"
    assert decide(bureau, claim, decision="refuse", reason="委托书未盖公章").status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.reason) == ("refused", "委托书未盖公章")
    assert Enterprise.objects.get(pk=newcomer.enterprise_id).account_status == "awaiting"
    page = logged_in(newcomer).get(reverse("enterprises:verification")).content.decode()
    assert "委托书未盖公章" in page
    assert send_documents(logged_in(newcomer)).status_code == 302
    assert AccountClaim.objects.filter(state="pending").count() == 1


def test_a_bureau_that_does_not_verify_sees_no_request(newcomer, other_bureau, make_user):
    send_documents(logged_in(newcomer))
    claim = AccountClaim.objects.get()
    client = logged_in(other_bureau)
    assert (
        newcomer.enterprise.name
        not in client.get(reverse("enterprises:verification_queue")).content.decode()
    )
    assert (
        client.get(reverse("enterprises:verification_detail", args=[claim.pk])).status_code == 404
    )
    assert decide(client, claim, decision="approve").status_code == 404
    assert (
        client.get(reverse("enterprises:verification_file", args=[claim.pk, "licence"])).status_code
        == 404
    )
    # Nor does the science bureau of another city.
    langfang = Region.objects.get(name="廊坊市")
    from organisations.models import Bureau

    foreign, _ = Bureau.objects.update_or_create(
        city=langfang, name="市科学技术局", defaults={"verifies_enterprises": True}
    )
    stranger = make_user(Role.BUREAU, city="廊坊市", bureau_name=foreign.name)
    assert (
        logged_in(stranger)
        .get(reverse("enterprises:verification_detail", args=[claim.pk]))
        .status_code
        == 404
    )
    assert AccountClaim.objects.get().state == "pending"


def test_another_enterprise_cannot_open_the_documents(newcomer, make_user):
    send_documents(logged_in(newcomer))
    claim = AccountClaim.objects.get()
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    url = reverse("enterprises:verification_file", args=[claim.pk, "licence"])
    assert logged_in(other).get(url).status_code == 404
    assert logged_in(newcomer).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # to the login page


# --- claims and disputes -----------------------------------------------------------------


def imported():
    city = Region.objects.get(name="唐山市")
    return services.enterprise_create_unclaimed(
        credit_code=factories.credit_code(9001, division=city.code),
        name="唐山认领测试有限公司",
        city=city,
        by=None,
    )


def test_the_answer_to_a_claim_never_says_whether_someone_holds_the_code(
    newcomer, verifier, django_capture_on_commit_callbacks
):
    unclaimed = imported()
    held = newcomer.enterprise
    pages = []
    for enterprise, email in ((unclaimed, "a@x.example.cn"), (held, "b@x.example.cn")):
        response = Client().post(
            reverse("enterprises:claim"),
            claim_data(enterprise.credit_code, claimant_email=email),
        )
        assert response.status_code == 200
        page = response.content.decode().replace(email, "EMAIL")
        pages.append(re.sub(r'(CSRFToken": "|csrfmiddlewaretoken" value="|nonce=")[^"]+', "", page))
    assert pages[0] == pages[1]
    kinds = dict(AccountClaim.objects.values_list("enterprise_id", "kind"))
    assert kinds == {unclaimed.pk: "claim", held.pk: "dispute"}
    # Registering a code that is on the portal says the same for both, and offers the claim.
    for enterprise in (unclaimed, held):
        form = Client().post(
            reverse("enterprises:register"), {"credit_code": enterprise.credit_code}
        )
        assert 'data-testid="claim-link"' in form.content.decode()


def test_a_code_not_on_the_portal_is_registered_not_claimed():
    city = Region.objects.get(name="唐山市")
    code = factories.credit_code(9002, division=city.code)
    response = Client().post(reverse("enterprises:claim"), claim_data(code))
    assert response.status_code == 200
    assert "register" in response.content.decode() or "注册" in response.content.decode()
    assert not AccountClaim.objects.exists()


def test_claiming_an_imported_enterprise_invites_the_claimant_as_administrator(
    verifier, django_capture_on_commit_callbacks
):
    enterprise = imported()
    Client().post(reverse("enterprises:claim"), claim_data(enterprise.credit_code))
    claim = AccountClaim.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert decide(logged_in(verifier), claim, decision="approve").status_code == 302
    invitation = Invitation.objects.get(enterprise=enterprise)
    assert invitation.as_administrator and invitation.email == "zhao@renling.example.cn"
    assert Enterprise.objects.get(pk=enterprise.pk).account_status == "verified"
    link = next(
        re.search(r"(/invitations/\S+/)", m.body).group(1)
        for m in mail.outbox
        if "/invitations/" in m.body
    )
    visitor = Client()
    response = visitor.post(
        link,
        {
            "username": "zhaorenling",
            "full_name": "赵认领",
            "password1": "Ren-ling-mi-ma-2026",
            "password2": "Ren-ling-mi-ma-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="zhaorenling")
    assert (user.enterprise, user.is_enterprise_admin) == (enterprise, True)


def test_a_dispute_transfers_the_administration_and_tells_both_sides(
    newcomer, verifier, django_capture_on_commit_callbacks
):
    Enterprise.objects.filter(pk=newcomer.enterprise_id).update(account_status="verified")
    Client().post(reverse("enterprises:claim"), claim_data(newcomer.enterprise.credit_code))
    claim = AccountClaim.objects.get()
    assert claim.kind == "dispute"
    detail = logged_in(verifier).get(reverse("enterprises:verification_detail", args=[claim.pk]))
    assert newcomer.username in detail.content.decode()  # the bureau sees who holds it
    with django_capture_on_commit_callbacks(execute=True):
        decide(logged_in(verifier), claim, decision="approve", deactivate_holders="on")
    newcomer.refresh_from_db()
    assert (newcomer.is_active, newcomer.is_enterprise_admin) == (False, False)
    assert Invitation.objects.get(enterprise=newcomer.enterprise).as_administrator
    told = Notification.objects.filter(key__startswith=f"claim:{claim.pk}:decided")
    assert told.filter(user=newcomer).exists()  # the holder, in the inbox
    assert told.filter(email="zhao@renling.example.cn").exists()  # the claimant, by e-mail
    claim.refresh_from_db()
    assert claim.holders_deactivated and claim.decided_by == verifier
    assert claim.history.count() == 2  # filed, decided: in the audit trail
    logged = [row for row in audit_rows() if newcomer.enterprise.name in row.object]
    claims = [row for row in logged if "赵认领" in row.object]  # filed, then decided
    assert len(claims) == 2 and claims[-1].who == str(verifier)


def test_a_refused_dispute_leaves_the_holder_as_it_was(newcomer, verifier):
    Client().post(reverse("enterprises:claim"), claim_data(newcomer.enterprise.credit_code))
    claim = AccountClaim.objects.get()
    decide(logged_in(verifier), claim, decision="refuse", reason="委托书与执照不符")
    newcomer.refresh_from_db()
    assert newcomer.is_active and newcomer.is_enterprise_admin
    assert not Invitation.objects.exists()
    assert Notification.objects.filter(
        key__startswith=f"claim:{claim.pk}:decided", user=newcomer
    ).exists()


def test_a_claim_is_decided_once(newcomer, verifier):
    Client().post(reverse("enterprises:claim"), claim_data(newcomer.enterprise.credit_code))
    claim = AccountClaim.objects.get()
    client = logged_in(verifier)
    decide(client, claim, decision="refuse", reason="材料不全")
    response = decide(client, claim, decision="approve")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.state == "refused"


# --- colleagues --------------------------------------------------------------------------


def test_the_administrator_deactivates_and_reactivates_a_colleague(make_user):
    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    colleague = factories.user(Role.ENTERPRISE, enterprise=admin.enterprise)
    client = logged_in(admin)
    url = reverse("accounts:colleague_active", args=[colleague.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert not Client().login(username=colleague.username, password=colleague.raw_password)
    profile = client.get(reverse("enterprises:profile")).content.decode()
    assert colleague.username in profile  # still listed, to be reactivated
    client.post(url, {"active": "1"})
    colleague.refresh_from_db()
    assert colleague.is_active


def test_nobody_deactivates_themselves_the_last_administrator_or_another_enterprises_user(
    make_user,
):
    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    client = logged_in(admin)
    client.post(reverse("accounts:colleague_active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    url = reverse("accounts:colleague_active", args=[other.pk])
    assert client.post(url, {"active": "0"}).status_code == 404
    colleague = factories.user(Role.ENTERPRISE, enterprise=admin.enterprise)
    assert (
        logged_in(colleague)
        .post(reverse("accounts:colleague_active", args=[admin.pk]), {"active": "0"})
        .status_code
        == 403
    )


def test_every_city_with_bureaus_has_one_that_verifies_and_check_deploy_says_otherwise(db):
    from django.core.checks import run_checks

    from organisations.checks import enterprise_verifiers_check
    from organisations.models import Bureau

    cities = set(Bureau.objects.values_list("city__name", flat=True))
    verifying = set(
        Bureau.objects.filter(verifies_enterprises=True).values_list("city__name", flat=True)
    )
    assert cities and cities == verifying
    assert not [
        m for m in run_checks(include_deployment_checks=True) if m.id == "organisations.W001"
    ]
    Bureau.objects.filter(city__name="廊坊市").update(verifies_enterprises=False)
    (warning,) = enterprise_verifiers_check()
    assert "廊坊市" in warning.msg


def test_the_bureau_home_counts_what_waits_for_the_verifier(newcomer, verifier, other_bureau):
    send_documents(logged_in(newcomer))
    page = logged_in(verifier).get(reverse("portal:bureau_home"))
    tile = page.content.decode().split('data-testid="verifications-link"')[1].split("</a>")[0]
    assert re.search(r">\s*1\s*\D", tile), tile
    # A bureau that does not verify has no such tile.
    other = logged_in(other_bureau).get(reverse("portal:bureau_home")).content.decode()
    assert 'data-testid="verifications-link"' not in other
