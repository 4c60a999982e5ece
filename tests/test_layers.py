"""The package's layers: every import of xhf points down the pipeline.

The order is physics < detector < templates < workspace < infer < publish, combine < replica,
api < reproduce < cli (``xhf.api``, the notebook API behind ``xhf.build``, ``xhf.limit``, ...,
sits on the generic stages beside the replica). A module may import its own stage and the stages below it, never one above:
the generic stages therefore never see the XMASS-I replica (``xhf.replica``), the main job
(``xhf.reproduce``) or the command line (``xhf.cli``); publish and combine sit side by side and
do not import each other. ``xhf.visualize`` (plots) uses the generic stages up to infer and is
used by publish, reproduce and the CLI only. The shared base modules (``xhf/jsonio.py``,
``xhf/exceptions.py``, ...) import no stage; ``xhf/__init__.py`` is the package's front door
and may import any stage.

Imports inside functions count as much as those at the top of a module: a deferred import is
still a dependency. Every import is read with :mod:`ast`, none is executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xhf"
#: Pipeline rank of each stage (equal ranks: side by side, no imports between them).
RANK = {
    "physics": 0,
    "detector": 1,
    "templates": 2,
    "workspace": 3,
    "infer": 4,
    "publish": 5,
    "combine": 5,
    "replica": 6,
    "api": 6,
    "reproduce": 7,
    "cli": 8,
}
GENERIC = ("physics", "detector", "templates", "workspace", "infer", "publish", "combine")
#: visualize: what it may import (stages up to infer) and who may import it.
VISUALIZE_IMPORTS = ("physics", "detector", "templates", "workspace", "infer")
VISUALIZE_USERS = ("publish", "reproduce", "cli")
#: (importing module, imported module) pairs that break a rule, each with its reason.
#: Empty: every exception has been removed; add one only with the reason in a comment.
ALLOWED: dict[tuple[str, str], str] = {}


def _stage(module: str) -> str | None:
    """``xhf.<stage>.…`` -> stage; a base module (``xhf.jsonio``) -> ``base``; else None."""
    parts = module.split(".")
    if parts[0] != "xhf":
        return None
    if len(parts) == 1:
        return "front"
    if parts[1] in RANK or parts[1] == "visualize":
        return parts[1]
    return "base"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(path: Path) -> set[str]:
    """Every ``xhf`` module ``path`` imports, at any depth (``from xhf import replica``
    counts as ``xhf.replica``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "xhf":
                found |= {f"xhf.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return {name for name in found if name == "xhf" or name.startswith("xhf.")}


def problem(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (None if it may)."""
    here, there = _stage(importer), _stage(imported)
    if here == "front" or here == there or there in (None, "base", "front"):
        return None if there != "front" or here == "front" else "imports the front door"
    if here == "base":
        return f"a base module imports the {there} stage"
    if there == "visualize":
        return None if here in VISUALIZE_USERS else f"{here} imports visualize"
    if here == "visualize":
        return None if there in VISUALIZE_IMPORTS else f"visualize imports {there}"
    if here in GENERIC and there in ("replica", "reproduce", "cli"):
        return f"the generic {here} stage imports {there}"
    if RANK[there] > RANK[here]:
        return f"{here} imports {there}, a stage above it"
    if RANK[there] == RANK[here]:
        return f"{here} imports {there}, a stage beside it"
    return None


def violations() -> list[str]:
    out = []
    for module, path in _modules():
        for imported in sorted(imports(path)):
            why = problem(module, imported)
            if why and (module, imported) not in ALLOWED:
                out.append(f"{path.relative_to(PACKAGE.parent)}: {imported}: {why}")
    return out


def test_every_import_points_down_the_pipeline():
    assert violations() == []


def test_the_allow_list_has_no_stale_entries():
    """An allowed exception that no longer happens is removed from the list."""
    present = {(m, i) for m, p in _modules() for i in imports(p)}
    assert [pair for pair in ALLOWED if pair not in present] == []


def test_the_walk_sees_the_whole_package():
    modules = dict(_modules())
    assert {"xhf.replica", "xhf.reproduce.run", "xhf.cli", "xhf.publish.submission"} <= set(modules)
    # an import inside a function is found (the CLI defers its heavy imports)
    assert "xhf.replica.publication" in imports(modules["xhf.cli.publish"])


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("xhf.publish.assemble", "xhf.replica.response", "generic publish stage imports replica"),
        ("xhf.combine.files", "xhf.replica", "generic combine stage imports replica"),
        ("xhf.workspace.config", "xhf.infer.physical", "workspace imports infer, a stage above"),
        ("xhf.physics.rates", "xhf.cli", "generic physics stage imports cli"),
        ("xhf.combine.files", "xhf.publish.inputs", "combine imports publish, a stage beside"),
        ("xhf.replica.ledger", "xhf.reproduce.run", "replica imports reproduce, a stage above"),
        ("xhf.infer.limits", "xhf.visualize.results", "infer imports visualize"),
        ("xhf.visualize.results", "xhf.publish", "visualize imports publish"),
        ("xhf.jsonio", "xhf.workspace.naming", "a base module imports the workspace stage"),
    ],
)
def test_the_rules_catch_upward_imports(importer, imported, expected):
    """Each rule fires on the import it forbids (the checker is not vacuous)."""
    assert expected in (problem(importer, imported) or "")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("xhf.reproduce.run", "xhf.replica.paper"),
        ("xhf.cli.publish", "xhf.replica.publication"),
        ("xhf.replica.signals", "xhf.workspace.naming"),
        ("xhf.combine.signals", "xhf.templates.signals"),
        ("xhf.reproduce.outputs", "xhf.visualize"),
        ("xhf.workspace.config", "xhf.physics.rates"),
        ("xhf", "xhf.infer"),
        ("xhf.infer.limits", "xhf.exceptions"),
    ],
)
def test_downward_imports_pass(importer, imported):
    assert problem(importer, imported) is None
