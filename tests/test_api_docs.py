"""The generated API reference (docs/api.md): pdoc renders every public module of xhf.

A public module is one whose dotted name has no component starting with ``_``. Every function,
class and public method that a module exports in ``__all__`` has a docstring, and the rendered
page of the module documents each exported name.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings
from pathlib import Path

import pytest

import xhf

pdoc = pytest.importorskip("pdoc")

#: pdoc cannot resolve postponed annotations in the ``__init__`` that ``typing.NamedTuple``
#: generates (mitmproxy/pdoc#765); the page is still written, with the annotation as text.
NAMEDTUPLE_INIT = re.compile(r"Error parsing type annotation .* for (?P<cls>[\w.]+)\.__init__\. ")


def public_modules() -> list[str]:
    """Dotted names of the public modules of xhf (no ``_`` component), the package first."""
    walked = pkgutil.walk_packages(xhf.__path__, "xhf.")
    return ["xhf", *sorted(m.name for m in walked if "._" not in m.name)]


def exported(module_name: str) -> dict[str, object]:
    module = importlib.import_module(module_name)
    return {name: getattr(module, name) for name in getattr(module, "__all__", ())}


def own(obj: object) -> bool:
    """Defined in xhf (not a re-exported click decorator, NumPy function, ...)."""
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("xhf")


def undocumented(module_name: str) -> list[str]:
    missing = []
    for name, obj in exported(module_name).items():
        if not own(obj):
            continue
        if not (obj.__doc__ or "").strip():
            missing.append(f"{module_name}.{name}")
        if not inspect.isclass(obj):
            continue
        for attr, value in vars(obj).items():
            function = value.fget if isinstance(value, property) else value
            function = getattr(function, "__func__", function)
            if attr.startswith("_") or not inspect.isfunction(function):
                continue
            if not (function.__doc__ or "").strip():
                missing.append(f"{module_name}.{name}.{attr}")
    return missing


def resolve(dotted: str) -> object:
    module_name, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def is_namedtuple(obj: object) -> bool:
    return inspect.isclass(obj) and issubclass(obj, tuple) and hasattr(obj, "_fields")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The reference rendered once, as `pdoc -d google -o site ...` does (docs/api.md)."""
    out = tmp_path_factory.mktemp("site")
    modules = public_modules()
    pdoc.render.configure(docformat="google")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*modules, output_directory=out)
    return out, modules, [str(w.message) for w in caught]


def test_the_walk_finds_the_pipeline_and_no_private_module():
    modules = public_modules()
    stages = {"physics", "detector", "templates", "workspace", "infer", "publish", "combine"}
    assert {f"xhf.{stage}" for stage in stages} <= set(modules)
    assert not [m for m in modules if any(part.startswith("_") for part in m.split("."))]
    assert len(modules) == len(set(modules))


def test_pdoc_renders_every_public_module_without_warnings(site):
    out, modules, messages = site
    unexpected = []
    for message in messages:
        match = NAMEDTUPLE_INIT.match(message)
        if match is None or not is_namedtuple(resolve(match["cls"])):
            unexpected.append(message)
    assert unexpected == []
    pages = {str(p.relative_to(out).with_suffix("")).replace("/", ".") for p in out.rglob("*.html")}
    assert set(modules) <= pages


def test_every_page_documents_what_its_module_exports(site):
    out, modules, _ = site
    missing = []
    for name in modules:
        page = (out / Path(*name.split("."))).with_suffix(".html").read_text(encoding="utf-8")
        missing += [f"{name}.{attr}" for attr in exported(name) if f'id="{attr}"' not in page]
    assert missing == []


def test_every_exported_function_class_and_method_has_a_docstring():
    missing = [item for name in public_modules() for item in undocumented(name)]
    assert missing == []
