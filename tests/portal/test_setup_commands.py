"""The run command's data steps: load_catalogue and load_demo, twice without harm."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.models import User
from enterprises.models import Enterprise, Qualification, YearlyFigures
from organisations.models import Bureau, BureauAlias, Region


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Region, Bureau, BureauAlias, Enterprise, Qualification, YearlyFigures, User)
    }


def test_loading_twice_creates_nothing_new(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_catalogue")
    call_command("load_demo")
    first = _counts()
    call_command("load_catalogue")
    call_command("load_demo")
    assert _counts() == first
    # the demo accounts (two catalogue admins: four eyes; one enterprise awaiting verification)
    assert first["User"] == 8
    # The demo accounts' two enterprises and the drawn ones across 唐山, 廊坊 and 鹤壁.
    assert first["Enterprise"] == 2 + 240
    assert first["Qualification"] > 240
    assert first["YearlyFigures"] > 500
    assert "Demo enterprises: 240 across 唐山市 / 廊坊市 / 鹤壁市" in capsys.readouterr().out


def test_demo_accounts_are_printed_and_log_in(db, settings, capsys):
    settings.DEBUG = True
    call_command("load_catalogue")
    call_command("load_demo")
    out = capsys.readouterr().out
    for username, password in [
        ("qiye", "Qiye-demo-2026"),
        ("shenhe", "Shenhe-demo-2026"),
        ("kezhang", "Kezhang-demo-2026"),
        ("fukezhang", "Fukezhang-demo-2026"),
        ("guanli", "Guanli-demo-2026"),
        ("lingdao", "Lingdao-demo-2026"),
    ]:
        assert f"{username} / {password}" in out
        assert authenticate(username=username, password=password) is not None
    reviewer = User.objects.get(username="shenhe")
    assert str(reviewer.bureau) == "唐山市科学技术局"
    assert User.objects.get(username="kezhang").is_bureau_head
    assert User.objects.get(username="fukezhang").is_bureau_head


def test_catalogue_admin_may_edit_bureaus_in_the_admin(db, settings):
    settings.DEBUG = True
    call_command("load_catalogue")
    call_command("load_demo")
    admin = User.objects.get(username="guanli")
    assert admin.is_staff and not admin.is_superuser
    assert admin.has_perm("organisations.change_bureau")
    assert not User.objects.get(username="lingdao").has_perm("organisations.change_bureau")


def test_demo_data_is_refused_without_debug(db, settings):
    settings.DEBUG = False
    call_command("load_catalogue")
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


def test_bureau_aliases_name_the_same_bureau(organisations):
    alias = BureauAlias.objects.get(city__name="唐山市", name="市科技局")
    assert alias.bureau.name == "市科学技术局"
