"""Load flow files into frozen models, with every problem reported at its YAML line.

A composite (``setup.yaml``) lists stage files; stage files hold steps. Each step is a mapping
with exactly one action key (``fill``, ``choose``, ...) plus modifiers; the action key decides
the model, so an unknown or misspelled verb gets its own "did you mean" instead of a wall of
union errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automation.engine.model import MODIFIERS, STEP_TYPES, Composite, Stage, StepBase, Where
from automation.engine.variables import references
from automation.errors import InputError
from automation.yamlsource import Document, did_you_mean, error_at, load_yaml, parse_model

DEFAULT_FLOW = Path(__file__).resolve().parents[2] / "flows" / "setup.yaml"


@dataclass(frozen=True)
class Flow:
    """A composite flow resolved into its ordered stages."""

    name: str
    file: Path
    stages: tuple[Stage, ...]
    files: tuple[Path, ...] = field(default=())

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.stage == name:
                return stage
        raise KeyError(name)


def load_flow(path: Path | None = None) -> Flow:
    """Load a composite flow (or a single stage file) and every file it includes."""
    path = (path or DEFAULT_FLOW).resolve()
    stages: list[Stage] = []
    files: list[Path] = []
    name = _collect(path, stages, files, chain=())
    _check_stage_graph(stages)
    return Flow(name=name, file=path, stages=tuple(stages), files=tuple(files))


def _collect(path: Path, stages: list[Stage], files: list[Path], chain: tuple[Path, ...]) -> str:
    doc = load_yaml(path)
    files.append(path)
    data = doc.data
    if isinstance(data, dict) and "stages" in data:
        composite = parse_model(Composite, doc)
        for index, entry in enumerate(composite.stages):
            child = (path.parent / entry).resolve()
            if child in (*chain, path):
                raise error_at(
                    doc,
                    ("stages", index),
                    f"include loop: {entry} includes {path.name} again",
                    "remove one of the two includes",
                )
            if not child.is_file():
                candidates = [p.name for p in path.parent.glob("*.yaml")]
                raise error_at(
                    doc, ("stages", index), f"no flow file '{entry}'", did_you_mean(entry, candidates)
                )
            _collect(child, stages, files, (*chain, path))
        return composite.name
    stage = parse_stage(doc)
    if any(s.stage == stage.stage for s in stages):
        raise error_at(
            doc, ("stage",), f"stage '{stage.stage}' is defined twice", "give each stage its own name"
        )
    stages.append(stage)
    return stage.stage


def parse_stage(doc: Document) -> Stage:
    """Parse one stage file; steps are dispatched on their action key."""
    data = doc.data
    if not isinstance(data, dict):
        raise error_at(doc, (), "a stage file must be a mapping with 'stage' and 'steps'")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        raise error_at(doc, ("steps",), "'steps' must be a list of steps", "write '- open: /app/...' lines")
    steps = [_parse_step(doc, index, raw) for index, raw in enumerate(raw_steps)]
    header = {key: value for key, value in data.items() if key != "steps"}
    stage = parse_model(Stage, doc, data={**header, "steps": []})
    pos = doc.pos(())
    return stage.model_copy(
        update={"steps": steps, "where": Where(file=pos.file, line=pos.line, col=pos.col)}
    )


def _parse_step(doc: Document, index: int, raw: Any) -> StepBase:
    path = ("steps", index)
    if isinstance(raw, str):
        raise error_at(doc, path, f"a step needs a value: write '{raw}: ...'", _verb_hint(raw))
    if not isinstance(raw, dict) or not raw:
        raise error_at(doc, path, "a step must be a mapping such as '- open: /app/setup/role.nl'")
    actions = [key for key in raw if key in STEP_TYPES]
    extras = set(STEP_TYPES[actions[0]].model_fields) - {"where"} if len(actions) == 1 else set(MODIFIERS)
    unknown = [key for key in raw if key not in STEP_TYPES and key not in extras]
    if unknown:
        key = unknown[0]
        hint = did_you_mean(key, [*STEP_TYPES, *extras])
        raise error_at(
            doc, (*path, key), f"unknown step '{key}'", hint or f"steps are: {', '.join(STEP_TYPES)}"
        )
    if len(actions) != 1:
        what = "no action" if not actions else f"{len(actions)} actions ({', '.join(actions)})"
        raise error_at(doc, path, f"a step needs exactly one action, found {what}", "split it into two steps")
    cls = STEP_TYPES[actions[0]]
    data = dict(raw)
    if data[actions[0]] is None and cls.model_fields[actions[0]].default_factory is not None:
        data.pop(actions[0])  # `- login:` with nothing after it means the defaults
    step = parse_model(cls, doc, data=data, root_path=path)
    pos = doc.pos(path)
    return step.model_copy(update={"where": Where(file=pos.file, line=pos.line, col=pos.col)})


def _verb_hint(word: str) -> str | None:
    return did_you_mean(word, list(STEP_TYPES))


def _check_stage_graph(stages: list[Stage]) -> None:
    names = [stage.stage for stage in stages]
    for stage in stages:
        for need in stage.needs:
            if need not in names:
                where = stage.where
                hint = did_you_mean(need, names) or f"stages are: {', '.join(names)}"
                raise InputError(f"{where}: stage '{stage.stage}' needs unknown stage '{need}'", hint)
            if names.index(need) > names.index(stage.stage):
                raise InputError(
                    f"{stage.where}: stage '{stage.stage}' needs '{need}', which comes later",
                    "list the stages in setup.yaml in dependency order",
                )


def check_references(flow: Flow, variables: dict[str, Any]) -> None:
    """Every ${name} in every step must resolve against config variables, ${item} or a lookup."""
    for stage in flow.stages:
        defined: set[str] = set()
        for step in stage.steps:
            for ref in references(step.model_dump(by_alias=True, exclude={"where"})):
                root = ref.split(".")[0]
                if root == "item" and step.for_each:
                    continue
                if root in defined:
                    continue
                if not _resolves(variables, ref):
                    known = sorted(_flatten(variables)) + sorted(defined)
                    raise InputError(
                        f"{step.where}: undefined variable '${{{ref}}}'",
                        did_you_mean(ref, known)
                        or "see the variables listed in README under 'Flow vocabulary'",
                    )
            lookup = getattr(step, "lookup", None)
            if lookup is not None:
                defined.add(lookup.as_)


def _resolves(variables: dict[str, Any], ref: str) -> bool:
    value: Any = variables
    for part in ref.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def _flatten(variables: dict[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in variables.items():
        name = f"{prefix}{key}"
        names.append(name)
        if isinstance(value, dict):
            names.extend(_flatten(value, name + "."))
    return names
