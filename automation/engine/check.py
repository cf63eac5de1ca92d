"""`nsauto check`: the third engine mode, next to run and plan. Read-only, locators only.

Before a flow meets a real account, every step should find what it will act on. In check mode
the steps stay the single implementation: with ``Session.check`` set, a step runs up to the
point where it has found its field, sublist or button, reports it here (:func:`found`) and
returns without filling, ticking, saving or agreeing to anything. When a step cannot find its
element, the runner hands the error to :func:`problem` and carries on, so one check lists every
drifted label with the page's closest labels and the fallback that would fix it.

Outcomes: ``found`` (and how: label, label text, accessible name, a fallback label, an id),
``ambiguous`` (how many), ``missing`` (closest labels), ``unchecked`` (cannot be seen read-only:
one-time secrets shown only after Save, or a page that shows an error until an earlier stage has
run, such as Access Tokens before Token-Based Authentication is enabled, or a field NetSuite shows
only once a feature is on while a stage this one needs would still switch that feature on:
"appears after stage features").

A fix is suggested only with a label that is plausibly the same field (at least ``SAME_FIELD``
alike) and that no other step of the stage uses: the closest label of a missing "TBA:
Authorization Flow" may be "Authorization Code Grant", a different box another step unticks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlparse

from automation.engine.events import RunResult, StageResult, StepResult
from automation.engine.session import Session
from automation.errors import ExitCode, StepFailed
from automation.netsuite import features, ui
from automation.secrets.redact import redactor

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from automation.config import Account, Config
    from automation.engine import model as m
    from automation.engine.loader import Flow

LOCATE_MS = 5000.0
"""How long a check waits for a field: the page has loaded, so what is not there by then is missing."""

PROBLEMS = ("missing", "ambiguous")

KIND_NAMES = {"checkbox": "checkbox", "select": "dropdown", "popup": "popup select", "text": "text field"}
KIND_NAMES["readonly"] = "read-only value"

# The field id NetSuite gives a wrapper: Field:<id>, else the <id>_fs control, else an input name.
FIELD_ID_JS = """(box) => {
  const walk = box.getAttribute && box.getAttribute("data-walkthrough");
  if (walk && walk.startsWith("Field:")) return walk.slice(6);
  const fs = box.querySelector("[id$='_fs']");
  if (fs) return fs.id.slice(0, -3);
  const named = box.querySelector("input[name]:not([type=hidden]), textarea[name], input[type=hidden][name]");
  if (named) return named.name.replace(/^inpt_/, "");
  return "";
}"""


SAME_FIELD = 0.75
"""How alike (difflib ratio, case-insensitive) a page label must be to a missing one to be offered as its fix."""


@dataclass
class StageContext:
    """What `check` knows about a stage beyond its page: its steps' labels, what its prerequisites would change."""

    labels: set[str] = field(default_factory=set)  # every label the stage's steps name (lower case)
    pending: dict[str, list[str]] = field(default_factory=dict)  # needed stage → labels a run would change there


def stage_context(flow: Flow, stage: m.Stage, result: RunResult) -> StageContext:
    """The context of ``stage`` in a check: set by the runner before the stage's steps run."""
    from automation.engine.steps import arguments

    chain, todo = set(), list(stage.needs)
    while todo:
        name = todo.pop()
        if name not in chain:
            chain.add(name)
            with contextlib.suppress(KeyError):
                todo.extend(flow.stage(name).needs)
    pending = {
        done.name: [str(step.facts.get("locator", "")) for step in done.steps if step.facts.get("pending")]
        for done in result.stages
        if done.name in chain
    }
    labels: set[str] = set()
    for step in stage.steps:
        raw = arguments(step)
        spec = raw.get("field") if isinstance(raw, dict) else raw
        if isinstance(spec, str | list):
            labels.update(" ".join(str(c).lower().split()) for c in ui.field_candidates(spec))
    return StageContext(labels, {name: found for name, found in pending.items() if found})


def appears_later(s: Session, feature: str) -> str | None:
    """The needed stage that would switch ``feature`` on, when a check saw it off there; else None."""
    context = s.check_context
    if not isinstance(context, StageContext):
        return None
    for stage, labels in context.pending.items():
        if any((found := features.find_feature(label)) and found.label == feature for label in labels):
            return stage
    return None


def section_shown(s: Session, gate: features.Gate) -> bool:
    """Whether any field of a feature-gated section is on the page: then a missing one of it has drifted."""
    shown = {" ".join(x.lower().split()) for x in ui.page_labels(s.page)}
    return any(" ".join(x.lower().split()) in shown for x in gate.labels)


def appears_after_text(s: Session, feature: str) -> str:
    return f"appears after stage {appears_later(s, feature)}: NetSuite shows it once {feature} is on"


class NotCheckable(StepFailed):
    """What a step needs cannot be seen read-only (the page shows an error instead of the form)."""


def guard(s: Session) -> None:
    """Stop a check on a page that shows NetSuite's error instead of a form.

    Access Tokens says "enable Token-Based Authentication" until the features stage has run;
    its fields are then not missing, just not visible before a real run.
    """
    if s.page.locator("form#main_form, form[name=main_form]").count():
        return
    _, error = ui.page_message(s.page)
    if error:
        raise NotCheckable(f"not checkable read-only: the page says '{error}'", "an earlier stage changes this")


def field_id(field: ui.Field) -> str:
    try:
        return str(ui.read(field.box, FIELD_ID_JS))
    except Exception:  # a detached or odd element: the id is a nicety in the report
        return ""


def found(s: Session, item: str, field: ui.Field, want: str, note: str = "", pending: bool = False) -> None:
    """Report a field a step found, and whether it is the widget the step will work.

    ``pending``: a run would change it (a box not yet as wanted), so the stages that need this one
    may meet fields that appear only after it (:func:`appears_later`).
    """
    kind = field.kind()
    fid = field_id(field)
    facts: dict[str, Any] = {
        "locator": field.matched or field.label,
        "how": field.found_by,
        "field_id": fid,
        "kind": kind,
        "fallback": field.by_fallback,
    }
    if kind != want:
        what = f"found by {field.found_by}, but it is a {KIND_NAMES.get(kind, kind)}, not a {KIND_NAMES[want]}"
        s.emit(item, "missing", what, {**facts, "problem": "wrong kind"})
        return
    detail = f"by {field.found_by}" + (f", field id {fid}" if fid else "")
    if field.by_fallback:
        detail += f"; '{field.label}' has drifted: put '{field.matched}' first"
    if pending:
        facts["pending"] = True
        detail += "; a run changes it"
    s.emit(item, "found", detail + (f"; {note}" if note else ""), facts)


def sublist_found(s: Session, item: str, sublist: ui.Sublist, columns: list[str]) -> None:
    s.emit(
        item,
        "found",
        f"sublist {sublist.machine or '(no id)'}, columns {', '.join(columns)}",
        {"machine": sublist.machine, "columns": sublist.columns},
    )


def button_found(s: Session, item: str, button: Locator, text: str) -> None:
    """Resolve a button without clicking it."""
    guard(s)
    if button.count() == 0:
        raise StepFailed(f"no button '{text}' on {s.page.url}", "check the button text (nsauto inspect)")
    bid = button.get_attribute("id") or ""
    s.emit(item, "found", f"button {'#' + bid if bid else text} (not clicked)", {"button_id": bid})


def capture(s: Session, args: dict) -> None:
    """One-time secrets appear only after Save: name the labels the run will read, check the reset button."""
    labels = list(args["secrets"].values())
    s.emit(
        "capture " + ", ".join(args["secrets"]),
        "unchecked",
        "not checkable read-only: shown only after Save; will look for " + ", ".join(f"'{x}'" for x in labels),
        {"labels": labels},
    )
    reset = args.get("reset")
    if reset and s.record.existed:
        button_found(s, f"click {reset}", ui.button(s.page, reset), reset)


def list_columns(s: Session, item: str, columns: list[str]) -> None:
    """A list page must have a table whose header holds these columns."""
    headers: list[list[str]] = s.page.evaluate(
        """() => [...document.querySelectorAll("table")].map((t) => {
             const head = t.querySelector("tr.uir-list-headerrow, tr[id$='headerrow'], thead tr")
               || t.querySelector("tr");
             return head ? [...head.children].map((c) => c.textContent.trim()) : [];
           })"""
    )
    wanted = [c.lower() for c in columns]
    for header in headers:
        if all(w in [h.lower() for h in header] for w in wanted):
            s.emit(item, "found", f"list columns {', '.join(columns)}", {"columns": header})
            return
    seen = sorted({h for header in headers for h in header if h})
    missing = [c for c in columns if all(c.lower() not in [h.lower() for h in header] for header in headers)]
    raise ui.FieldNotFound(
        f"no list on {s.page.url} has the columns {', '.join(columns)}",
        f"columns seen: {', '.join(seen)}",
        problem="missing",
        closest=[c for m in missing for c in _close(m, seen)],
    )


def _close(word: str, candidates: list[str]) -> list[str]:
    import difflib

    lower = {c.lower(): c for c in candidates}
    return [lower[m] for m in difflib.get_close_matches(word.lower(), list(lower), n=3, cutoff=0.6)]


def problem(s: Session, item: str, action: str, raw: Any, exc: StepFailed) -> None:
    """Report what a step could not find, instead of stopping the check."""
    if isinstance(exc, NotCheckable):
        s.emit(item, "unchecked", exc.message, {"reason": exc.message})
        return
    facts: dict[str, Any] = {"problem": "missing", "message": exc.message}
    if isinstance(exc, ui.FieldNotFound):
        label = item[len(action) + 1 :] if item.startswith(action + " ") else ""
        gate = features.gate_of(label, urlparse(s.page.url).path) if label else None
        if exc.problem == "missing" and gate and appears_later(s, gate.feature) and not section_shown(s, gate):
            s.emit(item, "unchecked", appears_after_text(s, gate.feature), {"feature": gate.feature})
            return
        closest = same_field(label, exc.closest, s.check_context) if label else exc.closest
        facts.update(problem=exc.problem, count=exc.count, closest=closest)
        if exc.problem == "ambiguous":
            s.emit(item, "ambiguous", f"{exc.count} matches: {exc.message}; {exc.hint}", facts)
            return
        if gate:
            exc.hint = f"NetSuite shows it only once {gate.feature} is on"
        if closest:
            ids = _label_ids(s, closest)
            shown = [f"'{c}'" + (f" (field id {ids[c]})" if ids.get(c) else "") for c in closest]
            detail = "closest labels: " + ", ".join(shown)
            fix = suggest_fix(action, raw, closest[0])
            facts.update(closest_ids=ids, fix=fix)
            s.emit(item, "missing", f"{detail}; fix: {fix}" if fix else detail, facts)
            return
    hint = f" ({exc.hint})" if exc.hint else ""
    s.emit(item, "missing", exc.message + hint, facts)


def same_field(label: str, closest: list[str], context: Any = None) -> list[str]:
    """The page labels that may be ``label`` drifted: alike enough, and named by no other step of the stage."""
    import difflib

    used = context.labels if isinstance(context, StageContext) else set()
    wanted = label.lower()
    return [
        c
        for c in closest
        if " ".join(c.lower().split()) not in used
        and difflib.SequenceMatcher(None, wanted, c.lower()).ratio() >= SAME_FIELD
    ]


def _label_ids(s: Session, labels: list[str]) -> dict[str, str]:
    script = f"""(labels) => {{
      const idOf = {FIELD_ID_JS};
      const out = {{}};
      const wrappers = [...document.querySelectorAll("div.uir-field-wrapper[data-nsps-label]")];
      for (const label of labels) {{
        const w = wrappers.find((e) => e.getAttribute("data-nsps-label") === label);
        if (w) out[label] = idOf(w);
      }}
      return out;
    }}"""
    try:
        return s.page.evaluate(script, labels)
    except Exception:  # the ids only decorate the report
        return {}


def suggest_fix(action: str, raw: Any, closest: str) -> str:
    """The smallest flow edit that makes the step pass: the page's label as a fallback."""
    spec = raw.get("field") if isinstance(raw, dict) else raw
    if not isinstance(spec, str | list):
        return ""
    entries = [spec] if isinstance(spec, str) else list(spec)
    if any("${" in str(e) for e in entries):
        return f"the label comes from config.yaml: write '{closest}' there"
    if action not in ("fill", "choose", "check", "uncheck"):
        return ""
    new = [*entries, closest]
    labels = [e for e in new if not str(e).startswith(ui.ID_PREFIX)]
    ids = [e for e in new if str(e).startswith(ui.ID_PREFIX)]
    text = "[" + ", ".join(yaml_scalar(str(e)) for e in [*labels, *ids]) + "]"
    return f"{action}: {text}" if action == "uncheck" or not isinstance(raw, dict) else f"field: {text}"


def yaml_scalar(text: str) -> str:
    """A string as a YAML flow scalar: plain when that is safe (``id:x`` too), else double-quoted."""
    risky = (
        not text
        or text != text.strip()
        or text[0] in "-?:#&*!|>'\"%@`"
        or any(ch in text for ch in ",[]{}")
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or text.lower() in {"yes", "no", "true", "false", "on", "off", "null", "~"}
        or text.replace(".", "", 1).isdigit()
    )
    return json.dumps(text) if risky else text


# --- console -------------------------------------------------------------------------------

MARKS = {
    "found": "found",
    "ok": "ok",
    "missing": "MISSING",
    "ambiguous": "AMBIGUOUS",
    "unchecked": "not read",
    "failed": "FAILED",
    "skipped": "skipped",
}


class CheckReporter:
    """Plain lines: every step's outcome, problems with their flow line, and a summary."""

    def __init__(self, stream: TextIO | None = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose

    def _print(self, text: str) -> None:
        print(redactor.redact(text), file=self.stream, flush=True)

    def run_started(self, account: str, account_id: str, mode: str, target: str) -> None:
        self._print(f"nsauto check: account {account} ({account_id}) at {target}")
        self._print("read-only: nothing is filled, ticked, saved or agreed to")

    def stage_started(self, name: str, title: str) -> None:
        self._print(f"▶ {name}: {title}")

    def step_started(self, stage: str, item: str) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        mark = MARKS.get(result.status, result.status)
        line = f"  {mark:<9} {result.item}"
        if result.status in (*PROBLEMS, "failed"):
            self._print(f"{line}   {result.where}".rstrip())
            for part in result.detail.split("; "):
                self._print(f"            {part}")
            return
        if result.detail and (self.verbose or result.status != "ok"):
            line += f"  ({result.detail})"
        self._print(line)

    def stage_finished(self, result: StageResult) -> None:
        pass

    def run_finished(self, result: RunResult) -> None:
        counts = result.counts()
        parts = [f"{counts[k]} {k}" for k in ("found", "missing", "ambiguous") if counts.get(k)]
        if counts.get("unchecked"):
            parts.append(f"{counts['unchecked']} not checkable read-only")
        self._print(f"check: {', '.join(parts) or 'nothing to check'} in {result.seconds:.1f} s")
        if result.error:
            self._print(f"error: {result.error}")
            if result.hint:
                self._print(f"hint: {result.hint}")
        elif any(counts.get(k) for k in PROBLEMS):
            self._print("fix each step above (add the suggested fallback or change the label), then check again")
        else:
            self._print("every locator resolves")
        if result.artifacts:
            self._print(f"log: {result.artifacts}")


def exit_code(result: RunResult) -> int:
    """1 when anything is missing or ambiguous (or the check itself failed), else 0."""
    counts = result.counts()
    if result.error or any(counts.get(k) for k in PROBLEMS):
        return ExitCode.FAILED
    return ExitCode.OK


def run_check(config: Config, flow: Flow, account: Account, args: argparse.Namespace) -> int:
    """`nsauto check`: log in, walk every stage's pages read-only, resolve every locator."""
    from automation.browser import BrowserOptions
    from automation.engine.orchestrate import run_account
    from automation.engine.runner import RunOptions

    only = [s.strip() for s in args.only.split(",")] if args.only else []
    names = [stage.stage for stage in flow.stages]
    for name in [*only, *([args.from_stage] if args.from_stage else [])]:
        if name not in names:
            from automation.errors import InputError
            from automation.yamlsource import did_you_mean

            raise InputError(f"no stage '{name}'", did_you_mean(name, names) or f"stages are: {', '.join(names)}")
    options = RunOptions(
        check=True,
        only=only,
        from_stage=args.from_stage,
        timeout_s=args.timeout or config.browser.timeout_s,
        artifacts=args.artifacts,
        fresh_login=getattr(args, "fresh_login", False),
    )
    if getattr(args, "retries", None) is not None:
        options.retries = max(0, args.retries)
    browser = BrowserOptions(
        headless=not args.headed and config.browser.headless,
        slow_mo_ms=args.slow_mo,
        executable=args.executable or (str(config.browser.executable) if config.browser.executable else None),
        connect=args.connect or config.browser.connect,
    )
    capturer = start_capture(config, account, args, "check")
    result = run_account(config, account, flow, options, browser, CheckReporter(verbose=args.debug), capturer)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    if capturer is not None:
        finish_capture(capturer, args)
    return exit_code(result)


def start_capture(config: Config, account: Account, args: argparse.Namespace, command: str) -> Any:
    """`--capture DIR`: a capturer (automation/capture) for the run, or None."""
    if not getattr(args, "capture", None):
        return None
    from automation.capture.writer import Capturer, run_secrets
    from automation.engine.variables import variables_for

    variables = variables_for(config, account)
    return Capturer(args.capture, account.account_id, run_secrets(account), command, variables)


def finish_capture(capturer: Any, args: argparse.Namespace) -> None:
    """Sanitize and write the capture (nothing is written when a secret survived), then say where."""
    from automation.capture.writer import summary

    for line in summary(capturer.write(), getattr(args, "capture_report", False)):
        print(line, file=sys.stderr)
