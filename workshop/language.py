"""The learner's language: WORKSHOP_LANG, else the edition being run (a pt-BR notebook or step), else the locale."""

from __future__ import annotations

import locale
import os
import sys
from pathlib import Path

ENGLISH = "en"
PORTUGUESE = "pt-BR"
SUPPORTED = (ENGLISH, PORTUGUESE)
# The folder that holds an edition's notebooks and step scripts (notebooks/pt-BR/, steps/pt-BR/).
EDITION_FOLDERS = {PORTUGUESE: PORTUGUESE}


def normalise(tag: str | None) -> str | None:
    """A language tag as people and systems write it ("pt_BR.UTF-8", "pt", "Portuguese_Brazil") -> "pt-BR"/"en"."""
    if not tag:
        return None
    base = tag.split(".")[0].split("@")[0].replace("_", "-").strip().lower()
    if base.startswith(("pt", "portuguese")):
        return PORTUGUESE  # Portugal's learners read Brazilian Portuguese better than English
    if base.startswith(("en", "english")) or base in ("c", "posix"):
        return ENGLISH
    return None


def _edition_being_run() -> str | None:
    """A pt-BR notebook's kernel runs in notebooks/pt-BR/; a pt-BR step script lives in steps/pt-BR/."""
    places = [Path.cwd()]
    if sys.argv and sys.argv[0]:
        places.append(Path(sys.argv[0]).resolve().parent)
    for place in places:
        for language, folder in EDITION_FOLDERS.items():
            if place.name == folder:
                return language
    return None


def _system_language() -> str | None:
    # LANGUAGE may list several ("pt_BR:en"); the first one we know wins.
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for tag in os.environ.get(variable, "").split(":"):
            found = normalise(tag)
            if found is not None and not (found == ENGLISH and tag.upper() in ("C", "POSIX", "C.UTF-8")):
                return found
    try:  # Windows sets no variables: ask the C library ("Portuguese_Brazil", "1252")
        return normalise(locale.getlocale()[0])
    except ValueError:
        return None


def current_language() -> str:
    """"en" or "pt-BR": WORKSHOP_LANG when set, else the edition being run, else the system's, else English."""
    chosen = os.environ.get("WORKSHOP_LANG", "").strip()
    if chosen:
        return normalise(chosen) or ENGLISH
    return _edition_being_run() or _system_language() or ENGLISH
