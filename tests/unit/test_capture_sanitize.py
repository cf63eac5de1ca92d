"""The capture sanitizer (automation/capture): what it keeps, replaces and drops; an abort writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.capture.sanitize import Sanitizer, sanitize_page
from automation.capture.writer import CaptureError, Capturer, Visit

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="csrf" content="abc">
<title>Employees - NetSuite (Acme Corp)</title><script src="/ui/ns.js"></script><script>var t="x";</script></head>
<body><div id="ns-header"><span class="ns-role">Jane Doe — Acme Corp (7654321_SB2)</span></div>
<h1 class="uir-record-type">Employees</h1>
<div class="uir-field-wrapper" data-nsps-label="User"><span id="entity_fs_lbl"><a>User</a></span>
<span id="entity_fs" data-options='[["3","Jane Doe"],["4","John Roe"]]'>
<input name="inpt_entity" class="dropdownInput" value="Jane Doe" title="Jane" onfocus="steal('jane@acme.example')">
<input type="hidden" name="entity" value="3"></span></div>
<input type="hidden" name="_csrf" value="tok"><span class="checkbox_ck" onclick="NLCheckboxOnClick(this);"></span>
<table><tr class="uir-list-headerrow"><td>Name</td><td>Email</td><td>Inactive</td></tr>
<tr><td><a href="/app/common/entity/employee.nl?id=3&e=T&token=zz&q=hello">Jane Doe</a></td>
<td>jane@acme.example</td><td>No</td></tr></table>
<!-- internal note --><input type="submit" id="submitter" value="Save"></body></html>"""


def test_labels_stay_data_becomes_stable_placeholders_and_scripts_go() -> None:
    out, report = sanitize_page(
        PAGE, "https://7654321-sb2.app.netsuite.com/app/common/entity/employeelist.nl", "7654321_SB2"
    )
    for gone in (
        "Jane",
        "John",
        "Acme",
        "jane@acme",
        "7654321",
        "<script",
        "steal",
        "tok",
        "abc",
        "hello",
        "internal note",
    ):
        assert gone not in out, gone
    for kept in ("Employees", ">User<", ">Name<", ">Email<", ">No<", 'value="Save"', "NLCheckboxOnClick(this);"):
        assert kept in out, kept
    assert "Employee 1" in out and "user-1@example.com" in out and "Company 1" in out
    # one person, one placeholder: the option, the hidden value, the list cell and the link's id agree
    assert "&quot;101&quot;, &quot;Employee 2&quot;" in out and ">Employee 2</a>" in out
    assert "employee.nl?id=101&amp;e=T&amp;q=" in out
    counts = report.to_dict()
    assert (
        counts["script"] >= 3 and counts["csrf or session field"] == 2
    )  # the hidden field and the token= query and counts["person name"] >= 2


def test_a_name_seen_on_a_later_page_is_replaced_on_an_earlier_one() -> None:
    sanitizer = Sanitizer("1234567")
    first = "<html><head><title>Role - Integration Role for Acme</title></head><body></body></html>"
    later = "<table><tr><td>Integration Role for Acme</td></tr></table>"
    for page in (first, later):
        sanitizer.collect(page, "/app/setup/rolelist.nl")
    assert "Acme" not in sanitizer.render(first, "/app/setup/role.nl")


def test_a_secret_that_survives_aborts_and_writes_nothing(tmp_path: Path) -> None:
    secret = "Hunter2-Canary-Password"
    capturer = Capturer(tmp_path / "cap", "1234567", {"password": secret}, "check")
    page = f"<html><body><h1 class='uir-record-type'>{secret}</h1></body></html>"  # a heading is kept
    capturer.visits["/app/x.nl"] = Visit("http://h/app/x.nl", "x", page, [], False, ["s: look"])
    with pytest.raises(CaptureError) as caught:
        capturer.write()
    assert "the password (plain)" in caught.value.message and secret not in caught.value.message
    assert not (tmp_path / "cap").exists() and list(tmp_path.iterdir()) == []


def test_a_capture_directory_must_be_new(tmp_path: Path) -> None:
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "old.txt").write_text("x")
    with pytest.raises(CaptureError, match="not empty"):
        Capturer(tmp_path / "cap", "1234567", {}, "check")
