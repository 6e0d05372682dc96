"""Translations of what a learner reads: gettext over workshop/locale/, in the learner's language."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from workshop.language import ENGLISH, current_language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "workshop"


@cache
def translation(language: str) -> gettext.NullTranslations:
    """The catalog for "en" or "pt-BR"; English is the source text, so it needs none."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    # gettext names folders with underscores (pt_BR); a missing catalog falls back to English
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language.replace("-", "_")], fallback=True)


def _(message: str) -> str:
    """The message in the learner's language, chosen when it is shown (WORKSHOP_LANG may change between calls)."""
    return translation(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for count, in the learner's language."""
    return translation(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; translate it with _() where it is shown."""
    return message
