"""The chat functions' catalog: every text translated with its placeholders, chat.mo compiled from chat.po, the refresh command."""

from __future__ import annotations

import ast
import gettext
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from workshop import chat_catalog
from workshop.packaging import FUNCTIONS_DIR, PackagingError, build_zip

PO = FUNCTIONS_DIR / "locale" / "pt_BR" / "LC_MESSAGES" / "chat.po"


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale="pt_BR")


def test_every_text_the_functions_say_has_a_portuguese_translation_with_the_same_placeholders():
    source = chat_catalog.template()
    # the extraction sees every module's texts (a catalog of nothing would pass trivially)
    for text in ("{name} joined the chat", "Here now: {names}.", "Unknown action {action}.",
                 "Nobody called {name} is in the chat. The members list shows who is here.", "You are {name}."):
        assert source.get(text) is not None, text
    assert chat_catalog.problems(read(PO), source) == []


def test_the_compiled_catalog_holds_exactly_what_the_po_file_says():
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    translated = [message for message in read(PO) if message.id]
    assert len(translated) >= 30
    for message in translated:
        if isinstance(message.id, tuple):
            for count, form in ((1, 0), (2, 2), (1_000_000, 1)):
                assert compiled.ngettext(*message.id, count) == message.string[form]
        else:
            assert compiled.gettext(message.id) == message.string
    assert chat_catalog.mo_matches(PO)


def catalog_with(msgid, msgstr, fuzzy=False) -> Catalog:
    catalog = Catalog(locale="pt_BR")
    catalog.add(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])
    return catalog


@pytest.mark.parametrize("msgid, translated, complaint", [
    ("{name} left the chat", None, "is not in the catalog"),
    ("{name} left the chat", catalog_with("{name} left the chat", ""), "has no translation"),
    ("{name} left the chat", catalog_with("{name} left the chat", "{name} saiu", fuzzy=True), "fuzzy"),
    ("{name} left the chat", catalog_with("{name} left the chat", "{nome} saiu do chat"), "placeholders ['name']"),
    ('Choose a name, for example {"action": "setName"}.',
     catalog_with('Choose a name, for example {"action": "setName"}.', 'Escolha, por exemplo {"ação": "definirNome"}.'),
     "JSON actions"),
])
def test_a_missing_or_broken_translation_is_reported(msgid, translated, complaint):
    source = Catalog()
    source.add(msgid)
    found = chat_catalog.problems(translated or Catalog(locale="pt_BR"), source)
    assert len(found) == 1 and complaint in found[0]


def test_the_refresh_adds_a_new_text_to_translate_and_leaves_an_unchanged_catalog_alone(tmp_path):
    functions = tmp_path / "lambda_functions"
    shutil.copytree(FUNCTIONS_DIR, functions, ignore=shutil.ignore_patterns("__pycache__"))
    po = chat_catalog.po_path("pt_BR", functions)

    assert chat_catalog.refresh("pt_BR", chat_catalog.template(functions), functions) == []
    assert po.read_bytes() == PO.read_bytes()  # refreshing an up-to-date catalog changes nothing

    handler = functions / "send_public.py"
    handler.write_text(handler.read_text(encoding="utf-8") + '\n\nNOTICE = _("The chat closes at {hour}.")\n',
                       encoding="utf-8")
    left = chat_catalog.refresh("pt_BR", chat_catalog.template(functions), functions)
    assert left == ["'The chat closes at {hour}.' has no translation"]
    assert read(po).get("The chat closes at {hour}.") is not None
    assert chat_catalog.check("pt_BR", chat_catalog.template(functions), functions) == left


def test_the_command_line_check_passes_on_the_repository():
    done = subprocess.run([sys.executable, "-m", "workshop.chat_catalog", "--check"], capture_output=True, text=True,
                          cwd=FUNCTIONS_DIR.parent, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chat.po: " in done.stdout and "all translated" in done.stdout


def test_the_functions_import_nothing_of_the_workshop_or_the_local_cloud():
    for module in FUNCTIONS_DIR.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name for name in imported if name.split(".")[0] in ("workshop", "local_cloud")}, module.name


def test_every_zip_carries_the_compiled_catalog_and_a_missing_one_is_a_clear_error(tmp_path):
    functions = tmp_path / "lambda_functions"
    shutil.copytree(FUNCTIONS_DIR, functions, ignore=shutil.ignore_patterns("__pycache__"))
    mo = PO.with_suffix(".mo")
    with zipfile.ZipFile(io.BytesIO(build_zip("sendBot"))) as archive:
        assert archive.read("locale/pt_BR/LC_MESSAGES/chat.mo") == mo.read_bytes()

    chat_catalog.po_path("pt_BR", functions).with_suffix(".mo").unlink()
    with pytest.raises(PackagingError, match=r"chat\.mo is missing.*python -m workshop\.chat_catalog"):
        build_zip("sendBot", functions)


def words_in(text: ast.expr) -> bool:
    """Whether a message argument holds words of its own: a literal, or an f-string with text beside its {}."""
    if isinstance(text, ast.Constant):
        return True
    return isinstance(text, ast.JoinedStr) and any(
        isinstance(part, ast.Constant) and part.value.strip() for part in text.values)


def test_no_text_for_people_skips_the_translation():
    """A literal or an f-string given straight to ChatError or system_message would reach everyone in English."""
    untranslated = []
    for module in FUNCTIONS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            texts = node.args[1:2] if called == "ChatError" else node.args[:1] if called == "system_message" else []
            untranslated += [f"{module.name}:{node.lineno}" for text in texts if words_in(text)]
    assert untranslated == []
