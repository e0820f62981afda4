"""Fuzzed forms of accounts and registration: registering an enterprise, logging in, the
password reset (request, link, new password) and change, accepting an invitation, and the
language switch. (The approach: tests/security/fuzz/helpers.py.)"""

import datetime
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import PasswordResetConfirmView as ResetConfirm
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given, reject
from hypothesis import strategies as st

from accounts import forms as account_forms
from accounts import services as account_services
from accounts.models import Invitation, Role
from enterprises import forms as enterprise_forms
from organisations.models import Region
from tests.enterprises.helpers import credit_code
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
def test_registration(db, data):
    base = plausible(enterprise_forms.RegistrationForm())
    city = Region.objects.get(name="唐山市", level=Region.Level.CITY)
    district = Region.objects.filter(parent=city).first()
    base.update(
        credit_code=[credit_code(1), credit_code(2).lower(), f" {credit_code(3)} "],
        name=["唐山模糊测试科技有限公司"],
        city=[str(city.pk)],
        district=[str(district.pk)],
        username=["fuzz-user"],
        full_name=["张三"],
        email=["fuzz@qiye.example.cn"],
        password1=["Fuzz-pass-2026-长"],
        password2=["Fuzz-pass-2026-长"],
    )
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(web_client(), "register", "post", "/register/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.fixture
def login_user(make_user):
    return make_user(Role.ENTERPRISE, username="fuzz-login", email="reset@qiye.example.cn")


@FUZZ_SETTINGS
@given(data=st.data())
def test_login(login_user, data):
    user = login_user
    payload = draw_payload(
        data, {"username": [user.username, "FUZZ-LOGIN", "nobody"], "password": [user.raw_password]}
    )
    with rolled_back():
        response = send(web_client(), "login", "post", "/accounts/login/", data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_reset(login_user, data):
    payload = draw_payload(data, {"email": ["reset@qiye.example.cn", "nobody@example.cn"]})
    with rolled_back():
        response = send(
            web_client(), "password_reset", "post", "/accounts/password_reset/", data=payload
        )
        if response.status_code == 200:
            assert_says_why(response, required=True)


NEW_PASSWORD = "Fuzz-pass-2026-长"


UIDS = st.one_of(
    FUZZ.map(lambda value: quote(value, safe="")),
    st.sampled_from([str(10**9), "9" * 30, "-1", "abc", "\x00", "1\n", "Zm9v"]).map(
        lambda raw: urlsafe_base64_encode(force_bytes(raw))
    ),
)


TOKENS = st.one_of(
    st.just("set-password"),
    FUZZ.map(lambda value: quote(value, safe="")),
    st.from_regex(r"[0-9a-z]{1,8}-[0-9a-f]{1,40}", fullmatch=True),
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_reset_confirm(login_user, data):
    """The link of the reset e-mail: a bad uid or token shows the "link has expired" page; after
    a good link the set-password form refuses bad passwords with a reason."""
    uid = urlsafe_base64_encode(force_bytes(login_user.pk))
    token = default_token_generator.make_token(login_user)
    how = data.draw(st.sampled_from(["valid link", "valid link", "bad uid", "bad token"]))
    base = {"new_password1": [NEW_PASSWORD], "new_password2": [NEW_PASSWORD, NEW_PASSWORD + "x"]}
    payload = draw_payload(data, base)
    client = web_client()
    with rolled_back():
        if how == "valid link":
            # The link itself redirects to the form, keeping the token in the session.
            url = client.get(f"/accounts/reset/{uid}/{token}/").url
            assert url == f"/accounts/reset/{uid}/set-password/"
        else:
            bad_uid = data.draw(UIDS) if how == "bad uid" else uid
            if how == "bad uid" and ResetConfirm().get_user(unquote(bad_uid)) == login_user:
                reject()  # another spelling of the user's own id (base64 "NQ" and "NR" both read 5)
            url = "/accounts/reset/{}/{}/".format(
                bad_uid, data.draw(TOKENS) if how == "bad token" else token
            )
        method = data.draw(st.sampled_from(["post", "post", "get"]))
        response = send(client, "password_reset_confirm", method, url, data=payload)
        if how != "valid link":
            assert response.status_code in (200, 404), response.status_code
            if response.status_code == 200:
                assert response.context["validlink"] is False
        elif response.status_code == 200 and method == "post":
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_password_change(login_user, data):
    base = {
        "old_password": [login_user.raw_password, "not-the-password"],
        "new_password1": [NEW_PASSWORD],
        "new_password2": [NEW_PASSWORD, ""],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        client = web_client(login_user)
        url = "/accounts/password_change/"
        response = send(client, "password_change", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True)


@pytest.fixture
def invitations(admin):
    """The tokens of a pending, an expired and a used invitation of the admin's enterprise."""

    def invite(email):
        return account_services.invitation_create(
            enterprise=admin.enterprise, by=admin, email=email, site_url="http://testserver/"
        )

    expired = invite("expired@qiye.example.cn")
    Invitation.objects.filter(pk=expired.pk).update(
        created_at=expired.created_at - Invitation.VALID_FOR - datetime.timedelta(minutes=1)
    )
    used = invite("used@qiye.example.cn")
    account_services.invitation_accept(
        invitation=used, username="fuzz-used", full_name="李四", password=NEW_PASSWORD
    )
    return {
        "pending": invite("colleague@qiye.example.cn").token,
        "expired": expired.token,
        "used": used.token,
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_invitation_accept(invitations, data):
    """The invited colleague's page: only the pending token shows the form (and refuses bad
    accounts with a reason); an unknown, expired or used token is refused with its reason."""
    which = data.draw(st.sampled_from(["pending", "pending", "expired", "used", "unknown", "fuzz"]))
    if which == "unknown":
        token = "x" * 43
    elif which == "fuzz":
        token = quote(data.draw(FUZZ), safe="")
    else:
        token = invitations[which]
    base = plausible(account_forms.InvitationAcceptForm(email="colleague@qiye.example.cn"))
    base.update(
        username=["fuzz-colleague", "fuzz-used", "FUZZ-USED"],
        full_name=["王五"],
        password1=[NEW_PASSWORD],
        password2=[NEW_PASSWORD],
    )
    payload = draw_payload(data, base)
    method = data.draw(st.sampled_from(["post", "post", "post", "get"]))
    with rolled_back():
        url = f"/invitations/{token}/"
        response = send(web_client(), "invitation_accept", method, url, data=payload)
        if which != "pending":
            assert response.status_code in (404, 410), response.status_code
        elif response.status_code == 200 and method == "post":
            assert_says_why(response, required=True)


@FUZZ_SETTINGS
@given(data=st.data())
def test_set_language(db, data):
    """The language switch in the page header; it never sends anyone to another site."""
    base = {
        "language": ["zh-hans", "en"],
        "next": ["/", "/policies/?q=孵化器", "https://evil.example/", "//evil.example/", "/\\x"],
    }
    payload = draw_payload(data, base)
    with rolled_back():
        response = send(web_client(), "set_language", "post", "/i18n/setlang/", data=payload)
        assert response.status_code == 302
        target = urlsplit(response.url)
        assert target.scheme in ("", "http") and target.netloc in ("", "testserver"), response.url
