"""Fuzzed forms of account verification: the claim anyone may file (codes on the portal or not,
scans or anything else), the documents an enterprise awaiting verification sends, the bureau's
decision, and deactivating a colleague — never a server error, a refusal always says why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import BureauPosition, Role
from enterprises import forms as enterprise_forms
from enterprises.models import AccountClaim
from tests import factories
from tests.security.fuzz.helpers import (
    FUZZ,
    FUZZ_SETTINGS,
    PDF,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)

UPLOADS = st.sampled_from(
    [
        (PDF, "执照.pdf"),
        (b"MZ\x90\x00 not a scan", "执照.pdf"),
        (b"", "empty.pdf"),
        (b"PK\x03\x04" + b"\x00" * 40, "执照.docx"),
        ("中文文本".encode(), "执照.png"),
    ]
)


def files(data) -> dict:
    drawn = {}
    for name in ("licence", "authorisation"):
        if data.draw(st.booleans()) or name == "licence":
            content, filename = data.draw(UPLOADS)
            drawn[name] = SimpleUploadedFile(filename, content, content_type="application/pdf")
    return drawn


@pytest.fixture
def awaiting(make_user):
    return factories.enterprise_admin(verified=False)


@pytest.fixture
def verifier(make_user):
    return make_user(Role.BUREAU, bureau_position=BureauPosition.REVIEWER)


@FUZZ_SETTINGS
@given(data=st.data())
def test_claim(awaiting, data):
    base = plausible(enterprise_forms.ClaimForm())
    base["credit_code"] = [awaiting.enterprise.credit_code, factories.credit_code(), "91130200"]
    base["claimant_mobile"] = ["13900001111", "139"]
    payload = {**draw_payload(data, base), **files(data)}
    with rolled_back():
        response = send(web_client(), "claim", "post", "/claim/", data=payload)
        if response.status_code == 200 and "claim-filed" not in response.content.decode():
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_verification_documents(awaiting, data):
    payload = {
        **draw_payload(data, plausible(enterprise_forms.VerificationRequestForm())),
        **files(data),
    }
    with rolled_back():
        response = send(
            web_client(awaiting), "verification", "post", "/enterprise/verification/", data=payload
        )
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_verification_decision(awaiting, verifier, data):
    payload = draw_payload(data, plausible(enterprise_forms.ClaimDecisionForm()))
    which = data.draw(st.sampled_from(["own", "unknown", "huge"]))
    with rolled_back():
        claim = AccountClaim.objects.create(
            enterprise=awaiting.enterprise,
            kind=AccountClaim.Kind.REGISTRATION,
            user=awaiting,
            claimant_name="赵",
            claimant_email="z@qiye.example.cn",
            company_name=awaiting.enterprise.name,
            licence="claims/fuzz/l.pdf",
            authorisation="claims/fuzz/a.pdf",
        )
        pk = {"own": claim.pk, "unknown": claim.pk + 1000, "huge": 2**31}[which]
        response = send(
            web_client(verifier), "verification_decision", "post",
            f"/bureau/verifications/{pk}/", data=payload,
        )  # fmt: skip
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_colleague_active(make_user, data):
    admin = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    colleague = factories.user(Role.ENTERPRISE, enterprise=admin.enterprise)
    which = data.draw(st.sampled_from(["colleague", "self", "zero", "huge"]))
    pk = {"colleague": colleague.pk, "self": admin.pk, "zero": 0, "huge": 2**31 - 1}[which]
    payload = {"active": data.draw(st.one_of(st.sampled_from(["0", "1"]), FUZZ))}
    with rolled_back():
        send(
            web_client(admin), "colleague_active", "post",
            f"/enterprise/colleagues/{pk}/active/", data=payload,
        )  # fmt: skip
        admin.refresh_from_db()
        assert admin.is_active
