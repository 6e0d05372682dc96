"""Maintainers: refresh the chat functions' catalog (lambda_functions/locale/) and say what is left to translate.

    python -m workshop.chat_catalog          extract the texts of lambda_functions/*.py, update chat.po, compile chat.mo
    python -m workshop.chat_catalog --check  change nothing; exit 1 if a text lacks a translation or chat.mo is stale

After a refresh, translate the entries it lists (empty or fuzzy) in chat.po and run it again to compile.
"""

from __future__ import annotations

import argparse
import gettext
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .packaging import FUNCTIONS_DIR

DOMAIN = "chat"
# gettext's folder names: one per language the chat speaks besides English (the source text)
LOCALES = ("pt_BR",)
# {name}, {name!r}, {count:d}: what .format() fills in, which a translation must keep
PLACEHOLDER = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")
# {"action": "setName", ...}: the protocol's action names, which a translation must not translate
ACTION = re.compile(r'"action": "\w+"')


def po_path(locale: str, functions_dir: Path = FUNCTIONS_DIR) -> Path:
    return functions_dir / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def template(functions_dir: Path = FUNCTIONS_DIR) -> Catalog:
    """Every text the functions translate, from their _(), ngettext() and N_() calls."""
    catalog = Catalog(project="serverless-chat-workshop", domain=DOMAIN, fuzzy=False)
    for source in sorted(functions_dir.glob("*.py")):
        for line, message, comments, context in extract_from_file("python", source):
            catalog.add(message, locations=[(source.name, line)], auto_comments=comments, context=context)
    return catalog


def ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def problems(translated: Catalog, source: Catalog) -> list[str]:
    """What keeps `translated` from covering `source`: missing, empty or fuzzy entries, changed placeholders."""
    found = []
    for message in source:
        if not message.id:
            continue
        entry = translated.get(message.id, message.context)
        label = repr(ids(message)[0])
        if entry is None:
            found.append(f"{label} is not in the catalog (refresh it)")
        elif entry.fuzzy or not all(strings(entry)):
            found.append(f"{label} has no translation" + (" (fuzzy: check it, then remove the flag)" if entry.fuzzy else ""))
        else:
            wanted = {name for text in ids(message) for name in PLACEHOLDER.findall(text)}
            for text in strings(entry):
                if set(PLACEHOLDER.findall(text)) != wanted:
                    found.append(f"{label}: the translation {text!r} must use the placeholders {sorted(wanted)}")
                if set(ACTION.findall(text)) != {action for msgid in ids(message) for action in ACTION.findall(msgid)}:
                    found.append(f"{label}: the translation {text!r} must keep the JSON actions as they are")
    return found


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def mo_matches(po_file: Path) -> bool:
    """Whether chat.mo holds exactly what chat.po says (it is what the functions read)."""
    mo_file = po_file.with_suffix(".mo")
    if not mo_file.is_file():
        return False
    with po_file.open("rb") as handle:
        expected = gettext.GNUTranslations(io.BytesIO(compiled(read_po(handle))))._catalog
    with mo_file.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog == expected


def refresh(locale: str, source: Catalog, functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    """Bring chat.po up to date with the source texts, compile chat.mo, and return what is left to translate."""
    po_file = po_path(locale, functions_dir)
    if po_file.is_file():
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        source.creation_date = catalog.creation_date  # an unchanged catalog stays byte-for-byte the same
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, project=source.project, fuzzy=False)
        po_file.parent.mkdir(parents=True, exist_ok=True)
    catalog.update(source)
    with po_file.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True, include_previous=True,
                 include_lineno=False)  # file names only: editing a handler does not touch the catalog
    po_file.with_suffix(".mo").write_bytes(compiled(catalog))
    return problems(catalog, source)


def check(locale: str, source: Catalog, functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    po_file = po_path(locale, functions_dir)
    if not po_file.is_file():
        return [f"{po_file} is missing: run python -m workshop.chat_catalog"]
    with po_file.open("rb") as handle:
        found = problems(read_po(handle, locale=locale), source)
    if not mo_matches(po_file):
        found.append(f"{po_file.with_suffix('.mo').name} is not compiled from {po_file.name}: "
                     "run python -m workshop.chat_catalog")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop.chat_catalog", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is left to do")
    arguments = parser.parse_args(argv)
    source = template()
    left = 0
    for locale in LOCALES:
        found = check(locale, source) if arguments.check else refresh(locale, source)
        where = po_path(locale).relative_to(FUNCTIONS_DIR.parent)
        print(f"{where}: {len(source)} texts, " + (f"{len(found)} to fix:" if found else "all translated"))
        for problem in found:
            print(f"  - {problem}")
        left += len(found)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
