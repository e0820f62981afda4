"""An application the enterprise can check (issue 15, part 5): the amount requested where the
rule leaves it open, the contact, the 承诺书, a confirmation page before sending, uploads that
lose nothing, a case page that says what was sent, to whom and when to expect the decision,
申报 that becomes 继续申报 / 查看申报, and readable case numbers."""

import datetime
import re
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Role
from applications import casework, sending, services
from applications.models import DECLARATION_TEXT, Application, Holiday, State
from incentives import matching
from incentives.models import IncentiveItem
from organisations.models import Bureau
from portal import clock
from tests import factories
from tests.applications.conftest import PDF, attach_all

pytestmark = pytest.mark.django_db

HITECH = "ts2019-hitech-new"  # 定额20万: the rule gives the amount
TEAM = "ts2019-team-tech"  # 20万–100万, decided in review: the enterprise states its request
CONTACT = {"case-contact_name": "王经理", "case-contact_phone": "13812345678"}
NUMBER = re.compile(r"^唐山-\d{4}-\d{6}$")


def start(client, user, key):
    client.force_login(user)
    response = client.post(reverse("applications:start", args=[key]))
    assert response.status_code == 302
    return Application.objects.filter(enterprise=user.enterprise, item__key=key).latest("pk")


def edit_url(application):
    return reverse("applications:edit", args=[application.reference])


def post_data(application, *, files=None, claim=None, action="save", **details):
    data = {"action": action, **{f"case-{k}": v for k, v in details.items()}}
    for n, label in enumerate(application.item.materials or []):
        data[f"m{n}-label"] = label
        if files and label in files:
            data[f"m{n}-upload"] = files[label]
    for key, value in (claim or {}).items():
        data[f"claim-{key}"] = value
    return data


def pdfs(application):
    return {
        label: SimpleUploadedFile(f"{label}.pdf", PDF, content_type="application/pdf")
        for label in application.item.materials
    }


def ready(client, application, **details):
    """Everything filled in and attached; returns the confirmation page."""
    values = {"contact_name": "王经理", "contact_phone": "13812345678", **details}
    response = client.post(
        edit_url(application),
        post_data(
            application,
            files=pdfs(application),
            claim={"project_name": "智能焊接团队"},
            action="submit",
            **values,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"{edit_url(application)}?step=confirm"
    return client.get(response["Location"])


def send(client, application, confirmation, **extra):
    data = {"action": "send", "declare": "on", "seen": confirmation.context["seen"], **extra}
    return client.post(edit_url(application), data)


# 1. The amount requested ------------------------------------------------------------------------


def test_an_exact_rule_asks_no_amount_and_records_its_own(client, qualified):
    application = start(client, qualified, HITECH)
    page = client.get(edit_url(application)).content.decode()
    assert 'name="case-requested_amount"' not in page
    assert "20万元" in page  # the rule's figure, said
    confirmation = ready(client, application)
    assert "20万元" in confirmation.content.decode()
    send(client, application, confirmation)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.requested_amount == Decimal(200000)


def test_an_open_rule_asks_the_amount_in_wan_and_stores_yuan(client, qualified):
    application = start(client, qualified, TEAM)
    page = client.get(edit_url(application)).content.decode()
    assert 'name="case-requested_amount"' in page
    assert "20万元" in page and "100万元" in page  # the bounds, in words
    confirmation = ready(client, application, requested_amount="30.5")
    application.refresh_from_db()
    assert application.requested_amount == Decimal("305000.00")
    assert "30.5万元" in confirmation.content.decode()
    send(client, application, confirmation)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.requested_amount == Decimal("305000.00")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("15", "20万元"),  # below the rule's range: the bounds in words
        ("150", "100万元"),  # above it
        ("-5", None),
        ("0", None),
        ("1e30", None),
        ("99999999999999999", None),
        ("NaN", None),
        ("Infinity", None),
        ("三十万", None),
    ],
)
def test_an_amount_outside_the_rule_is_refused_in_words(client, qualified, typed, says):
    application = start(client, qualified, TEAM)
    response = client.post(
        edit_url(application),
        post_data(application, claim={"project_name": "团队"}, requested_amount=typed, **{}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    details = response.context["details"]
    assert details.errors["requested_amount"], typed
    for error in details.errors["requested_amount"]:
        assert escape(error) in page
    if says:
        assert says in " ".join(details.errors["requested_amount"])
    application.refresh_from_db()
    assert application.requested_amount is None


def test_the_service_refuses_an_amount_outside_the_rule(qualified):
    application = services.application_start(
        user=qualified, item=IncentiveItem.objects.get(key=TEAM)
    )
    with pytest.raises(services.ApplicationError, match="100万元"):
        services.application_details_save(
            application=application,
            user=qualified,
            contact_name="王经理",
            contact_phone="13812345678",
            requested_amount=Decimal(2_000_000),
        )


def test_an_open_rule_cannot_be_sent_without_an_amount(client, qualified):
    application = start(client, qualified, TEAM)
    response = client.post(
        edit_url(application),
        post_data(
            application,
            files=pdfs(application),
            claim={"project_name": "团队"},
            action="submit",
            contact_name="王经理",
            contact_phone="13812345678",
        ),
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert any("20万元" in p and "100万元" in p for p in problems), problems
    application.refresh_from_db()
    assert application.state == State.DRAFT


# 2. The contact --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("０３１５－２３４５６７８", "0315-2345678"),
        ("(010)62345678", "010-62345678"),
        ("0315-2345678-801", "0315-2345678-801"),
        ("0315 23456789", "0315-23456789"),
    ],
)
def test_a_mobile_or_a_landline_with_area_code_is_taken(client, qualified, typed, stored):
    application = start(client, qualified, HITECH)
    response = client.post(
        edit_url(application),
        post_data(application, contact_name="王经理", contact_phone=typed),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.contact_phone == stored


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "138123456789",
        "12812345678",
        "0315-0000000",
        "2345678",
        "315-2345678",
        "+1 202 555 0100",
        "电话",
        "13812345678; DROP TABLE",
        "1" * 500,
    ],
)
def test_a_bad_phone_is_refused_in_words(client, qualified, typed):
    application = start(client, qualified, HITECH)
    response = client.post(
        edit_url(application), post_data(application, contact_name="王经理", contact_phone=typed)
    )
    assert response.status_code == 200
    errors = response.context["details"].errors["contact_phone"]
    assert errors and escape(errors[0]) in response.content.decode()
    application.refresh_from_db()
    assert application.contact_phone == ""


CANONICAL_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-[2-9]\d{6,7}(-\d{1,6})?)$")


@given(st.text(max_size=40) | st.from_regex(r"\+?(86)?1[3-9]\d{9}|\(?0\d{2,3}\)?-?\d{7,8}"))
def test_any_text_is_read_as_one_written_phone_or_refused(text):
    phone = sending.phone_normalised(text)
    if phone is not None:
        assert CANONICAL_PHONE.match(phone), (text, phone)
        assert sending.phone_normalised(phone) == phone  # written one way


def test_the_contact_is_required_to_send(client, qualified):
    application = start(client, qualified, HITECH)
    response = client.post(
        edit_url(application),
        post_data(
            application,
            files=pdfs(application),
            action="submit",
            contact_name="",
            contact_phone="",
        ),
    )
    assert response.status_code == 200
    problems = " ".join(response.context["problems"])
    assert _("Give the contact person for this application.") in problems
    assert _("Give the contact phone for this application.") in problems
    # The confirmation page cannot be reached around it either.
    response = client.get(f"{edit_url(application)}?step=confirm")
    assert response["Location"] == edit_url(application)


# 3. and 4. The confirmation page and the 承诺书 -------------------------------------------------


def test_the_confirmation_shows_everything_to_be_sent(client, qualified):
    application = start(client, qualified, TEAM)
    confirmation = ready(client, application, requested_amount="50")
    page = confirmation.content.decode()
    assert application.item.name in page
    assert "50万元" in page
    assert "王经理" in page and "13812345678" in page
    for label in application.item.materials:
        assert f"{label}.pdf" in page  # each material with its file name
    assert escape(str(DECLARATION_TEXT)) in page
    assert 'data-testid="back-to-edit"' in page and f'href="{edit_url(application)}"' in page
    assert 'data-testid="send"' in page
    application.refresh_from_db()
    assert application.state == State.DRAFT  # nothing is sent by looking


def test_without_the_declaration_nothing_is_sent(client, qualified):
    application = start(client, qualified, HITECH)
    confirmation = ready(client, application)
    response = client.post(
        edit_url(application), {"action": "send", "seen": confirmation.context["seen"]}
    )
    assert response.status_code == 200
    assert escape(_("Tick the declaration (承诺书) to send the application: it is required.")) in (
        response.content.decode()
    )
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.declared_at is None


@pytest.mark.parametrize(
    "posted",
    [
        {"declare": "on"},
        {"declare": "on", "seen": "x" * 500},
        {"declare": "on", "seen": "\x00"},
        {"declare": "yes please", "seen": "0" * 32},
        {"declare": ["on", "off"], "seen": ""},
    ],
)
def test_a_tampered_confirmation_is_refused_in_words(client, qualified, posted):
    application = start(client, qualified, HITECH)
    ready(client, application)
    response = client.post(edit_url(application), {"action": "send", **posted}, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.declared_at is None


def test_the_service_refuses_a_bad_contact_in_words(qualified):
    application = services.application_start(
        user=qualified, item=IncentiveItem.objects.get(key=HITECH)
    )
    with pytest.raises(services.ApplicationError, match=r"手机|mobile"):
        services.application_details_save(
            application=application,
            user=qualified,
            contact_name="王经理",
            contact_phone="0315-0000000",
            requested_amount=None,
        )
    team = services.application_start(user=qualified, item=IncentiveItem.objects.get(key=TEAM))
    with pytest.raises(services.ApplicationError, match=r"0"):
        services.application_details_save(
            application=team,
            user=qualified,
            contact_name="王经理",
            contact_phone="13812345678",
            requested_amount=Decimal(-1),
        )


def test_the_declaration_is_recorded_with_who_and_when(client, qualified):
    application = start(client, qualified, HITECH)
    confirmation = ready(client, application)
    response = send(client, application, confirmation)
    assert response["Location"] == reverse("applications:detail", args=[application.reference])
    application.refresh_from_db()
    assert application.declared_by == qualified
    assert abs(application.declared_at - application.submitted_at) < datetime.timedelta(seconds=5)
    assert application.declaration_text == str(DECLARATION_TEXT)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="case-declaration"' in page


def test_a_case_changed_after_it_was_shown_is_not_sent_unseen(client, qualified):
    application = start(client, qualified, HITECH)
    confirmation = ready(client, application)
    client.post(
        edit_url(application),
        post_data(application, contact_name="李会计", contact_phone="0315-2345678"),
    )
    response = send(client, application, confirmation)
    assert response["Location"] == f"{edit_url(application)}?step=confirm"
    application.refresh_from_db()
    assert application.state == State.DRAFT
    # Seen again, it goes.
    send(client, application, client.get(response["Location"]))
    application.refresh_from_db()
    assert application.state == State.SUBMITTED and application.contact_name == "李会计"


def test_the_case_page_and_the_step_url_do_not_send_around_the_confirmation(client, qualified):
    application = start(client, qualified, HITECH)
    ready(client, application)
    page = client.get(reverse("applications:detail", args=[application.reference])).content
    assert b"?step=confirm" in page  # the case page's 提交 leads to the confirmation
    response = client.post(reverse("applications:act", args=[application.reference, "submit"]))
    assert response["Location"] == f"{edit_url(application)}?step=confirm"
    application.refresh_from_db()
    assert application.state == State.DRAFT


def test_the_service_sends_only_with_the_declaration_and_still_asks_the_money_checks(
    qualified, make_user
):
    item = IncentiveItem.objects.get(key=HITECH)
    application = services.application_start(user=qualified, item=item)
    attach_all(application, qualified)
    services.application_details_save(
        application=application,
        user=qualified,
        contact_name="王经理",
        contact_phone="13812345678",
        requested_amount=None,
    )
    seen = sending.application_fingerprint(application)
    with pytest.raises(services.ApplicationError, match="承诺书"):
        services.application_send(
            application_id=application.pk, user=qualified, declared=False, seen=seen
        )
    other = make_user(Role.ENTERPRISE, is_enterprise_admin=True)
    with pytest.raises(services.ApplicationError):
        services.application_send(
            application_id=application.pk, user=other, declared=True, seen=seen
        )
    # The item's money checks still decide: a case outside the item's region is refused.
    type(application.enterprise).objects.filter(pk=application.enterprise_id).update(
        city=factories.Region.objects.get(name="廊坊市")
    )
    with pytest.raises(services.ApplicationError):
        services.application_send(
            application_id=application.pk, user=qualified, declared=True, seen=seen
        )
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.declared_at is None


def test_a_supplement_is_resubmitted_through_the_confirmation(client, submitted, reviewer):
    services.transition(
        application_id=submitted.pk, user=reviewer, action="request_supplement", comment="补扫描件"
    )
    owner = submitted.enterprise.users.first()
    client.force_login(owner)
    confirmation = ready(client, submitted)
    assert escape(_("Confirm and resubmit")) in confirmation.content.decode()
    send(client, submitted, confirmation)
    submitted.refresh_from_db()
    assert submitted.state == State.RESUBMITTED and submitted.declared_by == owner


# 5. Refused uploads lose nothing ---------------------------------------------------------------


def test_a_refused_upload_keeps_every_other_chosen_file(client, qualified):
    application = start(client, qualified, HITECH)
    first, second = application.item.materials
    files = {
        first: SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf"),
        second: SimpleUploadedFile("证书.pdf", b"<html>not a pdf</html>", "application/pdf"),
    }
    response = client.post(
        edit_url(application),
        post_data(application, files=files, contact_name="王经理", contact_phone="13812345678"),
    )
    assert response.status_code == 200
    # The valid file is saved and attached; the refused one says why beside its own field.
    assert list(application.materials.values_list("label", "file__original_name")) == [
        (first, "执照.pdf")
    ]
    forms = response.context["materials"]
    assert not forms[0].errors
    assert forms[1].errors["upload"] and "HTML" in forms[1].errors["upload"][0]
    page = response.content.decode()
    refused_card = page[page.index('data-testid="material-1"') :]
    assert "HTML" in refused_card[: refused_card.index("</div></div>")]
    assert "执照.pdf" in page  # shown as attached
    application.refresh_from_db()
    assert application.contact_name == "王经理"  # and what was typed is kept


def test_several_valid_uploads_are_all_kept_when_a_claim_field_is_wrong(client, qualified):
    application = start(client, qualified, "ts2019-tech-transfer-enterprise")
    response = client.post(
        edit_url(application),
        post_data(application, files=pdfs(application), claim={"contract_amount": "-1"}),
    )
    assert response.status_code == 200
    assert response.context["claim"].errors
    assert application.materials.count() == len(application.item.materials)


# 6. The enterprise's case page -----------------------------------------------------------------


def sent_case(client, qualified, key=HITECH, **details):
    application = start(client, qualified, key)
    send(client, application, ready(client, application, **details))
    application.refresh_from_db()
    return application


def test_the_case_page_shows_materials_amounts_bureau_and_expected_decision(client, qualified):
    application = sent_case(client, qualified, TEAM, requested_amount="40")
    bureau = application.lead_bureaus.get()
    bureau.phone = "0315-0000000"  # a placeholder is never shown
    bureau.save(update_fields=["phone"])
    page = client.get(reverse("applications:detail", args=[application.reference])).content
    page = page.decode()
    assert "40万元" in page  # requested
    assert 'data-testid="approved-amount"' in page
    assert bureau.name in page and "0315-0000000" not in page
    for material in application.materials.all():
        assert material.file.original_name in page
        assert reverse("applications:file", args=[material.file_id]) in page
        download = client.get(reverse("applications:file", args=[material.file_id]))
        assert download.status_code == 200
    expected = casework.calendar().add_working_days(
        clock.today(), casework.processing_days(application.item)
    )
    assert expected.isoformat() in page

    bureau.phone = "0315-2801234"
    bureau.save(update_fields=["phone"])
    page = client.get(reverse("applications:detail", args=[application.reference])).content
    assert "0315-2801234" in page.decode()


def test_the_expected_decision_counts_working_days_with_the_holiday_table(client, qualified):
    application = sent_case(client, qualified)
    before = sending.decision_expected(application).on
    day = clock.today() + datetime.timedelta(days=1)
    while day.weekday() >= 5 or Holiday.objects.filter(date=day).exists():
        day += datetime.timedelta(days=1)
    Holiday.objects.create(date=day, name="测试假日")
    after = sending.decision_expected(application).on
    assert after > before  # one working day fewer in the window: the date moves on


def test_after_acceptance_the_expected_decision_is_the_deadline(client, qualified, reviewer):
    application = sent_case(client, qualified)
    services.transition(application_id=application.pk, user=reviewer, action="accept")
    application.refresh_from_db()
    expected = sending.decision_expected(application)
    assert expected.on == application.deadline and expected.counted_from == "accepted"
    page = client.get(reverse("applications:detail", args=[application.reference])).content
    assert application.deadline.isoformat() in page.decode()


# 7. 申报 → 继续申报 / 查看申报 ---------------------------------------------------------------


def item_page(client, key):
    return client.get(reverse("incentives:item", args=[key])).content.decode()


def test_the_apply_button_says_continue_or_view_and_goes_to_the_case(client, qualified):
    client.force_login(qualified)
    page = item_page(client, HITECH)
    assert escape(_("Apply online")) in page
    application = start(client, qualified, HITECH)
    page = item_page(client, HITECH)
    assert escape(_("Continue the application")) in page
    assert f'href="{edit_url(application)}"' in page and application.reference in page
    send(client, application, ready(client, application))
    page = item_page(client, HITECH)
    assert escape(_("View the application")) in page
    assert f'href="{reverse("applications:detail", args=[application.reference])}"' in page


def test_applying_again_says_so_and_opens_the_case(client, qualified):
    application = start(client, qualified, HITECH)
    response = client.post(reverse("applications:start", args=[HITECH]), follow=True)
    assert response.redirect_chain[0][0] == edit_url(application)
    assert application.reference in response.content.decode()
    assert Application.objects.filter(enterprise=qualified.enterprise).count() == 1
    send(client, application, ready(client, application))
    response = client.post(reverse("applications:start", args=[HITECH]))
    assert response["Location"] == reverse("applications:detail", args=[application.reference])


# 8. Case numbers -------------------------------------------------------------------------------


def test_new_cases_get_readable_numbers_in_sequence(client, qualified, make_user):
    first = start(client, qualified, HITECH)
    other = factories.newly_certified_admin(make_user)
    second = start(client, other, HITECH)
    year = clock.today().year
    assert NUMBER.match(first.reference) and NUMBER.match(second.reference)
    assert first.reference.startswith(f"唐山-{year}-")
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1
    page = client.get(reverse("applications:detail", args=[second.reference]))
    assert page.status_code == 200 and second.reference in page.content.decode()


def test_earlier_case_numbers_stay_valid(client, qualified):
    item = IncentiveItem.objects.get(key=HITECH)
    old = Application.objects.create(
        reference="SQA7E20B8C82A8",
        enterprise=qualified.enterprise,
        item=item,
        period="2025",
        state=State.WITHDRAWN,
        created_by=qualified,
    )
    client.force_login(qualified)
    assert client.get(reverse("applications:detail", args=[old.reference])).status_code == 200
    new = start(client, qualified, HITECH)
    assert NUMBER.match(new.reference)
    old.refresh_from_db()
    assert old.reference == "SQA7E20B8C82A8"


def test_a_number_taken_by_an_import_is_skipped(qualified, make_user):
    item = IncentiveItem.objects.get(key=HITECH)
    first = services.application_start(user=qualified, item=item)
    taken = f"{first.reference[:-6]}{int(first.reference[-6:]) + 1:06d}"
    Application.objects.create(
        reference=taken,
        enterprise=qualified.enterprise,
        item=item,
        period="2020",
        state=State.WITHDRAWN,
        created_by=qualified,
    )
    other = factories.newly_certified_admin(make_user)
    second = services.application_start(user=other, item=item)
    assert second.reference not in (first.reference, taken)
    assert NUMBER.match(second.reference)


@pytest.mark.postgres
def test_cases_started_at_the_same_moment_get_distinct_numbers(transactional_db, make_user):
    call_command("load_catalogue", verbosity=0)
    item = IncentiveItem.objects.get(key=HITECH)
    users = [factories.newly_certified_admin(make_user) for _ in range(6)]
    barrier = threading.Barrier(len(users))
    errors = []

    def run(user):
        try:
            barrier.wait()
            services.application_start(user=user, item=item)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    numbers = sorted(Application.objects.filter(item=item).values_list("reference", flat=True))
    assert len(numbers) == len(set(numbers)) == len(users)
    sequence = [int(n[-6:]) for n in numbers]
    assert sequence == list(range(sequence[0], sequence[0] + len(users)))


def test_the_bureau_sees_the_amount_requested_and_the_contact(client, qualified, reviewer):
    application = sent_case(client, qualified, TEAM, requested_amount="60")
    client.force_login(reviewer)
    page = client.get(reverse("applications:detail", args=[application.reference])).content
    page = page.decode()
    assert "60万元" in page and "13812345678" in page
    assert Bureau.objects.filter(pk=reviewer.bureau_id).exists()


def test_an_offer_is_confirmed_through_the_same_confirmation(client, qualified, hitech_item):
    hitech_item.delivery = "no_application"
    hitech_item.save(update_fields=["delivery"])
    matching.enterprise_recompute(enterprise_id=qualified.enterprise_id)
    assert services.applications_offer() == 1
    offer = Application.objects.get(enterprise=qualified.enterprise, item=hitech_item)
    assert NUMBER.match(offer.reference)  # offers are numbered the same way
    client.force_login(qualified)
    response = client.post(
        edit_url(offer),
        post_data(
            offer,
            files=pdfs(offer),
            action="confirm",
            contact_name="王经理",
            contact_phone="13812345678",
        ),
    )
    assert response.status_code == 200  # no bank account yet: said, not sent
    assert any(
        _("Give the bank account the money is paid to.") in p for p in response.context["problems"]
    )
    response = client.post(
        edit_url(offer),
        post_data(
            offer,
            action="confirm",
            contact_name="王经理",
            contact_phone="13812345678",
            bank_account="6222 0000 1111 2222",
        ),
    )
    confirmation = client.get(response["Location"])
    assert "6222 0000 1111 2222" in confirmation.content.decode()
    send(client, offer, confirmation)
    offer.refresh_from_db()
    assert offer.state == State.SUBMITTED and offer.bank_account == "6222 0000 1111 2222"
    assert offer.declared_by == qualified
