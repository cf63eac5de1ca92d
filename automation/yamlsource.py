"""YAML loading that remembers where every node came from, and errors that point at the line.

Users edit config.yaml and the flow files by hand, so every complaint has to say
``file:line:col: dotted.path: what is wrong`` on one line, plus a hint. PyYAML's ``compose``
keeps marks on every node; we build plain Python data from the node graph ourselves and keep a
``path -> Pos`` table beside it. pydantic's ``ValidationError`` is then translated into one
``InputError`` at the position of the first problem.

Scalars follow the YAML 1.2 core schema rather than PyYAML's YAML 1.1 defaults: only
``true``/``false`` are booleans and ``12:30`` or ``0755`` stay what they look like, so a value
such as ``NO`` or ``Off`` is never silently turned into ``False``. Mapping keys are always
strings.

Deliberately light: no pydantic or Playwright import at module load, so ``nsauto validate``
starts fast.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from automation.errors import InputError

if TYPE_CHECKING:
    from pydantic import BaseModel

Key = str | int
KeyPath = tuple[Key, ...]
M = TypeVar("M", bound="BaseModel")

_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Pos:
    """A 1-based position in a source file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Document:
    """Plain data loaded from one YAML file, with the position of every key and item."""

    file: str
    data: Any
    _key_pos: dict[KeyPath, Pos] = field(default_factory=dict, repr=False, compare=False)
    _value_pos: dict[KeyPath, Pos] = field(default_factory=dict, repr=False, compare=False)

    def pos(self, path: Sequence[Key] = ()) -> Pos:
        """Where the node at ``path`` starts: the key for mapping entries, the item for lists.

        A path that does not exist (say, a missing required key) falls back to its nearest
        existing ancestor, so an error always has a line to point at.
        """
        return self._lookup(self._key_pos, tuple(path))

    def value_pos(self, path: Sequence[Key] = ()) -> Pos:
        """Where the *value* at ``path`` starts (for ``key: value`` that is after the colon)."""
        return self._lookup(self._value_pos, tuple(path))

    def has(self, path: Sequence[Key]) -> bool:
        """Whether ``path`` names a node that exists in the file."""
        return tuple(path) in self._value_pos

    def _lookup(self, table: dict[KeyPath, Pos], path: KeyPath) -> Pos:
        while path and path not in table:
            path = path[:-1]
        return table.get(path) or Pos(self.file, 1, 1)


# --------------------------------------------------------------------------- loading


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema resolution (no yes/no/on/off booleans)."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _regexp, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
):
    _Loader.add_implicit_resolver(_TAG + _tag, re.compile(_regexp), list(_first))


def load_yaml(path: Path) -> Document:
    """Read ``path`` into a :class:`Document`; any problem is an ``InputError`` at its line."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{name}:1:1: file not found", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{name}:1:1: is a directory, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}:1:1: not UTF-8 text ({exc.reason})", "save the file as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{name}:1:1: cannot read: {exc.strerror}") from None
    return loads_yaml(text, name)


def loads_yaml(text: str, file: str = "<string>") -> Document:
    """Parse YAML ``text`` as if read from ``file`` (used by tests and by ``load_yaml``)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(file, text, exc) from None
    except yaml.YAMLError as exc:  # unmarked errors are rare; keep them on one line anyway
        raise InputError(f"{file}:1:1: {_one_line(str(exc))}") from None
    if root is None:
        raise InputError(
            f"{file}:1:1: the file is empty (no YAML content)",
            "see config.yaml in the repository for a complete example",
        )
    builder = _Builder(file)
    data = builder.build(root, (), on_stack=())
    builder.value_pos[()] = builder.key_pos[()] = builder.mark(root)
    return Document(file=file, data=data, _key_pos=builder.key_pos, _value_pos=builder.value_pos)


class _Builder:
    """Turns a composed node graph into plain data, recording positions and refusing duplicates."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.key_pos: dict[KeyPath, Pos] = {}
        self.value_pos: dict[KeyPath, Pos] = {}

    def mark(self, node: Node) -> Pos:
        return Pos(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def error(self, node: Node, message: str, hint: str | None = None) -> InputError:
        return InputError(f"{self.mark(node)}: {message}", hint)

    def build(self, node: Node, path: KeyPath, on_stack: tuple[int, ...]) -> Any:
        self.value_pos[path] = self.mark(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if id(node) in on_stack:  # an alias that contains itself
            raise self.error(node, "recursive alias (an anchor used inside itself)")
        on_stack = (*on_stack, id(node))
        if isinstance(node, SequenceNode):
            self.check_tag(node, "seq")
            items = []
            for index, child in enumerate(node.value):
                self.key_pos[(*path, index)] = self.mark(child)
                items.append(self.build(child, (*path, index), on_stack))
            return items
        if isinstance(node, MappingNode):
            self.check_tag(node, "map")
            return self.mapping(node, path, on_stack)
        raise self.error(node, f"unsupported YAML node {type(node).__name__}")

    def mapping(self, node: MappingNode, path: KeyPath, on_stack: tuple[int, ...]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Pos] = {}
        merged: list[MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merged.extend(self.merge_sources(value_node))
                continue
            key = self.key(key_node)
            if key in first_seen:
                raise self.error(
                    key_node,
                    f"duplicate key '{key}' (first defined at line {first_seen[key].line})",
                    "remove one of the two; YAML keeps only the last, which hides mistakes",
                )
            first_seen[key] = self.mark(key_node)
            self.key_pos[(*path, key)] = first_seen[key]
            result[key] = self.build(value_node, (*path, key), on_stack)
        # `<<: *anchor` fills in keys not written explicitly (explicit keys win, no duplicate error)
        for source in merged:
            for key_node, value_node in source.value:
                key = self.key(key_node)
                if key not in result:
                    self.key_pos[(*path, key)] = self.mark(key_node)
                    result[key] = self.build(value_node, (*path, key), on_stack)
        return result

    def merge_sources(self, node: Node) -> list[MappingNode]:
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value):
            return list(node.value)
        raise self.error(node, "'<<' must be followed by an alias to a mapping (or a list of them)")

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.error(node, "a mapping key must be a plain value, not a list or mapping")
        return str(node.value)

    def check_tag(self, node: Node, kind: str) -> None:
        if node.tag != _TAG + kind:
            raise self.error(node, f"unsupported YAML tag '{node.tag}'", "remove the '!' tag")

    def scalar(self, node: ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == _TAG + "str":
            return value
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise self.error(node, f"'{value}' is not true or false")
        if tag == _TAG + "int":
            try:
                return _to_int(value)
            except ValueError:
                raise self.error(node, f"'{value}' is not an integer") from None
        if tag == _TAG + "float":
            try:
                return _to_float(value)
            except ValueError:
                raise self.error(node, f"'{value}' is not a number") from None
        raise self.error(node, f"unsupported YAML tag '{tag}'", "remove the '!' tag or quote the value")


def _to_int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0o", "0x"):
        return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
    return sign * int(digits, 10)


def _to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


def _syntax_error(file: str, text: str, exc: yaml.MarkedYAMLError) -> InputError:
    """One line for a PyYAML parse error, in plain words, at the most useful mark."""
    problem = _one_line(exc.problem or "invalid YAML")
    context = _one_line(exc.context or "")
    mark = exc.problem_mark
    opened_earlier = (
        exc.context_mark is not None
        and mark is not None
        and exc.context_mark.line < mark.line
        and ("quoted scalar" in context or "flow" in context or "simple key" in context)
    )
    # An unclosed quote or bracket is noticed lines later; its opening is where the fix goes.
    if exc.context_mark is not None and (mark is None or opened_earlier or "end of stream" in problem):
        mark = exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    message, hint = _explain(problem, context, source_line)
    return InputError(f"{file}:{line}:{col}: {message}", hint)


def _explain(problem: str, context: str, source_line: str) -> tuple[str, str]:
    """PyYAML's wording turned into what to fix, plus a hint."""
    indent = source_line[: len(source_line) - len(source_line.lstrip())]
    if "'\\t'" in problem or "\t" in indent:
        return "tab character in the indentation", "YAML indentation must use spaces, not tabs"
    if "quoted scalar" in context:
        return (
            "unclosed quote",
            "close the quote on the same value; inside single quotes write '' for a quote",
        )
    if "flow sequence" in context:
        return f"unclosed '[' or missing comma ({problem})", "write lists as [a, b, c] on one line"
    if "flow mapping" in context:
        return f"unclosed '{{' or missing comma ({problem})", "write mappings as {a: 1, b: 2} on one line"
    if "mapping values are not allowed" in problem:
        return (
            "unexpected ':' (a value containing ': ', or a key indented under a value)",
            "quote values that contain ': ', and check the indentation",
        )
    if "expected <block end>" in problem:
        return (
            "bad indentation: this line does not line up with the lines above",
            "keys of one mapping, and items of one list, must start in the same column",
        )
    if "could not find expected ':'" in problem:
        return "a line without 'key: value' (missing ':' or space after it?)", "write 'key: value'"
    if "block collection" in context or "block mapping" in context:
        return f"{problem} ({context})", "check the indentation and the '- ' of list items"
    return f"{problem} ({context})" if context else problem, "check the YAML syntax around this line"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- errors


def did_you_mean(word: object, candidates: Iterable[object]) -> str | None:
    """``"did you mean 'X'?"`` for the closest candidate, compared case-insensitively, else None."""
    if not isinstance(word, str) or not word:
        return None
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        if isinstance(candidate, str):
            by_lower.setdefault(candidate.lower(), candidate)
    if word.lower() in by_lower and by_lower[word.lower()] != word:
        return f"did you mean '{by_lower[word.lower()]}'?"
    matches = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean '{by_lower[matches[0]]}'?" if matches else None


def dotted(path: Sequence[Key]) -> str:
    """``accounts.sandbox.login`` / ``setup.role.permissions[2]`` for display."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def error_at(doc: Document, path: Sequence[Key], message: str, hint: str | None = None) -> InputError:
    """An ``InputError`` for a check done after parsing: ``file:line:col: path: message``."""
    where = dotted(path)
    prefix = f"{doc.pos(path)}: {where}: " if where else f"{doc.pos(path)}: "
    return InputError(prefix + _one_line(message), hint)


class FieldError(ValueError):
    """A ``ValueError`` for validators that also carries a hint and an optional sub-path.

    pydantic keeps the original exception in the error's context, so ``parse_model`` can show
    ``hint`` and point at ``path`` below the validated value (e.g. ``(1,)`` for the level in a
    ``[name, level]`` pair).
    """

    def __init__(
        self, message: str, hint: str | None = None, path: Sequence[Key] = (), *, show_path: bool = True
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = tuple(path)
        self.show_path = show_path  # False: only move the line:col, keep the displayed path short


def parse_model(
    model_cls: type[M],
    doc: Document,
    data: Any = None,
    root_path: Sequence[Key] = (),
    context: dict[str, Any] | None = None,
) -> M:
    """Validate ``data`` (default: the node at ``root_path``) as ``model_cls``.

    A ``ValidationError`` becomes one ``InputError`` for the first problem in file order, with
    ``(+N more problems)`` when there are others. Input values are never echoed, except the
    short word in an "is not one of" error, because a value might be a secret.
    """
    from pydantic import ValidationError  # lazy: keeps `import automation.yamlsource` fast

    root = tuple(root_path)
    if data is None:
        data = _get(doc.data, root)
    try:
        return model_cls.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_Problem.from_pydantic(err, data, root, doc, model_cls) for err in exc.errors()]
    # A missing key is often the echo of a misspelled one; report concrete problems first.
    problems.sort(key=lambda p: (p.missing, p.pos.line, p.pos.col))
    first = problems[0]
    message = f"{first.pos}: {first.where}: {first.text}" if first.where else f"{first.pos}: {first.text}"
    if len(problems) > 1:
        more = len(problems) - 1
        message += f" (+{more} more problem{'s' if more > 1 else ''})"
    raise InputError(message, first.hint) from None


@dataclass
class _Problem:
    pos: Pos
    where: str
    text: str
    hint: str | None
    missing: bool = False

    @classmethod
    def from_pydantic(
        cls, err: Mapping[str, Any], data: Any, root: KeyPath, doc: Document, model_cls: type
    ) -> _Problem:
        loc = tuple(err.get("loc", ()))
        found, shown = _resolve_loc(loc, data)
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        hint: str | None = None
        if isinstance(original, FieldError):
            text, hint = original.message, original.hint
            extended = _extend(found, original.path, data)
            if original.show_path:
                shown = (*shown, *extended[len(found) :])
            found = extended
        elif kind == "extra_forbidden":
            key = loc[-1] if loc else "?"
            text = f"unknown key '{key}'"
            allowed = _allowed_keys(model_cls, found[:-1])
            if allowed:
                hint = did_you_mean(key, allowed) or f"allowed here: {', '.join(allowed)}"
        elif kind == "missing":
            text = "required key is missing"
            hint = f"add '{loc[-1]}:'" if loc and isinstance(loc[-1], str) else None
        elif kind in ("literal_error", "enum"):
            options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            given = _get(data, found)
            shown_given = f"'{given}' " if isinstance(given, str) and len(given) <= 60 else ""
            text = f"{shown_given}is not one of {', '.join(repr(o) for o in options)}".strip()
            hint = did_you_mean(given, options)
        else:
            text = _friendly(kind, str(err.get("msg", "invalid value")), _get(data, found))
        where = dotted((*root, *shown))
        return cls(doc.pos((*root, *found)), where, _one_line(text), hint, missing=kind == "missing")


_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    type(None): "nothing (empty)",
}

_EXPECTED = {
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
}


def _friendly(kind: str, msg: str, given: Any) -> str:
    """pydantic's message, reworded for someone editing YAML (and never echoing the value)."""
    if kind in _EXPECTED:
        got = _TYPE_NAMES.get(type(given), "something else")
        return f"expected {_EXPECTED[kind]}, got {got}"
    msg = msg.replace("Input should be", "must be")
    if kind == "value_error" and msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    if kind == "assertion_error" and msg.startswith("Assertion failed, "):
        return msg.removeprefix("Assertion failed, ")
    return msg[:1].lower() + msg[1:] if msg[:2] != msg[:2].upper() else msg


_MISSING = object()


def _child(data: Any, part: Key) -> Any:
    """``data[part]`` for a mapping key or an in-range list index, else ``_MISSING``."""
    if isinstance(data, dict):
        return data.get(part, _MISSING)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return _MISSING


def _get(data: Any, path: Sequence[Key]) -> Any:
    for part in path:
        data = _child(data, part)
        if data is _MISSING:
            return None
    return data


def _exists(data: Any, path: Sequence[Key]) -> bool:
    for part in path:
        data = _child(data, part)
        if data is _MISSING:
            return False
    return True


def _resolve_loc(loc: tuple[Any, ...], data: Any) -> tuple[KeyPath, KeyPath]:
    """Split a pydantic ``loc`` into the path that exists in ``data`` and the path to show.

    pydantic inserts union-member tags (``'str'``, ``'function-after[...]'``) into ``loc``; they
    are neither in the data nor meaningful to the user, so they are dropped. A trailing item
    that is not in the data (a missing key) is kept for display only.
    """
    found: list[Key] = []
    shown: list[Key] = []
    node = data
    for index, part in enumerate(loc):
        child = _child(node, part)
        if child is _MISSING:
            if index == len(loc) - 1 and isinstance(part, str | int) and not _is_tag(part):
                shown.append(part)
            continue
        node = child
        found.append(part)
        shown.append(part)
    return tuple(found), tuple(shown)


def _is_tag(part: object) -> bool:
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "float", "bool", "list", "dict"))


def _extend(found: KeyPath, extra: KeyPath, data: Any) -> KeyPath:
    """``found + extra`` as far as that still exists in ``data``."""
    path = found
    for part in extra:
        if not _exists(data, (*path, part)):
            break
        path = (*path, part)
    return path


def _allowed_keys(model_cls: type, path: Sequence[Key]) -> list[str]:
    """The keys the model accepts at ``path`` (for "did you mean" on an unknown key)."""
    target = _type_at(model_cls, path)
    fields = getattr(target, "model_fields", None)
    if not fields:
        return []
    return [info.alias or name for name, info in fields.items() if not _hidden(info)]


def _hidden(info: Any) -> bool:
    """Fields kept out of the JSON Schema (``SkipJsonSchema``) are not offered as keys either."""
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get("hidden"):
        return True
    return any(type(meta).__name__ == "SkipJsonSchema" for meta in info.metadata)


def _type_at(tp: Any, path: Sequence[Key]) -> Any:
    """Follow ``path`` through model fields, dict values and list items to a type."""
    for part in path:
        tp = _unwrap(tp)
        fields = getattr(tp, "model_fields", None)
        if fields is not None:
            match = next(
                (info for name, info in fields.items() if part in (name, info.alias)),
                None,
            )
            if match is None:
                return None
            tp = match.annotation
            continue
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is dict and len(args) == 2:
            tp = args[1]
        elif origin in (list, tuple, set, frozenset) and args:
            tp = args[0]
        else:
            return None
    return _unwrap(tp)


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the model or container inside."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [m for m in members if hasattr(m, "model_fields")]
            tp = (models or members or [None])[0]
        else:
            return tp
