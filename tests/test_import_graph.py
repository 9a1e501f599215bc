"""The modules import one another as the design says: no import cycle,
and each folder imports only the folders before it (dsl <- compiler <- render <- carepath)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> dict[str, Path]:
    """Module name -> file, as pyproject.toml's package-dir installs them."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = {"carepath": ROOT / "carepath"}
    folders.update(
        {
            name: ROOT / folder
            for name, folder in settings["tool"]["setuptools"]["package-dir"].items()
        }
    )
    found: dict[str, Path] = {}
    for package, folder in folders.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every carepath module ``name`` imports, at module level or inside a function (a
    tool that reads imports sees both, and a cycle through a lazy import is still one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from . import codes` names the submodule; `from x import name`, x itself.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        out.update(t for t in targets if t in known and t != name)
    return out


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _imports(name, path, set(modules)):
            graph.add_edge(name, target)
    return graph


def test_there_is_no_import_cycle() -> None:
    graph = _graph()
    assert graph.number_of_nodes() > 60
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_each_folder_imports_only_the_folders_before_it() -> None:
    order = ["carepath.dsl", "carepath.compiler", "carepath.render", "carepath"]

    def layer(module: str) -> int:
        return next(
            i
            for i, prefix in enumerate(order)
            if module == prefix or module.startswith(prefix + ".")
        )

    # `carepath` itself holds the version and a lazy public API: anything may read it.
    wrong = [(a, b) for a, b in _graph().edges if b != "carepath" and layer(b) > layer(a)]
    assert wrong == []
