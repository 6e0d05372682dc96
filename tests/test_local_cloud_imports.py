"""local_cloud's import graph, read from the source with ast: no cycle, and the parts meet only where they should."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports: every import counts, also inside functions and TYPE_CHECKING."""
    modules = {module_name(path, root): path for path in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = alias.name
                    while target and target not in modules:  # import a.b.c names a.b.c, else its package
                        target = target.rpartition(".")[0]
                    targets.add(target)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:  # from pkg import sub imports the submodule; from mod import name, mod
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else base)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (first module repeated at the end), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT, "local_cloud")


def test_local_cloud_has_no_import_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_checker_finds_a_cycle_through_a_package_and_a_type_only_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .sub import sessions\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "sessions.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import Thing\n")
    (package / "plain.py").write_text("import json\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) == ["pkg", "pkg.sub.sessions", "pkg"]
    (package / "sub" / "sessions.py").write_text("import json\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) is None


def imports_of(graph: dict[str, set[str]], prefix: str) -> set[str]:
    """Every local_cloud module that the modules under `prefix` import, outside `prefix`."""
    inside = {name for name in graph if name == prefix or name.startswith(prefix + ".")}
    return {target for name in inside for target in graph[name]} - inside


def test_the_front_door_calls_each_part_and_the_gateway_knows_the_runtime_only_by_its_interface(graph):
    assert {"local_cloud.gateway", "local_cloud.gateway.sessions", "local_cloud.gateway.management",
            "local_cloud.lambda_runtime", "local_cloud.lambda_runtime.http_api", "local_cloud.control",
            "local_cloud.moto_bridge"} <= graph["local_cloud.server"]
    gateway_uses = imports_of(graph, "local_cloud.gateway")
    assert "local_cloud.runtime_interface" in gateway_uses
    assert not {name for name in gateway_uses if name.startswith(("local_cloud.lambda_runtime", "local_cloud.server"))}
    runtime_uses = imports_of(graph, "local_cloud.lambda_runtime")
    assert not {name for name in runtime_uses if name.startswith(("local_cloud.gateway", "local_cloud.server"))}
    assert graph["local_cloud.runtime_interface"] == set()  # both sides import it: it imports neither
