"""Fuzzed pages of the catalogue administrators (the audit export, the item preview) and the
forms that are one button (read the inbox and notices, start a recompute, log out)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.views import AuditExportForm
from incentives.admin import PreviewForm
from incentives.models import IncentiveItem
from tests.security.fuzz.helpers import (
    CLAIM_ITEMS,
    FUZZ_SETTINGS,
    RAW_QUERY,
    STATUSES,
    assert_says_why,
    draw_payload,
    plausible,
    rolled_back,
    send,
    web_client,
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_audit_export(submitted, catalogue_admin_client, data):
    """The audit log download (a GET form): a good period and format give the file, anything
    else the form again with what was wrong."""
    base = plausible(AuditExportForm())
    today = datetime.date.today()
    base.update(
        since=[str(today), str(today - datetime.timedelta(days=1)), ""],
        until=[str(today), ""],
        kind=["case event", "profile change"],  # not a field: the form has no kind filter
    )
    client = catalogue_admin_client
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(client, "audit_export", "get", "/manage/audit/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(client, "audit_export", "get", "/manage/audit/", data=payload)
        assert response.status_code in (200, 400)
        if response.status_code != 200:
            return
        if response.has_header("Content-Disposition"):
            form = AuditExportForm(response.wsgi_request.GET)
            assert form.is_valid(), f"a file for a bad request: {form.errors}"
            STATUSES["audit_export", "200 with a file"] += 1
        else:
            assert_says_why(response, required=response.context["form"].is_bound)


PREVIEW_ITEMS = [*CLAIM_ITEMS, "ts2019-techsme-provincial-new"]


@FUZZ_SETTINGS
@given(data=st.data())
def test_admin_item_preview(catalogue_admin_client, data):
    """The admin's preview of an item for typed-in facts (money, whole-number, yes/no, choice
    and date inputs)."""
    item = IncentiveItem.objects.get(key=data.draw(st.sampled_from(PREVIEW_ITEMS)))
    base = plausible(PreviewForm(item=item))
    base["on_date"] = [datetime.date.today().isoformat(), "2024-05-20"]
    payload = draw_payload(data, base)
    url = f"/admin/incentives/incentiveitem/{item.pk}/preview/"
    with rolled_back():
        response = send(catalogue_admin_client, "admin_item_preview", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=False)


BUTTONS = {
    # form: (URL, who presses it)
    "inbox_read": ("/inbox/", "admin"),
    "notices_read": ("/enterprise/notices/read/", "admin"),
    "recompute_start": ("/manage/recompute/", "catalogue_admin"),
    "logout": ("/accounts/logout/", "admin"),
}


@pytest.mark.parametrize("form", sorted(BUTTONS))
@FUZZ_SETTINGS
@given(data=st.data())
def test_buttons(admin, catalogue_admin, form, data):
    """Forms that are one button: whatever else is posted along is ignored."""
    url, who = BUTTONS[form]
    payload = draw_payload(data, {})
    with rolled_back():
        client = web_client({"admin": admin, "catalogue_admin": catalogue_admin}[who])
        response = send(client, form, "post", url, data=payload)
        assert response.status_code == 302
