"""The workshop speaks English and Brazilian Portuguese: every message translated, catalogs current, nothing unwrapped."""

from __future__ import annotations

import ast
import contextlib
import gettext
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKSHOP = PROJECT_ROOT / "workshop"
LOCALE = WORKSHOP / "locale"
POT = LOCALE / "workshop.pot"
PO = LOCALE / "pt_BR" / "LC_MESSAGES" / "workshop.po"
MO = LOCALE / "pt_BR" / "LC_MESSAGES" / "workshop.mo"

# Calls whose string arguments the learner reads (besides print(), raise and return).
SHOWN_BY = {"ok", "fail", "line", "heading", "expect", "note", "problem", "show", "say", "add", "append",
            "UsageError", "ArgumentParser", "add_argument", "add_parser"}
WRAPPERS = {"_", "N_", "ngettext"}
# Two words in a row: prose a learner reads (a color name, a separator or a lone placeholder is not).
PROSE = re.compile(r"[A-Za-z]{2,}[ ',]+[A-Za-z]{2,}")
# Texts that stay English on purpose: (file, text) -> why.
ALLOWED = {
    ("chat_client.py", "/to "): "a chat command as the user types it, the same in every language",
    ("chat_client.py", "/bot "): "a chat command as the user types it, the same in every language",
    ("chat_client.py", "/name "): "a chat command as the user types it, the same in every language",
    ("cli.py", "python -m workshop"): "a command name (argparse's prog)",
    ("cli.py", "python -m workshop lab"): "a command name (argparse's prog)",
    ("demo.py", "python -m workshop demo"): "a command name (argparse's prog)",
    ("demo.py", "    make chat NAME=Ana ARGS=\"--url \""): "a command the learner types",
    ("demo.py", "    python -m workshop chat --url  --name Ana"): "a command the learner types",
    ("chat_client.py", "python -m workshop chat"): "a command name (argparse's prog)",
    ("cli.py", "python -m workshop class"): "a command name (argparse's prog)",
    ("checks.py", "<CheckResult step : / passed>"): "a repr, for developers (a notebook shows the report instead)",
}
# Maintainers' commands, not a learner's: they speak English, like the code they check.
MAINTAINER_TOOLS = {
    "editions.py": "python -m workshop.editions compares the editions' code, for whoever edits a step",
    "chat_catalog.py": "python -m workshop.chat_catalog refreshes the chat functions' catalog, for translators",
}


def placeholders(text: str) -> list[str]:
    """The {name} fields and %-conversions of a message: a translation must keep every one of them."""
    fields = []
    with contextlib.suppress(ValueError):  # a %-format message (argparse's) may hold a lone brace
        fields = [name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None]
    return sorted(fields + re.findall(r"%(?:\(\w+\))?[sdr]", text))


def read_catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _forms(text) -> tuple:
    """A message's text as a tuple of forms (one, or one per plural form)."""
    return (text,) if isinstance(text, str) else tuple(text)


def message_ids(catalog) -> set:
    return {message.id if isinstance(message.id, str) else tuple(message.id) for message in catalog if message.id}


# -- the catalogs ------------------------------------------------------------------------------

def test_every_message_has_a_portuguese_translation_with_the_same_placeholders():
    po = read_catalog(PO)
    problems = []
    for message in read_catalog(POT):
        if not message.id:
            continue
        found = po.get(message.id)
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        if found is None:
            problems.append(f"not in the .po: {ids[0]!r}")
            continue
        forms = [found.string] if isinstance(found.string, str) else list(found.string)
        if found.fuzzy or not all(forms):
            problems.append(f"{'fuzzy' if found.fuzzy else 'untranslated'}: {ids[0]!r}")
            continue
        for form in forms:
            if placeholders(form) != placeholders(ids[-1]):
                problems.append(f"placeholders differ: {ids[-1]!r} -> {form!r}")
    assert not problems, "run `make translations`, then translate in workshop.po:\n" + "\n".join(problems)


def test_the_pot_holds_exactly_the_messages_of_the_code(tmp_path):
    extracted = tmp_path / "workshop.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "--no-location", "--sort-output",
                    "-F", str(LOCALE / "babel.cfg"), "-o", str(extracted), "workshop"],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    in_code, committed = message_ids(read_catalog(extracted)), message_ids(read_catalog(POT))
    assert in_code == committed, (
        f"run `make translations`: new in the code {sorted(map(str, in_code - committed))}, "
        f"gone from the code {sorted(map(str, committed - in_code))}")


def test_the_compiled_catalog_matches_the_po():
    with MO.open("rb") as handle:
        compiled = read_mo(handle)
    stale = [str(message.id) for message in read_catalog(PO) if message.id and not message.fuzzy
             and (compiled.get(message.id) is None or _forms(compiled.get(message.id).string) != _forms(message.string))]
    assert not stale, "workshop.mo is stale: run `make translations` and commit it:\n" + "\n".join(stale)
    # and gettext, which the workshop uses, reads it: a plural too
    with MO.open("rb") as handle:
        portuguese = gettext.GNUTranslations(handle)
    assert portuguese.gettext("Legend:") == "Legenda:"
    assert portuguese.ngettext("Step {step} needs {things}, which is not there: run notebook {notebooks} first.",
                               "Step {step} needs {things}, which are not there: run notebooks {notebooks} first.",
                               2).endswith("execute primeiro os notebooks {notebooks}.")


# -- nothing a learner reads escapes the catalog -----------------------------------------------

def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _unwrapped_texts(node: ast.AST):
    """String literals (and f-strings' literal parts) inside node that no _()/ngettext()/N_() wraps."""
    if isinstance(node, ast.Call) and _call_name(node) in WRAPPERS:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
        return
    if isinstance(node, ast.JoinedStr):
        yield "".join(part.value for part in node.values if isinstance(part, ast.Constant))
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                yield from _unwrapped_texts(part.value)
        return
    for child in ast.iter_child_nodes(node):
        yield from _unwrapped_texts(child)


def unwrapped_messages(path: Path) -> list[tuple[int, str]]:
    """(line, text) of each prose literal that print(), raise, return or a showing call receives unwrapped."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        shown: list[ast.AST] = []
        if isinstance(node, ast.Call) and _call_name(node) in {"print", *SHOWN_BY}:
            shown = [*node.args, *(k.value for k in node.keywords if k.arg in ("help", "description", None))]
            if _call_name(node) in ("ArgumentParser", "add_parser"):
                shown += [k.value for k in node.keywords if k.arg == "prog"]
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            shown = [*node.exc.args]
        elif isinstance(node, ast.Return) and node.value is not None:
            shown = [node.value]
        for argument in shown:
            for text in _unwrapped_texts(argument):
                if PROSE.search(text) and (path.name, text) not in ALLOWED:
                    found.append((getattr(argument, "lineno", node.lineno), text))
    return found


def test_what_the_workshop_prints_or_raises_goes_through_the_catalog():
    found = [f"workshop/{path.relative_to(WORKSHOP)}:{line}: {text!r}"
             for path in sorted(WORKSHOP.rglob("*.py")) if path.name not in MAINTAINER_TOOLS
             for line, text in unwrapped_messages(path)]
    assert not found, "wrap these in _() (or add them to ALLOWED with a reason):\n" + "\n".join(found)


# _(variable) translates a text marked elsewhere: (file, variable) -> where it is marked.
MARKED_ELSEWHERE = {("cli.py", "kind"): "cleanup.find_leftovers marks the resource kinds with N_()",
                    ("checks.py", "kind"): "cleanup.find_leftovers marks the resource kinds with N_()",
                    ("ownership.py", "kind"): "ownership.tagged_resources names its kinds with N_() inline",
                    ("policy.py", "reason"): "the REASONS dict's values are marked with N_()"}


def unmarked_constants(path: Path) -> list[tuple[int, str]]:
    """_(NAME) where NAME is not a module constant marked with N_(): pybabel would never extract its text."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    marked = {target.id for node in tree.body if isinstance(node, ast.Assign)
              and isinstance(node.value, ast.Call) and _call_name(node.value) == "N_"
              for target in node.targets if isinstance(target, ast.Name)}
    return [(node.lineno, node.args[0].id) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _call_name(node) == "_" and node.args
            and isinstance(node.args[0], ast.Name) and node.args[0].id not in marked
            and (path.name, node.args[0].id) not in MARKED_ELSEWHERE]


def test_texts_translated_by_name_are_marked_for_the_catalog():
    found = [f"workshop/{path.relative_to(WORKSHOP)}:{line}: _({name})"
             for path in sorted(WORKSHOP.rglob("*.py")) for line, name in unmarked_constants(path)]
    assert not found, "define these as NAME = N_(\"...\") (or add them to MARKED_ELSEWHERE):\n" + "\n".join(found)


def test_the_guard_finds_an_unwrapped_message(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('print(f"The table {name} is missing")\nraise ValueError("no such step")\n'
                      'print(_("The table {name} is missing").format(name=name))\nout.line("  " + _("Legend:"))\n'
                      'def f():\n    return "the role exists" if ok else _("the role is missing")\n'
                      'problems.append(f"state {state} is wrong")\nout.line(palette.paint(text, "gray"))\n')
    assert sorted(line for line, _text in unwrapped_messages(sample)) == [1, 2, 6, 7]
    sample.write_text('HELP = N_("the help")\nLEGEND = "the legend"\nprint(_(HELP))\nprint(_(LEGEND))\n')
    assert unmarked_constants(sample) == [(4, "LEGEND")]


# -- the learner's language, end to end ---------------------------------------------------------

def run_workshop(*args: str, language: str | None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    chosen = {**os.environ, "NO_COLOR": "1", **(env or {})}
    chosen.pop("WORKSHOP_LANG", None)
    if language:
        chosen["WORKSHOP_LANG"] = language
    return subprocess.run([sys.executable, "-m", "workshop", *args], cwd=PROJECT_ROOT, env=chosen, text=True,
                          encoding="utf-8", capture_output=True, timeout=120)


def test_the_cli_speaks_portuguese_when_asked_and_english_otherwise():
    portuguese = run_workshop("demo", "--prefix", "Demo_1", language="pt-BR")
    assert portuguese.returncode == 2
    assert "WORKSHOP_PREFIX='Demo_1' não pode iniciar nomes de recursos" in portuguese.stderr
    english = run_workshop("demo", "--prefix", "Demo_1", language=None)
    assert "WORKSHOP_PREFIX='Demo_1' cannot start resource names" in english.stderr

    # argparse's own texts too: the usage line, the option list and its errors
    helped = run_workshop("--help", language="pt-BR")
    assert helped.stdout.startswith("uso: python -m workshop")
    assert "Construa um chat serverless" in helped.stdout and "mostra esta ajuda e sai" in helped.stdout
    wrong = run_workshop("check", "99", language="pt-BR")
    assert wrong.returncode == 2 and "erro: argumento step: opção inválida: '99'" in wrong.stderr
    assert "invalid choice: '99'" in run_workshop("check", "99", language=None).stderr


@pytest.mark.parametrize(("language", "expected"), [
    ("pt-BR", ["Verificação 02 · A tabela do DynamoDB de conexões e nomes: 1 de 1 itens a corrigir",
               "❌ a tabela do DynamoDB chat-connections existe",
               "↳ correção: execute a etapa 02_dynamodb_table de novo (notebook ou `python steps/02_dynamodb_table.py`)"]),
    (None, ["Check 02 · The DynamoDB table of connections and names: 1 of 1 items to fix",
            "❌ DynamoDB table chat-connections exists",
            "↳ fix: run step 02_dynamodb_table again (notebook or `python steps/02_dynamodb_table.py`)"]),
])
def test_a_check_speaks_the_learners_language(cloud, language, expected):
    checked = run_workshop("check", "02", language=language, env=cloud.environ)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    for line in expected:
        assert line in checked.stdout, checked.stdout


def test_the_terminal_chat_client_speaks_portuguese(monkeypatch):
    from workshop.chat_client import UsageError, describe_close, parse_line

    monkeypatch.setenv("WORKSHOP_LANG", "pt-BR")
    with pytest.raises(UsageError, match=r"^escreva /to NOME mensagem, por exemplo: /to Bob até às 5$"):
        parse_line("/to", [])
    assert describe_close(b"") == "fechada pelo servidor"
    monkeypatch.delenv("WORKSHOP_LANG")
    with pytest.raises(UsageError, match=r"^write /to NAME message, for example: /to Bob see you at 5$"):
        parse_line("/to", [])
