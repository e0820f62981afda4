"""Simplified Chinese by default, English by the language switch, and a complete translation."""

import gettext
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_pages_are_in_chinese_by_default(client, db):
    page = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "科技创新政策兑现平台" in page
    assert "谁在使用本平台" in page


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr,en;q=0.5", "zh-TW", ""])
def test_a_browser_in_another_language_still_gets_chinese(client, db, accept):
    """The portal is for Chinese cities: English only when the user picks it."""
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert '<html lang="zh-hans">' in page and "谁在使用本平台" in page


def test_a_language_cookie_not_offered_is_ignored(client, db):
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="zh-hans">' in page


def test_the_language_switch_gives_english_and_back(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("portal:home")}, follow=True
    )
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Who the portal is for" in page
    response = client.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": reverse("portal:home")},
        follow=True,
    )
    assert "谁在使用本平台" in response.content.decode()


def test_every_message_has_a_chinese_translation():
    catalog = polib.pofile(str(PO))
    missing = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert missing == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what Django reads; it must not lag behind the .po."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in polib.pofile(str(PO)).translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_login_page_renders_in_both_languages(client, db, language):
    client.cookies["django_language"] = language
    page = client.get(reverse("login")).content.decode()
    assert ("登录" if language == "zh-hans" else "Log in") in page
