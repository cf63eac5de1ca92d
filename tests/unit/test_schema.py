"""The published JSON Schemas: committed copies are current, and they agree with the loaders.

``jsonschema`` is not a dependency, so a small validator for the keywords pydantic emits lives
here. It refuses keywords it does not know, so a schema change can't pass by being ignored.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automation.engine.loader import parse_stage
from automation.engine.model import STEP_TYPES
from automation.schema import (
    CONFIG_FILE,
    FLOW_FILE,
    SCHEMA_DIR,
    config_schema,
    expected_files,
    flow_schema,
    stale_files,
    write_schemas,
)
from automation.yamlsource import load_yaml, loads_yaml

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
BAD = ROOT / "tests" / "bad_inputs"
REGENERATE = ".venv/bin/python -m automation.schema"

# --------------------------------------------------------------------------- a small validator

_ANNOTATIONS = {"title", "description", "default", "examples", "$schema", "$defs", "$id", "format"}
_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}


def _errors(schema: Any, value: Any, root: dict[str, Any], at: str = "$") -> list[str]:
    """Every way ``value`` fails ``schema`` (empty when it validates)."""
    if schema is True:
        return []
    if schema is False:
        return [f"{at}: not allowed"]
    out: list[str] = []
    for key, rule in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            assert rule.startswith("#/$defs/"), rule
            out += _errors(root["$defs"][rule.removeprefix("#/$defs/")], value, root, at)
        elif key == "anyOf":
            branches = [_errors(s, value, root, at) for s in rule]
            if all(branches):
                out.append(f"{at}: matches none of {len(rule)} alternatives ({min(branches, key=len)[0]})")
        elif key == "oneOf":
            if sum(not _errors(s, value, root, at) for s in rule) != 1:
                out.append(f"{at}: must match exactly one alternative")
        elif key == "allOf":
            for sub in rule:
                out += _errors(sub, value, root, at)
        elif key == "type":
            kinds = rule if isinstance(rule, list) else [rule]
            if not any(_TYPES[k](value) for k in kinds):
                out.append(f"{at}: expected {rule}, got {type(value).__name__}")
        elif key == "const":
            if value != rule:
                out.append(f"{at}: must be {rule!r}")
        elif key == "enum":
            if value not in rule:
                out.append(f"{at}: {value!r} not in enum")
        elif key in ("properties", "required", "additionalProperties", "propertyNames"):
            if isinstance(value, dict):
                out += _object_errors(key, rule, schema, value, root, at)
        elif key in ("items", "prefixItems", "minItems", "maxItems"):
            if isinstance(value, list):
                out += _array_errors(key, rule, schema, value, root, at)
        elif key in ("pattern", "minLength", "maxLength"):
            if isinstance(value, str) and not _string_ok(key, rule, value):
                out.append(f"{at}: fails {key} {rule!r}")
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if _TYPES["number"](value):
                ok = {
                    "minimum": value >= rule,
                    "maximum": value <= rule,
                    "exclusiveMinimum": value > rule,
                    "exclusiveMaximum": value < rule,
                }[key]
                if not ok:
                    out.append(f"{at}: fails {key} {rule}")
        else:
            raise AssertionError(f"the test validator does not know the keyword {key!r}; teach it")
    return out


def _string_ok(key: str, rule: Any, value: str) -> bool:
    if key == "pattern":
        return re.search(rule, value) is not None
    return len(value) >= rule if key == "minLength" else len(value) <= rule


def _object_errors(
    key: str, rule: Any, schema: dict[str, Any], value: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    props = schema.get("properties", {})
    if key == "properties":
        return [
            e for name, sub in rule.items() if name in value for e in _errors(sub, value[name], root, f"{at}.{name}")
        ]
    if key == "required":
        return [f"{at}: missing {name}" for name in rule if name not in value]
    if key == "propertyNames":
        return [e for name in value for e in _errors(rule, name, root, f"{at}.{name}")]
    extra = [name for name in value if name not in props]
    return [e for name in extra for e in _errors(rule, value[name], root, f"{at}.{name}")]


def _array_errors(
    key: str, rule: Any, schema: dict[str, Any], value: list[Any], root: dict[str, Any], at: str
) -> list[str]:
    if key == "minItems":
        return [f"{at}: fewer than {rule} items"] if len(value) < rule else []
    if key == "maxItems":
        return [f"{at}: more than {rule} items"] if len(value) > rule else []
    if key == "prefixItems":
        return [
            e
            for i, (sub, item) in enumerate(zip(rule, value, strict=False))
            for e in _errors(sub, item, root, f"{at}[{i}]")
        ]
    start = len(schema.get("prefixItems", []))  # 2020-12: items covers what prefixItems does not
    return [e for i, item in enumerate(value[start:], start) for e in _errors(rule, item, root, f"{at}[{i}]")]


def validate(schema: dict[str, Any], value: Any) -> list[str]:
    return _errors(schema, value, schema)


def test_the_validator_itself() -> None:
    schema = {
        "$defs": {"N": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {"n": {"$ref": "#/$defs/N"}, "p": {"type": "array", "prefixItems": [{"const": "a"}]}},
        "required": ["n"],
        "additionalProperties": False,
    }
    assert validate(schema, {"n": 1, "p": ["a", "b"]}) == []
    assert validate(schema, {"n": -1})
    assert validate(schema, {"n": True})
    assert validate(schema, {})
    assert validate(schema, {"n": 1, "x": 2})
    assert validate(schema, {"n": 1, "p": ["b"]})
    with pytest.raises(AssertionError, match="does not know"):
        validate({"if": {}}, 1)


# --------------------------------------------------------------------------- committed files


def test_committed_schemas_are_current() -> None:
    for path in stale_files(SCHEMA_DIR):
        pytest.fail(f"{path.relative_to(ROOT)} is stale or missing; regenerate with: {REGENERATE}")


def test_write_schemas_writes_both_files(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "out")
    assert sorted(p.name for p in written) == sorted([FLOW_FILE, CONFIG_FILE])
    for path in written:
        assert path.read_text(encoding="utf-8") == expected_files()[path.name]
        json.loads(path.read_text(encoding="utf-8"))
    assert stale_files(tmp_path / "out") == []
    assert len(stale_files(tmp_path / "empty")) == 2


def test_module_check_flag() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "automation.schema", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- the flow schema


def test_flow_schema_names_every_step_with_its_description() -> None:
    schema = flow_schema()
    defs = schema["$defs"]
    step_refs = defs["Stage"]["properties"]["steps"]["items"]["anyOf"]
    step_defs = [defs[ref["$ref"].removeprefix("#/$defs/")] for ref in step_refs]
    assert len(step_defs) == len(STEP_TYPES)
    for verb, cls in STEP_TYPES.items():
        owners = [d for d in step_defs if verb in d.get("required", [])]
        assert len(owners) == 1, f"{verb} is required in {len(owners)} step types"
        (step,) = owners
        assert step["additionalProperties"] is False, verb
        assert step["description"] == cls.__doc__, verb
        assert step["properties"][verb]["description"] == cls.__doc__, verb


def test_flow_schema_hides_internal_fields() -> None:
    text = json.dumps(flow_schema())
    assert '"where"' not in text
    assert '"hidden"' not in text
    assert "Where" not in flow_schema()["$defs"]


def test_every_object_in_the_flow_schema_is_closed() -> None:
    for name, definition in flow_schema()["$defs"].items():
        if definition.get("type") == "object" and definition.get("properties"):
            assert definition.get("additionalProperties") is False, name


@pytest.mark.parametrize("path", sorted(FLOWS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_flows_validate(path: Path) -> None:
    assert validate(flow_schema(), load_yaml(path).data) == []


# The schema must flag what the loader refuses, where a schema can know it (no variables,
# includes, stage order or YAML syntax).
SCHEMA_CATCHES = [
    "flow-unknown-step",
    "flow-two-actions",
    "flow-no-action",
    "flow-timeout-not-number",
    "flow-retries-negative",
    "flow-unknown-modifier",
    "flow-string-step",
    "flow-fill-unknown-key",
    "flow-choose-unknown-key",
    "flow-fill-missing-value",
    "flow-bad-stage-name",
    "flow-skip-if-maybe",
    "flow-steps-not-list",
    "flow-steps-missing",
    "flow-list-top-level",
    "flow-unknown-stage-key",
    "flow-open-empty",
    "flow-check-value-number",
    "flow-composite-stages-string",
    "flow-step-list",
]


@pytest.mark.parametrize("stem", SCHEMA_CATCHES)
def test_flow_schema_rejects_bad_flow(stem: str) -> None:
    assert validate(flow_schema(), load_yaml(BAD / f"{stem}.yaml").data), stem


# Short forms the loader accepts must not be flagged in the editor.
ACCEPTED_STEPS = [
    "- login:",
    "- login: {}",
    "- save:",
    "- save: {}",
    "- check: Token-based Authentication",
    "- check: {field: Web Services Only Role, value: false}",
    "- check: {field: X, value: '${setup.role.web_services_only}'}",
    "- lookup: {list: /l, find: x, column: Name, as: user}",
    "- open: /app/x.nl\n  name: Open it\n  timeout: 2.5\n  retries: 0",
    "- click: {button: Reset Credentials, confirm: true}",
]


@pytest.mark.parametrize("steps", ACCEPTED_STEPS)
def test_flow_schema_accepts_what_the_loader_accepts(steps: str) -> None:
    text = "stage: s\nsteps:\n" + "".join(f"  {line}\n" for line in steps.splitlines())
    doc = loads_yaml(text, "inline.yaml")
    parse_stage(doc)  # the loader accepts it ...
    assert validate(flow_schema(), doc.data) == []  # ... so the schema must too


# --------------------------------------------------------------------------- the config schema


def test_config_yaml_validates() -> None:
    assert validate(config_schema(), load_yaml(ROOT / "config.yaml").data) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("acounts",), {}),
        (("setup", "auth"), "tbb"),
        (("setup", "role", "permissions"), [["Log in using Access Tokens", "Fool"]]),
        (("accounts", "sandbox", "login", "password"), "hunter2"),
        (("browser",), {"headles": True}),
    ],
)
def test_config_schema_rejects(path: tuple[str, ...], value: Any) -> None:
    data = load_yaml(ROOT / "config.yaml").data
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    assert validate(config_schema(), data)


def test_config_schema_is_the_config_modules() -> None:
    from automation.config import config_json_schema

    assert config_schema() == config_json_schema()
