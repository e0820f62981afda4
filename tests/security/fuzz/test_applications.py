"""Fuzzed forms of cases: the enterprise's claim (start, edit), the bureau's actions and queue
filters, the co-review answer and the public's objection."""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import BureauPosition, Role
from applications import services as case_services
from applications.forms import ActionForm, CosignAnswerForm, QueueFilterForm
from applications.workflow import TRANSITIONS
from incentives.models import IncentiveItem
from organisations.models import Region
from tests.security.fuzz.helpers import (
    CLAIM_ITEMS,
    FUZZ,
    FUZZ_SETTINGS,
    PDF,
    RAW_QUERY,
    as_posted,
    assert_says_why,
    draw_payload,
    error_messages,
    plausible,
    rolled_back,
    send,
    web_client,
)


@pytest.fixture
def library(admin):
    """One stored PDF per material label of the claim items, so a draft can be saved."""
    labels = {
        label for key in CLAIM_ITEMS for label in IncentiveItem.objects.get(key=key).materials
    }
    return {
        label: case_services.file_upload(
            enterprise=admin.enterprise,
            user=admin,
            label=label,
            upload=SimpleUploadedFile(f"{label}.pdf", PDF + label.encode(), "application/pdf"),
        ).pk
        for label in sorted(labels)
    }


@FUZZ_SETTINGS
@given(data=st.data())
def test_application_start(admin, admin_client, data):
    """The 申请 button on a policy page: a key of an item, of no item, or not a key at all."""
    key = data.draw(st.sampled_from(["ts2019-hitech-new", *CLAIM_ITEMS, "no-such-item"]))
    if data.draw(st.integers(0, 3)) == 0:
        key = quote(data.draw(FUZZ), safe="")
    payload = draw_payload(data, {})
    with rolled_back():
        url = f"/applications/new/{key}/"
        response = send(admin_client, "application_start", "post", url, data=payload)
        if key in ("ts2019-hitech-new", *CLAIM_ITEMS):
            assert response.status_code == 302


@FUZZ_SETTINGS
@given(data=st.data())
def test_application_edit(admin, admin_client, library, data):
    client = admin_client
    key = data.draw(st.sampled_from(CLAIM_ITEMS))
    item = IncentiveItem.objects.get(key=key)
    # An item serves only enterprises of its city: the applicant moves to the item's city (and
    # one of its districts). No service moves an enterprise, so the row is updated directly.
    city = item.measure.document.region
    type(admin.enterprise).objects.filter(pk=admin.enterprise_id).update(
        city=city, district=city.children.exclude(code="").order_by("code").first()
    )
    admin.enterprise.refresh_from_db()
    draft = case_services.application_start(user=admin, item=item)
    from applications.forms import ClaimForm

    base = {
        f"claim-{name}": options
        for name, options in plausible(ClaimForm(inputs=item.inputs or [])).items()
    }
    base["action"] = ["", "save", "submit"]
    payload = draw_payload(data, base)
    # The page always sends one hidden label per material (without them the view reads the
    # material rows as bound and empty); sometimes the first row is answered with nonsense.
    for n, label in enumerate(item.materials or []):
        payload[f"m{n}-label"] = label
        payload[f"m{n}-existing"] = str(library[label])
    if data.draw(st.booleans()):
        payload.update({"m0-label": data.draw(FUZZ), "m0-existing": data.draw(FUZZ)})
    with rolled_back():
        url = f"/cases/{draft.reference}/edit/"
        response = send(client, "application_edit", "post", url, data=payload)
        if response.status_code == 200:
            assert_says_why(response, required=True, form_key="claim")


REAL_ACTIONS = st.sampled_from(sorted(TRANSITIONS))


ACTIONS = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz_-0123456789"), min_size=1, max_size=20
)


@FUZZ_SETTINGS
@given(data=st.data())
def test_case_action(submitted, staff_clients, data):
    clients = staff_clients
    who = data.draw(st.sampled_from(sorted(clients)))
    action = data.draw(ACTIONS if data.draw(st.integers(0, 3)) == 0 else REAL_ACTIONS)
    base = plausible(ActionForm())
    base.update(
        comment=["材料齐全，同意受理。", ""],
        amount=["200000", "200000.00", "0"],
        paid_on=[datetime.date.today().isoformat()],
        payment_reference=["GK2026-0001"],
        bank_account=["6222 0000 1111 2222"],
        cosign_bureaus=["1", "2", "x"],
        objection=["1", "99999999999", "x"],
    )
    payload = draw_payload(data, base)
    url = f"/cases/{submitted.reference}/act/{quote(action)}/"
    with rolled_back():
        response = send(clients[who], "case_action", "post", url, data=payload)
        form = ActionForm(
            {k: v for k, v in payload.items() if not isinstance(v, list)} | {"cosign_bureaus": []}
        )
        if response.status_code == 302 and not form.is_valid():
            assert error_messages(response), f"an invalid {action} was not explained"


@pytest.mark.parametrize("ids", [["²"], ["①", "1"], ["9" * 30]])
def test_case_action_with_digit_like_bureau_ids(submitted, staff_clients, ids):
    """Regression: ids that str.isdigit() accepts but int() or the database cannot take."""
    url = f"/cases/{submitted.reference}/act/request_cosign/"
    response = staff_clients["reviewer"].post(url, {"cosign_bureaus": ids})
    assert response.status_code == 302


@pytest.fixture
def publicized(submitted, reviewer, head):
    case_services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    case_services.transition(
        application_id=submitted.pk, user=head, action="approve", amount=Decimal(200000)
    )
    return case_services.transition(application_id=submitted.pk, user=reviewer, action="publicize")


@FUZZ_SETTINGS
@given(data=st.data())
def test_objection(publicized, data):
    reference = publicized.reference
    if data.draw(st.integers(0, 3)) == 0:
        reference = data.draw(FUZZ)
    payload = draw_payload(
        data, {"text": ["数据不实，申报材料与实际不符。"], "contact": ["", "13800000000"]}
    )
    with rolled_back():
        url = f"/publicity/{quote(reference, safe='')}/objection/"
        response = send(web_client(), "objection", "post", url, data=payload)
        incomplete = (
            not str(payload.get("text", "")).strip() or not str(payload.get("contact", "")).strip()
        )
        if response.status_code == 302 and incomplete:
            assert error_messages(response), "an objection without text or contact not explained"


@pytest.fixture
def cosigning(submitted, reviewer):
    """The case accepted and sent to its responsible units for 会签."""
    case_services.transition(application_id=submitted.pk, user=reviewer, action="accept")
    return case_services.transition(
        application_id=submitted.pk, user=reviewer, action="request_cosign"
    )


@pytest.fixture
def cosign_reviewers(cosigning, make_user):
    """A reviewer of each unit asked, keyed by its request's id."""
    reviewers = {
        request.pk: make_user(
            Role.BUREAU,
            bureau_name=request.bureau.name,
            city=request.bureau.city.name,
            bureau_position=BureauPosition.REVIEWER,
        )
        for request in cosigning.cosigns.select_related("bureau__city")
    }
    assert len(reviewers) >= 2, "the item should ask more than one unit for co-review"
    return reviewers


@pytest.fixture
def cosign_clients(cosign_reviewers, reviewer):
    """The units' reviewers, and the lead bureau's reviewer, who was not asked."""
    clients = {pk: web_client(user) for pk, user in cosign_reviewers.items()}
    return {**clients, "lead": web_client(reviewer)}


@FUZZ_SETTINGS
@given(data=st.data())
def test_cosign_answer(cosigning, cosign_reviewers, cosign_clients, data):
    """A unit's answer to a co-review request: its own request, another unit's, ids no request
    has, and case numbers that are not there; a refused answer says why."""
    requests = sorted(cosign_reviewers)
    who = data.draw(st.sampled_from([*requests, "lead"]))
    own = [who] * 3 if who != "lead" else []
    pk = data.draw(st.sampled_from([*own, *requests, 0, 99999999, 10**20]))
    reference = cosigning.reference
    if data.draw(st.integers(0, 4)) == 0:
        reference = data.draw(FUZZ)
    base = plausible(CosignAnswerForm())
    base["comment"] = ["同意该企业申报。", "", "意" * 2001, "同意\x00"]  # the last two: refused
    payload = draw_payload(data, base)
    url = f"/cases/{quote(reference, safe='')}/cosign/{pk}/"
    answered = who != "lead" and data.draw(st.integers(0, 5)) == 0
    with rolled_back():
        if answered:  # the unit has answered already, in another tab
            case_services.cosign_answer(
                request_id=who, user=cosign_reviewers[who], opinion="agree", comment="同意。"
            )
        response = send(cosign_clients[who], "cosign_answer", "post", url, data=payload)
        if response.status_code != 302:
            return
        form = CosignAnswerForm(as_posted(payload))
        said = " ".join(error_messages(response))
        if not form.is_valid():
            assert said, "an invalid co-review answer was not explained"
            for error in form.errors.get("comment", []):
                assert error in said, f"the comment's problem was not said: {error}"
        elif pk != who or answered:
            assert said, "an answer to someone else's or an answered co-review was not refused"


@FUZZ_SETTINGS
@given(data=st.data())
def test_queue_filters(submitted, staff_clients, data):
    """The bureau queue's filter form (GET); a bad value is ignored, never an error page."""
    form = QueueFilterForm()
    form.fields["item"].queryset = form.fields["district"].queryset = Region.objects.none()
    base = plausible(form)
    base.update(
        item=[str(submitted.item_id), ""],
        district=[str(submitted.enterprise.district_id or ""), ""],
        page=["1", "2", "last"],
        export=["", "xlsx"],
    )
    client = staff_clients[data.draw(st.sampled_from(sorted(staff_clients)))]
    with rolled_back():
        if data.draw(st.booleans()):
            query = {"QUERY_STRING": data.draw(RAW_QUERY)}
            response = send(client, "queue", "get", "/bureau/cases/", **query)
        else:
            payload = draw_payload(data, base)
            response = send(client, "queue", "get", "/bureau/cases/", data=payload)
        assert response.status_code in (200, 404)
