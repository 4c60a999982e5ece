"""Reading the YAML inputs (build configs, experiment cards): strictly, with one-line errors.

PyYAML's safe loader follows YAML 1.1, which surprises users of an analysis config in ways
this reader removes:

- a key given twice silently keeps the last value; here it is an error naming both lines;
- ``1e-10`` and ``1.0e10`` are strings (YAML 1.1 floats need a dot and a signed exponent);
  here they are numbers, as in YAML 1.2 and JSON, so ``1e400`` is infinity and refused as such;
- ``2020-05-22`` is a date; here it is a string (no xhf field holds a date), and an explicit
  tag that cannot be read (``!!int abc``) is a YAML error, not a Python ``ValueError``;
- mapping keys must be strings (``1:`` or ``yes:`` as a key is an error), so every key can be
  named in a message and written to JSON;
- only the tags of plain data are read: ``!!set``, ``!!binary``, ``!!timestamp``, ``!!omap``,
  ``!!pairs`` and ``!!python/...`` values (which JSON cannot hold, and which would otherwise
  fail only when the outputs are written) are errors naming the field.

Every problem is an :class:`~xhf.exceptions.InvalidInputError` with one line
``<file>: <where>: <what>``, where ``<where>`` is the YAML path of the key
(``backgrounds[1].histogram``, :func:`format_path`) or ``line N`` for a syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from xhf.ceilings import MAX_YAML_BYTES, MAX_YAML_NODES, MAX_YAML_TEXT
from xhf.exceptions import InvalidInputError, MissingFileError

__all__ = ["MAX_NODES", "format_path", "parse_yaml", "read_input_text", "read_yaml"]


def __dir__() -> list[str]:
    return __all__


#: Most nodes a document may expand to, aliases followed (a "billion laughs" guard).
MAX_NODES = MAX_YAML_NODES

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
#: The tags of plain JSON data; any other (``!!set``, ``!!binary``, ``!!timestamp``,
#: ``!!omap``, ``!!python/...``) would give a value JSON cannot hold, and is refused.
_JSON_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "seq", "map")
)
#: YAML 1.2 floats that YAML 1.1 reads as strings: an exponent without a dot or a sign.
_FLOAT_12 = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 exponent floats, no implicit dates, and constructor
    failures (``!!int abc``, ``!!timestamp 2020-13-45``) raised as YAML errors at their line."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            kind = str(node.tag).rsplit(":", 1)[-1]
            shown = node.value if isinstance(node, ScalarNode) else "this node"
            raise ConstructorError(
                None, None, f"cannot read {shown!r} as {kind} ({exc})", node.start_mark
            ) from None


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


def format_path(path: Iterable[Any]) -> str:
    """``["backgrounds", 2, "norm_uncertainty"]`` -> ``backgrounds[2].norm_uncertainty``.

    >>> format_path(["backgrounds", 2, "norm_uncertainty"]), format_path([])
    ('backgrounds[2].norm_uncertainty', '(top level)')
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class _KeyCheck:
    """Walks the composed node tree: string keys, no duplicates, at most MAX_NODES nodes and
    MAX_YAML_TEXT characters of scalars, aliases followed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        self.text = 0

    def fail(self, path: list[Any], message: str) -> InvalidInputError:
        return InvalidInputError(f"{self.source}: {format_path(path)}: {message}")

    def walk(self, node: Node, path: list[Any]) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(path, f"the document expands to more than {MAX_NODES} nodes (aliases)")
        if node.tag not in _JSON_TAGS:
            raise self.fail(
                path,
                f"the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} on line "
                f"{node.start_mark.line + 1} is not plain data (strings, numbers, booleans, "
                "null, lists and mappings only)",
            )
        if isinstance(node, ScalarNode):
            self.text += len(node.value)
            if self.text > MAX_YAML_TEXT:
                raise self.fail(
                    path,
                    f"the document expands to more than {MAX_YAML_TEXT} characters (aliases)",
                )
        if isinstance(node, SequenceNode):
            for i, child in enumerate(node.value):
                self.walk(child, [*path, i])
        elif isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if key.tag == _MERGE:  # "<<: *anchor": merged keys may be overridden
                    self.walk(value, path)
                    continue
                line = key.start_mark.line + 1
                if not isinstance(key, ScalarNode) or key.tag != _STR:
                    what = f"key {key.value}" if isinstance(key, ScalarNode) else "a collection key"
                    raise self.fail(path, f"{what} on line {line} is not a string (keys are names)")
                if key.value in first_line:
                    raise self.fail(
                        [*path, key.value],
                        f"duplicated key (lines {first_line[key.value]} and {line}; "
                        "YAML would keep only the last)",
                    )
                first_line[key.value] = line
                self.walk(value, [*path, key.value])


def _syntax_message(exc: yaml.YAMLError, text: str) -> str:
    """``line N: not valid YAML: <problem> (<context> from line M)`` of a PyYAML error."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character[:1])
        return f"line {line}: not valid YAML: character #x{character:04x} is not allowed"
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark is not None else "(top level)"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start is not None:
        problem += f" ({context} from line {start.line + 1})"
    return f"{where}: not valid YAML: {problem}"


def parse_yaml(text: str, source: str) -> Any:
    """The one document of ``text``, read as :mod:`xhf.yamlio` describes.

    Args:
        text: the YAML text.
        source: the file name that starts every message.

    Raises:
        InvalidInputError: ``<source>: <where>: <what>``, one line; ``(top level): the file is
            empty`` when there is no document (nothing, or only comments).

    >>> parse_yaml("reference: 1e-10\\nseed: 2020-05-22", "c.yml")
    {'reference': 1e-10, 'seed': '2020-05-22'}
    >>> parse_yaml("name: a\\nname: b", "c.yml")
    Traceback (most recent call last):
    ...
    xhf.exceptions.InvalidInputError: c.yml: name: duplicated key (lines 1 and 2; YAML would keep only the last)
    """
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise InvalidInputError(f"{source}: (top level): the file is empty (no YAML document)")
        _KeyCheck(source).walk(node, [])
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{source}: {_syntax_message(exc, text)}") from None
    except RecursionError:
        raise InvalidInputError(
            f"{source}: (top level): nested too deeply (or an alias that contains itself)"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_input_text(path: Path, source: str, max_bytes: int, kind: str) -> str:
    """The UTF-8 text of an input file read whole (a BOM is dropped).

    Args:
        path: the file (it exists).
        source: the name used in messages.
        max_bytes: the size ceiling (:mod:`xhf.ceilings`).
        kind: what the file is, for the message (``a YAML file``).

    Raises:
        InvalidInputError: larger than ``max_bytes``, unreadable, or not UTF-8 (naming the line).
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InvalidInputError(
                f"{source}: (top level): {size} bytes, above the ceiling of {max_bytes} bytes "
                f"for {kind}"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{source}: (top level): cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InvalidInputError(f"{source}: line {line}: not UTF-8 text") from None


def read_yaml(path: str | Path, source: str | None = None) -> Any:
    """Read a YAML input file (UTF-8) with :func:`parse_yaml`.

    Args:
        path: the file.
        source: the name used in messages (default: the file name, without folders).

    Raises:
        MissingFileError: ``path`` is not a file.
        InvalidInputError: larger than :data:`~xhf.ceilings.MAX_YAML_BYTES`, not UTF-8 text,
            or any problem of :func:`parse_yaml`.
    """
    path = Path(path)
    source = source or path.name
    if not path.is_file():
        raise MissingFileError(f"{path}: no such file")
    text = read_input_text(path, source, MAX_YAML_BYTES, "a YAML file")
    return parse_yaml(text, source)
