"""YAML positions, syntax errors on one line, pydantic errors at the right line, did-you-mean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, field_validator

from automation.errors import InputError
from automation.yamlsource import (
    FieldError,
    Pos,
    did_you_mean,
    error_at,
    load_yaml,
    loads_yaml,
    parse_model,
)

ROOT = Path(__file__).resolve().parents[2]


def _error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        loads_yaml(text, "f.yaml")
    assert "\n" not in info.value.message
    return info.value


def test_positions_of_keys_items_and_values() -> None:
    doc = loads_yaml("a:\n  b: 1\n  c:\n    - x\n    - {d: 2}\n", "f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", {"d": 2}]}}
    assert doc.pos(("a",)) == Pos("f.yaml", 1, 1)
    assert doc.pos(("a", "b")) == Pos("f.yaml", 2, 3)
    assert doc.value_pos(("a", "b")) == Pos("f.yaml", 2, 6)
    assert doc.pos(("a", "c", 1)) == Pos("f.yaml", 5, 7)
    assert doc.pos(("a", "c", 1, "d")) == Pos("f.yaml", 5, 8)
    assert str(doc.pos(("a", "c", 0))) == "f.yaml:4:7"


def test_missing_path_falls_back_to_nearest_ancestor() -> None:
    doc = loads_yaml("a:\n  b: 1\n", "f.yaml")
    assert doc.pos(("a", "zzz", 3)) == Pos("f.yaml", 1, 1)
    assert doc.pos(("nothing",)) == Pos("f.yaml", 1, 1)
    assert not doc.has(("a", "zzz"))
    assert doc.has(("a", "b"))


def test_yaml_12_scalars() -> None:
    doc = loads_yaml("a: yes\nb: NO\nc: 12:30\nd: 0x1f\ne: 1.5\nf: ~\ng: 2024-01-01\nh: True\ni:\n", "f")
    assert doc.data == {
        "a": "yes",
        "b": "NO",
        "c": "12:30",
        "d": 31,
        "e": 1.5,
        "f": None,
        "g": "2024-01-01",
        "h": True,
        "i": None,
    }


def test_keys_are_strings() -> None:
    assert loads_yaml("1: a\ntrue: b\n", "f").data == {"1": "a", "true": "b"}


def test_anchor_and_merge() -> None:
    doc = loads_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "f")
    assert doc.data["other"] == {"y": 3, "x": 1}


def test_duplicate_key_reported_at_second() -> None:
    err = _error("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert err.message.startswith("f.yaml:4:3: duplicate key 'c'")
    assert "line 3" in err.message


@pytest.mark.parametrize(
    ("text", "where", "fragment", "hint"),
    [
        ("a:\n\tb: 1\n", "f.yaml:2:1:", "tab", "spaces"),
        ('a: 1\nb: "open\nc: 2\n', "f.yaml:2:4:", "unclosed quote", "quote"),
        ("a: [1, 2\nb: 3\n", "f.yaml:1:4:", "unclosed '['", "[a, b, c]"),
        ("a:\n  b: 1\n c: 2\n", "f.yaml:3:2:", "bad indentation", "column"),
        ("a:\n  b: x: y\n", "f.yaml:2:7:", "unexpected ':'", "quote"),
        ("a: !custom x\n", "f.yaml:1:4:", "unsupported YAML tag", "tag"),
    ],
)
def test_syntax_errors_are_one_line(text: str, where: str, fragment: str, hint: str) -> None:
    err = _error(text)
    assert err.message.startswith(where), err.message
    assert fragment in err.message
    assert hint in (err.hint or "")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    assert _error(text).message.startswith("f.yaml:1:1: the file is empty")


def test_load_yaml_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_load_yaml_reads_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("\ufeffa: 1\n", encoding="utf-8")
    doc = load_yaml(path)
    assert doc.data == {"a": 1}
    assert doc.file == str(path)


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    colour: Literal["red", "green", "blue"]
    size: int = 1

    @field_validator("size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("size must be positive")
        return value


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    items: list[Inner] = []
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: list[str]) -> list[str]:
        for index, tag in enumerate(tags):
            if tag != tag.lower():
                raise FieldError(f"tag '{tag}' must be lower case", f"write '{tag.lower()}'", (index,))
        return tags


def _parse_error(text: str, model: type[BaseModel] = Outer) -> InputError:
    doc = loads_yaml(text, "m.yaml")
    with pytest.raises(InputError) as info:
        parse_model(model, doc)
    assert "\n" not in info.value.message
    return info.value


def test_parse_model_ok() -> None:
    doc = loads_yaml("name: x\nitems:\n  - colour: red\n", "m.yaml")
    assert parse_model(Outer, doc).items[0].colour == "red"


def test_unknown_key_with_did_you_mean() -> None:
    err = _parse_error("name: x\nitems:\n  - colour: red\n    sise: 2\n")
    assert err.message == "m.yaml:4:5: items[0].sise: unknown key 'sise'"
    assert err.hint == "did you mean 'size'?"


def test_unknown_literal_with_did_you_mean() -> None:
    err = _parse_error("name: x\nitems:\n  - colour: gren\n")
    assert err.message.startswith("m.yaml:3:5: items[0].colour: 'gren' is not one of 'red', 'green', 'blue'")
    assert err.hint == "did you mean 'green'?"


def test_value_error_from_validator() -> None:
    err = _parse_error("name: x\nitems:\n  - colour: red\n    size: 0\n")
    assert err.message == "m.yaml:4:5: items[0].size: size must be positive"


def test_field_error_moves_to_item_and_carries_hint() -> None:
    err = _parse_error("name: x\ntags:\n  - ok\n  - Bad\n")
    assert err.message == "m.yaml:4:5: tags[1]: tag 'Bad' must be lower case"
    assert err.hint == "write 'bad'"


def test_missing_key_and_more_problems() -> None:
    err = _parse_error("items:\n  - colour: red\n    size: x\n")
    # the concrete problem comes before the missing key it may have caused
    assert err.message.startswith("m.yaml:3:5: items[0].size: expected a whole number, got a string")
    assert err.message.endswith("(+1 more problem)")


def test_missing_key_alone() -> None:
    err = _parse_error("items: []\n")
    assert err.message == "m.yaml:1:1: name: required key is missing"


def test_wrong_type_never_echoes_value() -> None:
    err = _parse_error("name: [s3cr3t-value]\n")
    assert err.message == "m.yaml:1:1: name: expected a string, got a list"
    assert "s3cr3t" not in err.message


def test_root_path_and_explicit_data() -> None:
    doc = loads_yaml("outer:\n  pad: 0\n  inner:\n    colour: pink\n", "m.yaml")
    with pytest.raises(InputError) as info:
        parse_model(Inner, doc, root_path=("outer", "inner"))
    assert info.value.message.startswith("m.yaml:4:5: outer.inner.colour:")
    data = {"colour": "red", "size": -1}
    with pytest.raises(InputError, match=r"^m\.yaml:3:3: outer\.inner\.size: size must be positive"):
        parse_model(Inner, doc, data=data, root_path=("outer", "inner"))


def test_error_at() -> None:
    doc = loads_yaml("a:\n  b: 1\n", "m.yaml")
    err = error_at(doc, ("a", "b"), "no good", "fix it")
    assert err.message == "m.yaml:2:3: a.b: no good"
    assert err.hint == "fix it"
    assert error_at(doc, (), "bad file").message == "m.yaml:1:1: bad file"


def test_did_you_mean() -> None:
    assert did_you_mean("acount_id", ["account_id", "login"]) == "did you mean 'account_id'?"
    assert did_you_mean("FULL", ["None", "Full"]) == "did you mean 'Full'?"
    assert did_you_mean("zzz", ["account_id"]) is None
    assert did_you_mean("", ["a"]) is None


def test_config_import_stays_playwright_free() -> None:
    """`validate` starts fast because config loading never imports Playwright.

    The start-up time itself is measured by bench/bench.py, not asserted here: a timed test
    flakes on a busy machine.
    """
    code = "import sys; import automation.config, automation.yamlsource; print('playwright' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
