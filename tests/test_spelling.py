"""One spelling of "flavor" in every public name: module attributes, function and class
arguments, dataclass fields, JSON-schema fields, command-line options and the fields of the
shipped files. Prose (docstrings, messages, docs) keeps British "flavour"; a name a user types
or a program reads is spelled ``flavor`` everywhere, as in the sidecar's ``flavor`` field."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import click

import xhf
from tests.support import ROOT
from xhf.cli import cli

BRITISH = "flavour"


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(xhf.__path__, "xhf."):
        yield importlib.import_module(info.name)


def _parameters(obj: Any) -> list[str]:
    try:
        return list(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return []


def _public_names() -> set[str]:
    """Every name in an ``__all__`` of xhf, the arguments of those callables (of a class: its
    constructor and public methods) and the fields of dataclasses."""
    names: set[str] = set()
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            names.add(f"{module.__name__}.{name}")
            targets = [obj]
            if inspect.isclass(obj):
                targets += [m for n, m in vars(obj).items() if callable(m) and n[0] != "_"]
                if dataclasses.is_dataclass(obj):
                    names.update(f"{name}.{f.name}" for f in dataclasses.fields(obj))
            for target in targets:
                if callable(target):
                    names.update(f"{name}({p})" for p in _parameters(target))
    return names


def _keys(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _keys(value)


def _options(command: click.Command, prefix: str = "xhf") -> Iterator[str]:
    for param in command.params:
        yield from (f"{prefix} {opt}" for opt in param.opts)
        yield f"{prefix} {param.name}"
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from _options(command.get_command(ctx, name), f"{prefix} {name}")


def test_the_check_sees_the_public_names():
    """The walk reaches the names it must check (an empty walk would pass anything)."""
    names = _public_names()
    assert "xhf.infer.physical.flavor_limits" in names
    assert "differential_rate(flavor)" in names
    assert "xhf spectrum --flavor" in set(_options(cli))


def test_public_python_names_say_flavor():
    assert sorted(n for n in _public_names() if BRITISH in n.lower()) == []


def test_command_line_options_say_flavor():
    assert sorted(o for o in _options(cli) if BRITISH in o.lower()) == []


def test_schema_fields_and_shipped_files_say_flavor():
    documents = [
        *sorted((ROOT / "xhf").glob("*/schema/*.json")),
        *sorted((ROOT / "workspaces").glob("*.json")),
        ROOT / "templates" / "xmass1_replica" / "templates.json",
    ]
    assert len(documents) >= 10
    for path in documents:
        keys = set(_keys(json.loads(path.read_text())))
        assert sorted(k for k in keys if BRITISH in k.lower()) == [], path.name
    # the values that name parameters (modifiers, parameter configs) too
    template_text = (ROOT / "templates" / "xmass1_replica" / "templates.json").read_text()
    assert '"flavor_fraction_e"' in template_text
    assert f'"{BRITISH}_' not in template_text
