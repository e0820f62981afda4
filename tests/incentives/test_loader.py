"""Loading the catalogue files: all or nothing, twice without duplicates, admins' edits kept."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from incentives import services
from incentives.catalogue import files
from incentives.models import (
    Assignment,
    AwardRule,
    GoldenCase,
    IncentiveItem,
    Measure,
    PolicyDocument,
)


def _counts():
    return [
        m.objects.count()
        for m in (PolicyDocument, Measure, IncentiveItem, AwardRule, GoldenCase, Assignment)
    ]


def test_loading_again_changes_nothing(db):
    before = _counts()
    call_command("load_catalogue", verbosity=0)
    assert _counts() == before
    call_command("load_catalogue", "--update", verbosity=0)
    assert _counts() == before


def test_admin_edits_survive_a_plain_reload_but_not_an_update(db):
    item = IncentiveItem.objects.get(key="ts2019-hitech-new")
    item.summary = "管理员修改过的摘要"
    item.save(update_fields=["summary"])
    call_command("load_catalogue", verbosity=0)
    item.refresh_from_db()
    assert item.summary == "管理员修改过的摘要"
    call_command("load_catalogue", "--update", verbosity=0)
    item.refresh_from_db()
    assert item.summary != "管理员修改过的摘要"


def test_a_bureau_added_to_a_kept_documents_file_is_created_for_the_targets(db):
    """A database loaded before a file named a new unit: a plain reload adds the unit (and
    changes nothing else), so the targets that name it load."""
    from dashboard.models import Target
    from organisations.models import Bureau

    office = Bureau.objects.get(city__name="廊坊市", name="市开发区改革发展办公室")
    Target.objects.filter(lead_bureaus=office).delete()
    office.delete()
    before = _counts()
    call_command("load_catalogue", verbosity=0)
    assert Bureau.objects.filter(city__name="廊坊市", name="市开发区改革发展办公室").exists()
    assert _counts() == before
    assert Target.objects.get(key="lf2023-dev-zone-revenue-growth").lead_bureaus.count() == 3


def _broken_copy(tmp_path: Path, change) -> Path:
    source = files.DOCUMENTS_DIR / "000_tangshan_2019.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    target = tmp_path / "000_broken.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


def _hitech(data):
    return next(i for m in data["measures"] for i in m["items"] if i["key"] == "ts2019-hitech-new")


def test_a_file_with_a_wrong_golden_case_loads_nothing(db, tmp_path):
    path = _broken_copy(tmp_path, lambda d: _hitech(d)["rule"].update(amount=250000))
    PolicyDocument.objects.filter(key="tangshan-2019-15").delete()
    with pytest.raises(services.CatalogueError) as error:
        services.catalogue_load(paths=[path])
    assert any("ts2019-hitech-new" in p and "200000" in p for p in error.value.problems)
    assert not PolicyDocument.objects.filter(key="tangshan-2019-15").exists()


def test_a_file_naming_an_undeclared_bureau_is_refused(db, tmp_path):
    def change(data):
        data["measures"][0]["lead"] = ["市不存在局"]

    path = _broken_copy(tmp_path, change)
    with pytest.raises(services.CatalogueError) as error:
        services.catalogue_load(paths=[path], update=True)
    assert any("市不存在局" in p for p in error.value.problems)


def test_the_command_reports_problems_instead_of_crashing(db, tmp_path, monkeypatch):
    path = _broken_copy(tmp_path, lambda d: _hitech(d)["rule"].update(kind="bonus"))
    monkeypatch.setattr(files, "document_files", lambda: [path])
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_catalogue", "--update", verbosity=0)
