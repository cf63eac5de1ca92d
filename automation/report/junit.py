"""JUnit XML for `nsauto run/plan --all --junit FILE`: a testsuite per account, a testcase per stage.

Why JUnit: CI servers (GitLab, Jenkins, GitHub test reporters) show it as a table of passed and
failed checks with the failure message next to each, which is how a fleet of accounts reads best.
Every stage of the flow is listed, also those that did not run (skipped, with the reason), so
the table has the same rows for every account. Every text passes the redactor, and characters
XML 1.0 cannot carry are dropped, so the file is valid XML whatever NetSuite said.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from automation.engine.events import RunResult, StageResult
from automation.secrets.redact import redactor

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", redactor.redact(value or ""))


def junit_xml(results: Sequence[RunResult], stages: Sequence[str]) -> str:
    """The JUnit document for these results; ``stages`` are the flow's selected stages, in order."""
    root = ET.Element("testsuites", name="nsauto")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for result in results:
        suite = _suite(result, stages)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += result.seconds
    root.set("time", f"{seconds:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(path: Path, results: Sequence[RunResult], stages: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(results, stages), encoding="utf-8")


def _suite(result: RunResult, stages: Sequence[str]) -> ET.Element:
    suite = ET.Element("testsuite", name=_text(result.account), time=f"{result.seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in (("account_id", result.account_id), ("mode", result.mode), ("service", result.service)):
        ET.SubElement(props, "property", name=name, value=_text(value))
    ran = {stage.name: stage for stage in result.stages}
    failed_first = next((s.name for s in result.stages if s.status == "failed"), None)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    names = list(stages) + [s.name for s in result.stages if s.name not in stages]
    for index, name in enumerate(names):
        case = ET.SubElement(suite, "testcase", classname=f"nsauto.{_text(result.account)}", name=_text(name))
        counts["tests"] += 1
        stage = ran.get(name)
        if stage is not None:
            case.set("time", f"{stage.seconds:.3f}")
            if stage.status == "failed":
                counts["failures"] += 1
                _failure(case, "failure", _stage_message(stage, result), result.hint)
            elif stage.steps:
                ET.SubElement(case, "system-out").text = "\n".join(
                    _text(f"{step.status}: {step.item}" + (f" ({step.detail})" if step.detail else ""))
                    for step in stage.steps
                )
        elif result.error and not result.stages and index == 0:
            counts["errors"] += 1  # the account failed before its first stage (config, keyring, browser)
            _failure(case, "error", result.error, result.hint)
        else:
            counts["skipped"] += 1
            reason = f"not run: stage '{failed_first}' failed" if failed_first else "not run"
            if result.error and not result.stages:
                reason = "not run: the account failed before its first stage"
            ET.SubElement(case, "skipped", message=_text(reason))
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _stage_message(stage: StageResult, result: RunResult) -> str:
    failed = [step for step in stage.steps if step.status == "failed"]
    if failed:
        step = failed[-1]
        return f"{step.where}: {step.detail}" if step.where else step.detail
    return result.error or "failed"


def _failure(case: ET.Element, tag: str, message: str, hint: str | None) -> None:
    first = _text(message).strip().splitlines()[0] if _text(message).strip() else tag
    element = ET.SubElement(case, tag, message=first[:500], type="nsauto")
    element.text = _text(message + (f"\nhint: {hint}" if hint else ""))
