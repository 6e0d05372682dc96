"""Names and tags come from the prefix, bad prefixes are refused with a fix, and zips are reproducible."""

from __future__ import annotations

import ast
import io
import zipfile

import pytest

from workshop.naming import ROUTES, Names, PrefixError, normalize_prefix, prefix_note, tags_for, validate_prefix
from workshop.packaging import FUNCTIONS_DIR, SHARED_MODULES, build_zip, code_sha256


@pytest.mark.parametrize("prefix", ["chat", "alice", "team-3", "a1"])
def test_valid_prefixes_start_every_name(prefix):
    names = Names(validate_prefix(prefix))
    every_name = [names.role, names.table, names.api, names.role_policy, names.manage_connections_policy,
                  *names.functions.values()]
    assert all(name.startswith(prefix + "-") for name in every_name)
    assert all(len(name) <= 64 for name in every_name)


@pytest.mark.parametrize("prefix", ["Chat", "my_chat", "-chat", "chat-", "a--b", "1chat", "x" * 25, "", "ça"])
def test_bad_prefixes_are_refused_with_the_fix(prefix):
    with pytest.raises(PrefixError) as error:
        validate_prefix(prefix)
    assert "WORKSHOP_PREFIX=" in str(error.value) and "lowercase" in str(error.value)


@pytest.mark.parametrize(("given", "used"), [("Ana", "ana"), ("TEAM-3", "team-3"), (" Bo ", "bo"), ("chat", "chat")])
def test_a_prefix_is_lower_cased_with_a_note(given, used):
    assert normalize_prefix(given) == used
    note = prefix_note(given)
    if given.strip() == used:
        assert note == ""
    else:
        assert note == f"note: WORKSHOP_PREFIX={given.strip()} is used as {used!r} (prefixes are lower-case)"


def test_a_prefix_still_unusable_once_lower_cased_is_refused_as_written():
    with pytest.raises(PrefixError) as error:
        normalize_prefix("Ana_1")
    assert "WORKSHOP_PREFIX='Ana_1' cannot start resource names" in str(error.value)


def test_function_names_and_handlers_follow_the_architecture():
    names = Names("chat")
    assert names.functions == {
        "$connect": "chat-connect", "$disconnect": "chat-disconnect", "setName": "chat-setName",
        "sendPublic": "chat-sendPublic", "sendPrivate": "chat-sendPrivate", "sendBot": "chat-sendBot",
        "$default": "chat-default",
    }
    assert names.handler("setName") == "set_name.handler"
    assert names.table == "chat-connections" and names.name_index == "by-name"


def test_tags_name_the_workshop_and_the_learner():
    assert tags_for("alice") == {"workshop": "serverless-chat", "learner": "alice"}


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_zip_holds_its_module_and_the_shared_ones_at_the_root(route):
    archive = zipfile.ZipFile(io.BytesIO(build_zip(route)))
    assert sorted(archive.namelist()) == sorted([f"{ROUTES[route]}.py", "chat_connections.py", "chat_events.py",
                                                 "chat_table.py", "chat_text.py", "locale/pt_BR/LC_MESSAGES/chat.mo"])


def test_every_module_a_handler_imports_is_in_its_zip():
    """A module left out of SHARED_MODULES would fail only once deployed (Runtime.ImportModuleError)."""
    bundled = {path.name for path in FUNCTIONS_DIR.glob("*.py")} - {f"{module}.py" for module in ROUTES.values()}
    assert bundled == set(SHARED_MODULES)
    for path in FUNCTIONS_DIR.glob("*.py"):
        imported = {node.names[0].name if isinstance(node, ast.Import) else node.module
                    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(node, (ast.Import, ast.ImportFrom))}
        local = {name for name in imported if (FUNCTIONS_DIR / f"{name}.py").is_file()}
        assert {f"{name}.py" for name in local} <= set(SHARED_MODULES), path.name


def test_the_shared_modules_import_one_another_without_a_cycle_and_nothing_of_the_workshop():
    """Each zip runs alone on Lambda: the shared modules may import boto3 and each other, in one direction."""
    imports = {}
    for module in SHARED_MODULES:
        tree = ast.parse((FUNCTIONS_DIR / module).read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not imported & {"workshop", "local_cloud", "tests", "bench"}, module
        imports[module.removesuffix(".py")] = {name for name in imported if f"{name}.py" in SHARED_MODULES}
    # SHARED_MODULES lists each module after the ones it imports: a cycle could not be ordered so.
    for position, module in enumerate(SHARED_MODULES):
        earlier = {name.removesuffix(".py") for name in SHARED_MODULES[:position]}
        assert imports[module.removesuffix(".py")] <= earlier, module


def test_zips_are_reproducible_and_differ_per_route():
    assert code_sha256(build_zip("setName")) == code_sha256(build_zip("setName"))
    assert code_sha256(build_zip("setName")) != code_sha256(build_zip("sendPublic"))
