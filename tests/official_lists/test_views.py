"""The pages: the bureau's lists, the upload with its errors, the dry run by outcome (paginated,
a bounded number of queries), confirming with ticks, withdrawing; another city's list is 404."""

import pytest
from django.urls import reverse

from accounts.models import BureauPosition, Role
from enterprises.models import FactSource
from official_lists.models import ListState, OfficialList
from tests import factories
from tests.official_lists.conftest import csv_file, new_code, row, upload

pytestmark = pytest.mark.django_db


def test_upload_reads_the_list_and_shows_the_dry_run(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("official_lists:upload"),
        {
            "title": "河北省高企名单",
            "batch": "冀科高〔2026〕3号",
            "file": csv_file([row(new_code(), "甲公司")]),
        },
    )
    listed = OfficialList.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{listed.pk}/")
    page = client.get(response["Location"])
    assert "甲公司" in page.content.decode() and page.context["may_confirm"] is False
    assert page.context["confirm_refusal"]  # the reviewer sees why the button is disabled


def test_an_unreadable_file_is_refused_beside_the_field(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("official_lists:upload"),
        {"title": "名单", "batch": "1号", "file": csv_file([["x"]], header=["名称"])},
    )
    assert response.status_code == 200
    assert "统一社会信用代码" in str(response.context["form"].errors["file"])
    assert not OfficialList.objects.exists()


def test_another_citys_list_is_no_list(client, reviewer, make_user):
    listed = upload(reviewer, [row(new_code(), "甲公司")])
    langfang = make_user(Role.BUREAU, city="廊坊市", bureau_position=BureauPosition.HEAD)
    client.force_login(langfang)
    for name in ("detail", "withdraw"):
        assert client.get(reverse(f"official_lists:{name}", args=[listed.pk])).status_code == 404
    assert client.post(reverse("official_lists:confirm", args=[listed.pk])).status_code == 404
    assert listed.pk not in [
        item.pk for item, _numbers in client.get(reverse("official_lists:index")).context["lists"]
    ]


def test_the_dry_run_page_by_outcome_in_bounded_queries(
    client, reviewer, django_assert_max_num_queries
):
    rows = [row(new_code(), f"公司{n}") for n in range(120)] + [row("bad", "坏")]
    listed = upload(reviewer, rows)
    client.force_login(reviewer)
    url = reverse("official_lists:detail", args=[listed.pk])
    with django_assert_max_num_queries(15):
        page = client.get(url, {"outcome": "new_enterprise", "page": "2"})
    assert len(page.context["page_obj"].object_list) == 50
    assert client.get(url, {"outcome": "invalid"}).context["page_obj"].object_list[0].number == 122
    assert client.get(url, {"outcome": "nonsense", "page": "x"}).status_code == 200


def test_the_head_confirms_with_a_tick_and_a_double_click_confirms_once(client, head):
    renamed = factories.enterprise(name="甲公司")
    listed = upload(head, [row(renamed.credit_code, "甲集团公司")])
    client.force_login(head)
    page = client.get(reverse("official_lists:detail", args=[listed.pk]))
    assert [r.number for r in page.context["mismatches"]] == [2]
    url = reverse("official_lists:confirm", args=[listed.pk])
    assert client.post(url, {"apply_anyway": ["2", "x"]}).status_code == 302
    second = client.post(url, {"apply_anyway": "2"}, follow=True)
    assert "已" in second.content.decode() or "already" in second.content.decode()
    assert renamed.qualifications.get().source == FactSource.VERIFIED
    listed.refresh_from_db()
    assert listed.state == ListState.CONFIRMED


def test_a_reviewer_cannot_confirm(client, reviewer):
    listed = upload(reviewer, [row(new_code(), "甲公司")])
    client.force_login(reviewer)
    assert client.post(reverse("official_lists:confirm", args=[listed.pk])).status_code == 403
    listed.refresh_from_db()
    assert listed.state == ListState.DRY_RUN


def test_withdrawal_needs_a_reason(client, reviewer):
    listed = upload(reviewer, [row(new_code(), "甲公司")])
    client.force_login(reviewer)
    url = reverse("official_lists:withdraw", args=[listed.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert client.post(url, {"reason": "文件有误"}).status_code == 302
    listed.refresh_from_db()
    assert listed.state == ListState.WITHDRAWN and listed.withdrawal_reason == "文件有误"


def test_the_bureau_home_links_to_the_lists(client, reviewer):
    client.force_login(reviewer)
    assert (
        reverse("official_lists:index")
        in client.get(reverse("portal:bureau_home")).content.decode()
    )


def test_the_file_keeps_a_harmless_name_and_invalid_rows_show_their_cells(client, reviewer):
    upload_ = csv_file([row("91130203BADCODE", "坏公司")], name="名单\u202etxt.exe.csv")
    client.force_login(reviewer)
    response = client.post(
        reverse("official_lists:upload"), {"title": "名单", "batch": "1号", "file": upload_}
    )
    listed = OfficialList.objects.get()
    assert "\u202e" not in listed.file_name and listed.file_name.endswith(".csv")
    page = client.get(response["Location"]).content.decode()
    assert "91130203BADCODE | 坏公司" in page


def test_the_lists_page_in_bounded_queries(client, reviewer, django_assert_max_num_queries):
    for n in range(4):
        upload(reviewer, [row(new_code(), f"公司{n}")])
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("official_lists:index"))
    assert len(page.context["lists"]) == 4


def test_the_effects_panel_refreshes_itself_while_pending(client, head):
    listed = upload(head, [row(new_code(), "甲公司")])
    OfficialList.objects.filter(pk=listed.pk).update(effects="pending")
    client.force_login(head)
    url = reverse("official_lists:detail", args=[listed.pk])
    panel = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="effects"' in panel and "hx-trigger" in panel and "<html" not in panel
    OfficialList.objects.filter(pk=listed.pk).update(effects="done")
    assert "hx-trigger" not in client.get(url, headers={"HX-Request": "true"}).content.decode()
