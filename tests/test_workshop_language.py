"""The learner's language comes from WORKSHOP_LANG, then the edition being run, then the system locale."""

from __future__ import annotations

import pytest

from workshop import language
from workshop.language import current_language, normalise


@pytest.mark.parametrize(("tag", "expected"), [
    ("pt-BR", "pt-BR"), ("pt_BR.UTF-8", "pt-BR"), ("pt", "pt-BR"), ("PT_br", "pt-BR"), ("Portuguese_Brazil", "pt-BR"),
    ("en_US.UTF-8", "en"), ("en", "en"), ("C", "en"), ("de_DE.UTF-8", None), ("", None), (None, None),
])
def test_tags_are_normalised(tag, expected):
    assert normalise(tag) == expected


@pytest.fixture
def clean(monkeypatch, tmp_path):
    for variable in ("WORKSHOP_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(language.sys, "argv", [str(tmp_path / "script.py")])
    monkeypatch.setattr(language.locale, "getlocale", lambda: (None, None))
    return monkeypatch


def test_english_when_nothing_says_otherwise(clean):
    assert current_language() == "en"


def test_the_system_locale_is_used_when_workshop_lang_is_unset(clean):
    clean.setenv("LANG", "pt_BR.UTF-8")
    assert current_language() == "pt-BR"
    clean.setenv("LANGUAGE", "de:en")
    assert current_language() == "en"


def test_a_windows_locale_is_understood(clean):
    clean.setattr(language.locale, "getlocale", lambda: ("Portuguese_Brazil", "1252"))
    assert current_language() == "pt-BR"


def test_the_portuguese_edition_speaks_portuguese(clean, tmp_path):
    clean.setenv("LANG", "en_US.UTF-8")
    (tmp_path / "pt-BR").mkdir()
    clean.chdir(tmp_path / "pt-BR")  # a pt-BR notebook's kernel
    assert current_language() == "pt-BR"


def test_workshop_lang_wins_over_everything(clean, tmp_path):
    clean.setenv("LANG", "pt_BR.UTF-8")
    clean.setenv("WORKSHOP_LANG", "en")
    assert current_language() == "en"
    clean.setenv("WORKSHOP_LANG", "klingon")  # unknown: English, never an error
    assert current_language() == "en"
