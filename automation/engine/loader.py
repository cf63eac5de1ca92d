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
AUTH_FLOWS = {"tba": "setup.yaml", "oauth2_m2m": "setup-m2m.yaml", "both": "setup-both.yaml"}
DESTROY_FLOWS = {"tba": "destroy.yaml", "oauth2_m2m": "destroy-m2m.yaml", "both": "destroy-both.yaml"}
DESTROY_FEATURES_FLOW = DEFAULT_FLOW.parent / "destroy-features.yaml"  # `destroy --features`: after the rest


def flow_for_auth(auth: str, destroy: bool = False) -> Path:
    """The composite that ``setup.auth`` stands for (``--flow`` overrides it); ``destroy``: its teardown."""
    return DEFAULT_FLOW.parent / (DESTROY_FLOWS if destroy else AUTH_FLOWS)[auth]


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
    docs: list[Document] = []
    files: list[Path] = []
    name = _collect(path, stages, docs, files, chain=())
    lone = len(files) == 1 and len(stages) == 1  # a stage file validated on its own
    _check_stage_graph(stages, docs, path, lone=lone)
    return Flow(name=name, file=path, stages=tuple(stages), files=tuple(files))


def extend_flow(flow: Flow, path: Path) -> Flow:
    """``flow`` with the stages of ``path`` after its own (`nsauto destroy --features` adds one);
    their ``needs`` may name any stage of ``flow``."""
    stages, files, docs = list(flow.stages), list(flow.files), []
    before = len(stages)
    _collect(path.resolve(), stages, docs, files, chain=())
    names = [stage.stage for stage in stages]
    for stage, doc in zip(stages[before:], docs, strict=True):
        for index, need in enumerate(stage.needs):
            if need not in names:
                hint = did_you_mean(need, names) or f"stages are: {', '.join(names)}"
                raise error_at(doc, ("needs", index), f"stage '{stage.stage}' needs unknown stage '{need}'", hint)
    return Flow(name=flow.name, file=flow.file, stages=tuple(stages), files=tuple(files))


def _collect(path: Path, stages: list[Stage], docs: list[Document], files: list[Path], chain: tuple[Path, ...]) -> str:
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
                # offer files from the folder the entry names, written with the entry's own prefix
                folder = entry.rpartition("/")[0]
                prefix = f"{folder}/" if folder else ""
                found = child.parent.glob("*.yaml") if child.parent.is_dir() else ()
                candidates = [prefix + p.name for p in found]
                raise error_at(doc, ("stages", index), f"no flow file '{entry}'", did_you_mean(entry, candidates))
            _collect(child, stages, docs, files, (*chain, path))
        return composite.name
    stage = parse_stage(doc)
    if any(s.stage == stage.stage for s in stages):
        raise error_at(doc, ("stage",), f"stage '{stage.stage}' is defined twice", "give each stage its own name")
    stages.append(stage)
    docs.append(doc)
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
    return stage.model_copy(update={"steps": steps, "where": Where(file=pos.file, line=pos.line, col=pos.col)})


def _parse_step(doc: Document, index: int, raw: Any, within: tuple[str | int, ...] = ("steps",)) -> StepBase:
    path = (*within, index)
    if isinstance(raw, str):
        raise error_at(doc, path, f"a step needs a value: write '{raw}: ...'", _verb_hint(raw))
    if not isinstance(raw, dict) or not raw:
        raise error_at(doc, path, "a step must be a mapping such as '- open: /app/setup/role.nl'")
    actions = [key for key in raw if key in STEP_TYPES]
    extras = set(STEP_TYPES[actions[0]].model_fields) - {"where"} if len(actions) == 1 else set(MODIFIERS)
    unknown = [key for key in raw if key not in STEP_TYPES and key not in extras]
    if unknown and len(actions) == 1:  # a valid action: the stray key is a misspelled modifier
        key = unknown[0]
        allowed = sorted(extras - {actions[0]})
        hint = did_you_mean(key, allowed) or f"allowed with '{actions[0]}': {', '.join(allowed)}"
        raise error_at(doc, (*path, key), f"unknown key '{key}'", hint)
    if unknown:
        key = unknown[0]
        hint = did_you_mean(key, [*STEP_TYPES, *extras])
        raise error_at(doc, (*path, key), f"unknown step '{key}'", hint or f"steps are: {', '.join(STEP_TYPES)}")
    if len(actions) != 1:
        what = "no action" if not actions else f"{len(actions)} actions ({', '.join(actions)})"
        raise error_at(doc, path, f"a step needs exactly one action, found {what}", "split it into two steps")
    cls = STEP_TYPES[actions[0]]
    data = dict(raw)
    if data[actions[0]] is None and cls.model_fields[actions[0]].default_factory is not None:
        data.pop(actions[0])  # `- login:` with nothing after it means the defaults
    nested = _nested_steps(doc, path, actions[0], data)
    step = parse_model(cls, doc, data=data, root_path=path)
    if nested is not None:  # a popup's steps, each parsed (and located) like a stage's
        args = getattr(step, actions[0])
        step = step.model_copy(update={actions[0]: args.model_copy(update={"steps": nested})})
    pos = doc.pos(path)
    return step.model_copy(update={"where": Where(file=pos.file, line=pos.line, col=pos.col)})


def _nested_steps(doc: Document, path: tuple[str | int, ...], action: str, data: dict) -> list[StepBase] | None:
    """Steps inside a step (``popup: {steps: [...]}``): parsed one by one, then left out of ``data``."""
    args = data.get(action)
    if not isinstance(args, dict) or not isinstance(args.get("steps"), list):
        return None
    within = (*path, action, "steps")
    nested = [_parse_step(doc, index, raw, within) for index, raw in enumerate(args["steps"])]
    data[action] = {**args, "steps": []}
    return nested


def _verb_hint(word: str) -> str | None:
    return did_you_mean(word, list(STEP_TYPES))


def _check_stage_graph(stages: list[Stage], docs: list[Document], top: Path, *, lone: bool) -> None:
    """Each ``needs`` names an earlier stage; a lone stage file cannot see the others, so skip those."""
    names = [stage.stage for stage in stages]
    for stage, doc in zip(stages, docs, strict=True):
        for index, need in enumerate(stage.needs):
            if need not in names:
                if lone:
                    continue
                hint = did_you_mean(need, names) or f"stages are: {', '.join(names)}"
                raise error_at(doc, ("needs", index), f"stage '{stage.stage}' needs unknown stage '{need}'", hint)
            if names.index(need) > names.index(stage.stage):
                raise error_at(
                    doc,
                    ("needs", index),
                    f"stage '{stage.stage}' needs '{need}', which comes later",
                    f"list the stages in {top.name} in dependency order",
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
                    hint = (
                        "${item} is defined only inside a step with for_each"
                        if root == "item" and "item" not in variables
                        else did_you_mean(ref, known) or "see the variables listed in README under 'Flow vocabulary'"
                    )
                    raise InputError(f"{step.where}: undefined variable '${{{ref}}}'", hint)
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
