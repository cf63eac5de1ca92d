"""The published JSON Schemas of flow files and config.yaml, generated from the pydantic models.

Editors with the YAML language server read ``schema/flow.schema.json`` and
``schema/config.schema.json`` (through a ``# yaml-language-server: $schema=...`` modeline) to
complete keys and flag mistakes while typing. The files are committed so that works without
running anything; ``tests/unit/test_schema.py`` fails when they drift from the models.

The models are the single source of truth; this module only adjusts what pydantic's schema says
differently from what the loader accepts:

* ``where`` (the source position the loader fills in) is internal and removed everywhere;
* an action key with a default (``login``, ``save``) is still *required* in its own step type,
  otherwise ``{name: x}`` would match the Login step; and its value may be empty (``- login:``),
  as the loader treats that as the defaults;
* each verb's property carries its step's description, so hovering ``fill:`` explains it;
* a flow file is a stage file *or* a composite (``setup.yaml``), so one schema serves both.

Regenerate with ``python -m automation.schema`` (``--check`` only compares).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from automation.config import config_json_schema
from automation.engine.model import STEP_TYPES, Composite, Stage

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
FLOW_FILE = "flow.schema.json"
CONFIG_FILE = "config.schema.json"
_INTERNAL_FIELDS = frozenset({"where"})  # filled in by the loader, never written by hand


def flow_schema() -> dict[str, Any]:
    """JSON Schema of a flow file: a stage (``stage``/``steps``) or a composite (``name``/``stages``)."""
    stage = Stage.model_json_schema()
    defs: dict[str, Any] = stage.pop("$defs", {})
    defs["Stage"] = stage
    defs["Composite"] = Composite.model_json_schema()
    for verb, cls in STEP_TYPES.items():
        _require_action(defs[cls.__name__], verb, cls.model_fields[verb].default_factory is not None)
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": "nsauto flow file",
        "description": "A stage file (stage, steps) or a composite that lists stage files (name, stages).",
        "anyOf": [{"$ref": "#/$defs/Stage"}, {"$ref": "#/$defs/Composite"}],
        "$defs": defs,
    }
    _hide_internal(schema, names=_INTERNAL_FIELDS)
    _prune_defs(schema)
    return schema


def config_schema() -> dict[str, Any]:
    """JSON Schema of config.yaml (owned by :func:`automation.config.config_json_schema`)."""
    schema = config_json_schema()
    _hide_internal(schema, names=frozenset())  # config has no loader-filled fields, only marked ones
    return schema


def render(schema: dict[str, Any]) -> str:
    """The exact text written to disk: stable key order, UTF-8, trailing newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """File name -> content of every published schema."""
    return {FLOW_FILE: render(flow_schema()), CONFIG_FILE: render(config_schema())}


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write both schema files into ``folder`` (created if needed); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_files().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Schema files in ``folder`` that are missing or differ from freshly generated ones."""
    stale = []
    for name, text in expected_files().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


# --------------------------------------------------------------------------- adjustments


def _require_action(step: dict[str, Any], verb: str, may_be_empty: bool) -> None:
    """Make the verb required in its step type, empty-able if it has defaults, and described."""
    required = step.setdefault("required", [])
    if verb not in required:
        required.insert(0, verb)
    prop = step["properties"][verb]
    if may_be_empty:
        prop = {"anyOf": [_without_annotations(prop), {"type": "null"}]}
    if "description" in step and "description" not in prop:
        prop = {"description": step["description"], **prop}
    step["properties"][verb] = prop


def _without_annotations(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in ("title", "description", "default")}


def _hide_internal(node: Any, names: frozenset[str]) -> None:
    """Remove internal fields (``names``, anything marked ``hidden``) from every object schema."""
    for schema in _walk(node):
        props = schema.get("properties")
        if not isinstance(props, dict):
            continue
        for name in [n for n, p in props.items() if n in names or _marked_hidden(p)]:
            del props[name]
            if name in schema.get("required", []):
                schema["required"].remove(name)


def _marked_hidden(prop: Any) -> bool:
    return isinstance(prop, dict) and prop.get("hidden") is True


def _prune_defs(schema: dict[str, Any]) -> None:
    """Drop ``$defs`` no longer referenced (``Where`` once ``where`` is gone)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    used: set[str] = set()
    pending = [schema[key] for key in schema if key != "$defs"]
    while pending:
        for node in _walk(pending.pop()):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in used:
                    used.add(name)
                    pending.append(defs[name])
    for name in [n for n in defs if n not in used]:
        del defs[name]


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict inside ``node`` (including ``node``), depth first."""
    if isinstance(node, dict):
        yield node
        for value in list(node.values()):
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m automation.schema",
        description="Write the JSON Schemas of flow files and config.yaml.",
    )
    parser.add_argument("folder", nargs="?", type=Path, default=SCHEMA_DIR, help="default: schema/")
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.folder)
        for path in stale:
            print(f"stale: {path} (regenerate: python -m automation.schema)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_schemas(args.folder):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
