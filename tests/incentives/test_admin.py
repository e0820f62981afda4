"""Catalogue admins edit the catalogue in the admin site: every change lands in the history with
who made it, an item can be previewed, and its money (rule, conditions, limits) is read here and
changed only through the rule editor's proposals (tests/incentives/test_rule_editor.py); the
models still refuse a rule that breaks a golden case, whatever path it comes by."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from incentives.models import AwardRule, IncentiveItem


@pytest.fixture
def admin_client(client, make_user):
    user = make_user(Role.CATALOGUE_ADMIN, username="guanli-test")
    client.force_login(user)
    client.user = user
    return client


def _rule_form(rule: AwardRule, params: dict) -> dict:
    return {
        "item": rule.item_id,
        "params": json.dumps(params, ensure_ascii=False),
        "effective_from": rule.effective_from.isoformat() if rule.effective_from else "",
        "effective_to": "",
        "clause": rule.clause,
        "_save": "Save",
    }


def hitech_rule() -> AwardRule:
    return IncentiveItem.objects.get(key="ts2019-hitech-new").rules.get()


def test_catalogue_admin_sees_the_catalogue_in_the_admin(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    for url in (
        reverse("admin:incentives_incentiveitem_changelist"),
        reverse("admin:incentives_incentiveitem_change", args=[item.pk]),
        reverse("admin:incentives_policydocument_changelist"),
        reverse("admin:incentives_measure_import"),
        reverse("admin:incentives_incentiveitem_history", args=[item.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_a_rule_that_breaks_a_golden_case_is_refused_by_the_model_with_the_case_shown(db):
    """The guard under every path (loader, editor, proposals): the model's own check."""
    rule = hitech_rule()
    rule.params = {"kind": "fixed", "amount": 250000}
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    words = " ".join(refused.value.messages)
    assert "标准案例" in words and "将不再通过" in words and "250000" in words
    rule.refresh_from_db()
    assert rule.params == {"kind": "fixed", "amount": 200000}


def test_an_invalid_rule_is_refused_with_a_clear_message(db):
    rule = hitech_rule()
    rule.params = {"kind": "fixed"}
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "“amount”为必填项" in " ".join(refused.value.messages)


def test_a_rule_is_read_in_words_in_the_admin_and_changed_only_in_the_editor(admin_client):
    rule = hitech_rule()
    url = reverse("admin:incentives_awardrule_change", args=[rule.pk])
    page = admin_client.get(url)
    assert page.status_code == 200, "read, not edited"
    text = page.content.decode()
    assert "20万元" in text and '{"kind"' not in text
    assert (
        admin_client.post(url, _rule_form(rule, {"kind": "fixed", "amount": 1})).status_code == 403
    )
    rule.refresh_from_db()
    assert rule.params == {"kind": "fixed", "amount": 200000}


def test_item_edits_are_kept_in_the_history(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.summary = "新的摘要"
    item._change_reason = "校对原文"
    item.save(update_fields=["summary"])
    history = admin_client.get(reverse("admin:incentives_incentiveitem_history", args=[item.pk]))
    assert "校对原文" in history.content.decode()


def test_preview_evaluates_the_item_for_typed_in_facts(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-tech-transfer-enterprise")
    url = reverse("admin:incentives_incentiveitem_preview", args=[item.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "技术合同额" in page.content.decode()
    response = admin_client.post(
        url, {"on_date": "2024-06-01", "fact__contract_amount": "30000000"}
    )
    text = response.content.decode()
    assert "技术合同额 3,000万元 × 2% = 60万元（上限100万元）" in text


def test_leadership_may_not_edit_the_catalogue(client, make_user):
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get(reverse("admin:incentives_incentiveitem_changelist"))
    assert response.status_code == 302  # the admin site sends non-staff to its login


def test_annex_import_through_the_admin_dry_run_then_confirm(admin_client):
    from incentives.models import Assignment, Measure

    measure = Measure.objects.get(document__key="tangshan-2019-15", number="二（一）")
    csv = (
        "文件,任务,措施,牵头单位,责任单位,配合单位\n"
        "tangshan-2019-15,任务二,二（一）,市科技局、市财政局,市工业和信息化局,\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:incentives_measure_import")
    response = admin_client.post(
        url,
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile("annex.csv", csv, content_type="text/csv"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "市财政局" in page
    leads = list(
        Assignment.objects.filter(measure=measure, item__isnull=True, role="lead").values_list(
            "bureau__name", flat=True
        )
    )
    assert leads == ["市科学技术局"]  # the dry run saved nothing
    confirm = response.context["confirm_form"]
    response = admin_client.post(
        reverse("admin:incentives_measure_process_import"),
        {**confirm.initial, "resource": "0"},
    )
    assert response.status_code == 302
    leads = list(
        Assignment.objects.filter(measure=measure, item__isnull=True, role="lead")
        .order_by("position")
        .values_list("bureau__name", flat=True)
    )
    assert leads == ["市科学技术局", "市财政局"]


class _FormFields(__import__("html.parser").parser.HTMLParser):
    """Collects what a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, []).append(
                attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def _submitted(page: str) -> dict:
    import html

    parser = _FormFields()
    parser.feed(page.split('id="incentiveitem_form"', 1)[1].split("</form>", 1)[0])
    return {k: [html.unescape(v) for v in vs] for k, vs in parser.data.items()}


def test_saving_an_item_page_with_its_inlines_keeps_everything(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-first-set-insurance")
    url = reverse("admin:incentives_incentiveitem_change", args=[item.pk])
    data = _submitted(admin_client.get(url).content.decode())
    data["summary"] = ["首台套综合险保费补贴（校对后）"]
    data["_save"] = ["保存"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    item.refresh_from_db()
    assert item.summary == "首台套综合险保费补贴（校对后）"
    assert item.golden_cases.count() > 0 and item.rules.count() == 1


def test_the_item_page_does_not_change_a_condition_its_inline_only_shows(admin_client):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    url = reverse("admin:incentives_incentiveitem_change", args=[item.pk])
    page = admin_client.get(url).content.decode()
    data = _submitted(page)
    assert not any(k.startswith("conditions-0-") and k.endswith("-value") for k in data), (
        "the conditions are shown, not offered as fields"
    )
    assert reverse("admin:incentives_incentiveitem_editor", args=[item.pk]) in page
    data["conditions-0-value"] = ['"renewal"']
    data["_save"] = ["保存"]
    admin_client.post(url, data)
    assert item.conditions.filter(value="new").exists()
