"""The audit log: case steps and catalogue edits in one list in time order, saying who did what;
the same rows in the xlsx and csv exports; a download page for catalogue admins and leadership."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Role
from applications import services, workflow
from applications.models import State
from audit import log as audit_log
from incentives.models import IncentiveItem
from tests.applications import conftest as cases
from tests.incentives.test_admin import _submitted

# The case fixtures of tests/applications, used here by name.
qualified, reviewer, hitech_item = cases.qualified, cases.reviewer, cases.hitech_item


@pytest.fixture
def catalogue_admin(make_user):
    return make_user(Role.CATALOGUE_ADMIN, username="guanli-audit", full_name="王管理")


@pytest.fixture
def history(db, client, qualified, reviewer, hitech_item, catalogue_admin):
    """A case submitted by the enterprise, then an admin's edit of another item in the admin
    site, then the case accepted by the 科技局 reviewer."""
    start = timezone.now()
    application = services.application_start(user=qualified, item=hitech_item)
    cases.attach_all(application, qualified)
    services.transition(application_id=application.pk, user=qualified, action="submit")

    item = IncentiveItem.objects.get(key="ts2019-first-set-insurance")
    client.force_login(catalogue_admin)
    url = reverse("admin:incentives_incentiveitem_change", args=[item.pk])
    data = _submitted(client.get(url).content.decode())
    data["summary"] = ["首台套综合险保费补贴（审计测试）"]
    data["_save"] = ["保存"]
    assert client.post(url, data).status_code == 302
    client.logout()

    services.transition(application_id=application.pk, user=reviewer, action="accept")
    return {"start": start, "application": application, "item": item}


def _index(rows, predicate) -> int:
    matches = [n for n, row in enumerate(rows) if predicate(row)]
    assert len(matches) == 1, [rows[n] for n in matches]
    return matches[0]


def test_case_steps_and_an_admin_edit_appear_in_time_order_with_who_and_what(
    history, qualified, reviewer, catalogue_admin, django_assert_max_num_queries
):
    application, item = history["application"], history["item"]
    # One query per source model and per kind of name shown, however many rows there are.
    with django_assert_max_num_queries(25):
        rows = list(audit_log.audit_rows(since=history["start"]))

    assert [row.when for row in rows] == sorted(row.when for row in rows)
    case_event, catalogue_change = _("case event"), _("catalogue change")
    submit = _index(
        rows, lambda r: r.kind == case_event and r.change.endswith(str(State.SUBMITTED.label))
    )
    edit = _index(rows, lambda r: r.kind == catalogue_change and r.object.endswith(item.name))
    accept = _index(
        rows, lambda r: r.kind == case_event and r.change.endswith(str(State.ACCEPTED.label))
    )
    assert submit < edit < accept

    assert application.reference in rows[submit].object
    assert rows[submit].who == f"{qualified.full_name} ({qualified.username})"
    assert rows[accept].who == reviewer.username
    assert rows[accept].action == str(workflow.TRANSITIONS["accept"].label)

    change = rows[edit]
    assert change.who == "王管理 (guanli-audit)"
    assert change.action == _("changed")
    summary = capfirst(IncentiveItem._meta.get_field("summary").verbose_name)
    assert change.change.startswith(f"{summary}: ")
    assert change.change.endswith("→ 首台套综合险保费补贴（审计测试）")
    # Only what changed is listed, not the whole item.
    assert f"{capfirst(IncentiveItem._meta.get_field('name').verbose_name)}:" not in change.change


def test_a_period_leaves_out_what_came_before_and_after_it(history):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert list(audit_log.audit_rows(since=tomorrow)) == []
    rows = list(audit_log.audit_rows(since=history["start"], until=timezone.localdate()))
    assert any(row.kind == _("case event") for row in rows)
    assert all(row.when >= history["start"] for row in rows)


@pytest.mark.parametrize(
    "query",
    [
        {"since": "0001-01-01"},
        {"until": "9999-12-31"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_the_first_and_last_days_of_the_calendar_bound_nothing(
    client, history, catalogue_admin, query
):
    """Regression: the start of 0001-01-01 or the end of 9999-12-31 in UTC is out of a datetime's
    range (a 500 before); such a day leaves the period open on that side."""
    assert list(
        audit_log.audit_rows(**{k: datetime.date.fromisoformat(v) for k, v in query.items()})
    )
    client.force_login(catalogue_admin)
    response = client.get(reverse("audit:export"), {"format": "csv", **query})
    assert response.status_code == 200
    assert history["application"].reference in response.content.decode("utf-8-sig")


def _expected(since) -> list[list[str]]:
    return [
        [
            f"{audit_log.local_time(row.when):%Y-%m-%d %H:%M:%S}",
            row.who,
            row.kind,
            row.object,
            row.action,
            row.change,
            row.comment,
        ]
        for row in audit_log.audit_rows(since=since)
    ]


def test_csv_and_xlsx_exports_read_back_with_the_same_rows(history, tmp_path):
    today = timezone.localdate().isoformat()
    call_command(
        "export_audit_log", "--since", today, "--format", "csv", "--output", tmp_path / "log.csv"
    )
    call_command("export_audit_log", "--since", today, "--output", tmp_path / "log.xlsx")
    expected = _expected(timezone.localdate())
    assert any(history["application"].reference in row[3] for row in expected)

    with (tmp_path / "log.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, *from_csv = list(csv.reader(handle))
    assert header == audit_log.audit_headers()
    assert from_csv == expected

    sheet = openpyxl.load_workbook(tmp_path / "log.xlsx").active
    header, *from_xlsx = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == audit_log.audit_headers()
    from_xlsx = [
        [f"{when:%Y-%m-%d %H:%M:%S}", *(value or "" for value in rest)] for when, *rest in from_xlsx
    ]
    assert from_xlsx == expected


def test_a_comment_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
    history, reviewer, tmp_path
):
    services.transition(
        application_id=history["application"].pk,
        user=reviewer,
        action="request_supplement",
        comment='=HYPERLINK("http://evil.example")',
    )
    buffer = io.BytesIO()
    audit_log.audit_export(stream=buffer, format="xlsx", since=history["start"])
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    comments = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert comments[-1] == '=HYPERLINK("http://evil.example")'
    assert sheet.cell(row=sheet.max_row, column=7).data_type == "s"

    buffer = io.BytesIO()
    audit_log.audit_export(stream=buffer, format="csv", since=history["start"])
    assert "'=HYPERLINK" in buffer.getvalue().decode("utf-8-sig")


@pytest.mark.parametrize("role", [Role.CATALOGUE_ADMIN, Role.LEADERSHIP])
def test_admins_and_leadership_download_the_log(client, history, make_user, role):
    client.force_login(make_user(role))
    url = reverse("audit:export")

    page = client.get(url)
    assert page.status_code == 200
    nav = page.content.decode().split('data-testid="role-navigation"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{url}"' in nav

    since = timezone.localdate().isoformat()
    response = client.get(url, {"format": "csv", "since": since})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="audit-log-{since}-to-' in response["Content-Disposition"]
    assert history["application"].reference in response.content.decode("utf-8-sig")

    response = client.get(url, {"format": "xlsx", "since": since})
    assert response["Content-Type"] == audit_log.CONTENT_TYPES["xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == len(_expected(timezone.localdate())) + 1


def test_enterprise_users_are_refused_and_visitors_sent_to_log_in(client, make_user, db):
    url = reverse("audit:export")
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(make_user(Role.ENTERPRISE))
    assert client.get(url, {"format": "csv"}).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"format": "csv", "since": "2026-13-45"}, "since"),
        ({"format": "xlsx", "since": "yesterday"}, "since"),
        ({"format": "pdf", "since": "2026-01-01"}, "format"),
        ({"format": "csv", "since": "2026-03-01", "until": "2026-02-01"}, "__all__"),
    ],
)
def test_a_bad_request_shows_the_form_with_the_error(client, make_user, db, query, field):
    client.force_login(make_user(Role.CATALOGUE_ADMIN))
    response = client.get(reverse("audit:export"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert str(errors[field][0]) in response.content.decode()
