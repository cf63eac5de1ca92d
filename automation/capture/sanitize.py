"""Rendered NetSuite HTML → a copy safe to attach to an issue. Pure functions, no I/O.

What a page shows falls in two groups. NetSuite's own vocabulary (field labels, headings,
buttons, subtab names, column headers, dropdown options of its own lists, messages) is what a
flow names, so it is kept. The account's data (input values, list cells, view-mode values,
record names, people, emails, account and internal ids, query strings, titles, ``data-*``
attributes other than NetSuite's layout ones) is blanked or replaced by a stable placeholder
(``user-1@example.com``, ``Employee 1``, ``Record 1``, ``1234567_SB1``, ``101``): the same original
always gets the same placeholder across every page of a capture, so a link from a list to a
record, or a name chosen in a dropdown, still points at the same thing. Scripts, comments,
meta tags, CSRF and session fields are dropped.

A :class:`Sanitizer` is run twice over the pages (:meth:`Sanitizer.collect` then
:meth:`Sanitizer.render`), so a name first seen on the last page is replaced in the first page's
headings too. :class:`Report` counts what was replaced, by kind, never the values.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
DROPPED = {"script", "noscript", "template", "iframe", "object"}  # elements dropped with their content
LABEL_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "label", "button", "option", "th", "legend", "title", "caption"}
LABEL_CLASSES = {
    "uir-record-type",
    "uir-list-headerrow",
    "uir-label",
    "uir-page-title",
    "uir-page-title-firstline",
    "dropdownDiv",
    "ns-menuitem",
    "uir-alert-box",
    "session_confirmation_alert",
    "listheader",
    "listheadertd",
    "smalltextnolink",
    "uir-field-label",
    "formtabtext",
}
"""Elements whose text is NetSuite's wording (labels, headings, messages, menus), not the account's data."""

LAYOUT_DATA = {
    "data-nsps-label",
    "data-nsps-type",
    "data-nsps-id",
    "data-walkthrough",
    "data-field-type",
    "data-required",
    "data-show-if",
    "data-enable-if",
    "data-tab",
    "data-tab-group",
    "data-machine",
    "data-line",
    "data-field",
    "data-form",
    "data-for",
    "data-type",
    "data-menu",
}
"""NetSuite's layout attributes: they say what a field is and where, never what it holds."""

KEPT_ATTRS = {
    "id",
    "class",
    "name",
    "type",
    "style",
    "hidden",
    "disabled",
    "checked",
    "selected",
    "readonly",
    "multiple",
    "colspan",
    "rowspan",
    "for",
    "lang",
    "charset",
    "rel",
    "method",
    "enctype",
    "target",
    "role",
    "tabindex",
    "align",
    "valign",
    "width",
    "height",
    "border",
    "cellpadding",
    "cellspacing",
    "maxlength",
    "size",
    "accept",
    "autocomplete",
    "placeholder",
    "dir",
}
URL_ATTRS = {"href", "action", "src", "formaction"}
TEXT_ATTRS = {"alt", "aria-label", "data-nsps-label", "data-confirm", "data-menu"}
BUTTON_TYPES = {"button", "submit", "reset", "image"}
SECRET_NAME = re.compile(r"csrf|xsrf|token|session|nonce|jsessionid|^_?sid$|authenticity", re.I)
KEPT_QUERY = {"whence", "e", "showall", "feature", "sc", "l", "xml", "ifrmcntnr", "nl", "t", "custpage"}
"""Query keys whose short values are NetSuite's switches (edit mode, show all, which feature)."""
ID_QUERY = {"id", "rectype", "recordtype", "entity", "role", "application"}
SWITCH = re.compile(r"^[A-Za-z0-9_-]{0,16}$")
TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
DIGITS = re.compile(r"^-?\d+$")
WIDGET_CALL = re.compile(r"^\s*(return\s+)?[A-Za-z_$][\w$.]*\((this|this,\s*event)?\);?\s*$")
"""An inline handler that only calls a page function with the element: kept, it holds no data."""
WINDOW_OPEN = re.compile(
    r"""^\s*window\.open\(['"]([^'"]*)['"](\s*,\s*'\w*'\s*,\s*'[\w=,]*'\s*\);\s*(return false;)?\s*)$"""
)
"""A handler that only opens a window (M2M's Create New): kept with its URL sanitized."""
TITLE_COMPANY = re.compile(r"NetSuite\s*\(([^()]+)\)\s*$")
DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b.*$")
VOCABULARY = {
    "yes",
    "no",
    "t",
    "f",
    "edit",
    "view",
    "revoke",
    "revoked",
    "enabled",
    "blocked",
    "released",
    "active",
    "inactive",
    "full",
    "create",
    "none",
    "-",
    "•",
    "|",
    "open",
    "new",
    "netsuite",
    "log out",
    "home",
}
"""List cells that are NetSuite's words, not data: kept so a list still reads the same."""

PERSON_FIELDS = {"user", "entity", "employee", "created by", "owner", "sales rep", "supervisor", "contact"}
REFERENCE_FIELDS = PERSON_FIELDS | {"role", "application", "application name", "subsidiary", "company", "customer"}
"""Dropdowns (by label or field id) whose options are the account's records, not NetSuite's lists."""

PLACEHOLDER_FORMS = {
    "email": "user-{n}@example.com",
    "person name": "Employee {n}",
    "record name": "Record {n}",
    "company name": "Company {n}",
    "internal id": "{id}",
}


@dataclass
class Report:
    """What was replaced or dropped, by kind, with counts: the user reads it before sharing."""

    counts: Counter = field(default_factory=Counter)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n

    def lines(self) -> list[str]:
        return [f"{count:>6}  {kind}" for kind, count in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def to_dict(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


class Placeholders:
    """Original → placeholder, the same across every page of a capture (never written anywhere)."""

    def __init__(self, account_id: str = "", account_placeholder: str = "") -> None:
        self.map: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        self.spread: set[str] = set()  # originals also replaced inside kept text (headings, titles, messages)
        self._n: Counter = Counter()
        self.account_id = account_id.strip()
        self.account_placeholder = account_placeholder or placeholder_account(self.account_id)
        self._pattern: re.Pattern[str] | None = None

    def get(self, value: str, hint: str = "record name", spread: bool = False) -> str:
        """The placeholder of ``value`` (registered on first sight, its kind from its shape, else ``hint``).

        ``spread``: a name seen where names are sure to be data (a list cell, a record dropdown, the
        company in the title), so it is replaced in headings and messages too; a text of unknown
        role is replaced only where it stands (it may be NetSuite's own wording)."""
        key = value.strip()
        if spread and key not in self.spread and len(key) >= 3 and not DIGITS.match(key):
            self.spread.add(key)
            self._pattern = None
        if key in self.map:
            return self.map[key]
        kind = classify(key, hint, self.account_id)
        if kind == "account id":
            return self.account_placeholder if key.upper().replace("-", "_") == self.account_id.upper() else key
        self._n[kind] += 1
        n = self._n[kind]
        placeholder = PLACEHOLDER_FORMS[kind].format(n=n, id=100 + n)
        self.map[key] = placeholder
        self.kind[key] = kind
        self._pattern = None
        return placeholder

    def scrub(self, text: str, report: Report) -> str:
        """Free text (a heading, a message, a title): known names, emails and the account id replaced."""
        if not text.strip():
            return text
        if self._pattern is None:
            names = sorted(self.spread, key=len, reverse=True)
            alternatives = [rf"(?<!\w){re.escape(n)}(?!\w)" for n in names] + [EMAIL.pattern]
            self._pattern = re.compile("|".join(alternatives))

        def name(m: re.Match[str]) -> str:  # one pass: a placeholder is never replaced again
            found = m.group(0)
            placeholder = self.get(found, "email") if found not in self.map else self.map[found]
            report.add(self.kind.get(found, "record name"))
            return placeholder

        return self.scrub_account(self._pattern.sub(name, text), report)

    def scrub_account(self, text: str, report: Report) -> str:
        """The run's account id in each form NetSuite writes it (1234567_SB1, 1234567-sb1 in host names)."""
        if not self.account_id:
            return text
        real, fake = self.account_id, self.account_placeholder
        for a, b in ((real, fake), (real.replace("_", "-").lower(), fake.replace("_", "-").lower())):
            pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", re.I)
            text, n = pattern.subn(b, text)
            if n and a.lower() != b.lower():
                report.add("account id", n)
        return text


def placeholder_account(account_id: str) -> str:
    """``1234567`` plus the real id's suffix (``_SB1``, ``_RP2``), so sandbox stays sandbox."""
    m = re.match(r"^[A-Za-z0-9]+?([_-][A-Za-z]+\d*)?$", account_id or "")
    suffix = (m.group(1) or "").replace("-", "_").upper() if m else ""
    return "1234567" + suffix


def classify(value: str, hint: str, account_id: str = "") -> str:
    if account_id and value.upper().replace("-", "_") == account_id.upper():
        return "account id"
    if EMAIL.fullmatch(value):
        return "email"
    if DIGITS.match(value):
        return "internal id"
    return hint


# --------------------------------------------------------------------------- the HTML pass


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    label: bool  # its text is NetSuite's wording
    data_hint: str  # what its text is when it is data
    dropped: bool
    blank: bool  # textarea: its text is a value


class _Pass(HTMLParser):
    def __init__(self, sanitizer: Sanitizer, url: str, report: Report) -> None:
        super().__init__(convert_charrefs=True)
        self.s = sanitizer
        self.url = url
        self.report = report
        self.out: list[str] = []
        self.stack: list[_Element] = []
        self.people_page = "/entity/employee" in urlsplit(url).path

    # -- context
    def _dropped(self) -> bool:
        return any(e.dropped for e in self.stack)

    def _field_of(self, attrs: dict[str, str]) -> str:
        """The label (or id) of the field an element belongs to, lower case."""
        for e in reversed(self.stack):
            if "data-nsps-label" in e.attrs:
                return e.attrs["data-nsps-label"].strip().lower()
        fid = attrs.get("id", "")
        return fid[:-3].lower() if fid.endswith("_fs") else ""

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs_list, closed=False)

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs_list, closed=True)

    def _start(self, tag: str, attrs_list: list[tuple[str, str | None]], closed: bool) -> None:
        attrs = {k.lower(): (v if v is not None else "") for k, v in attrs_list}
        dropped = tag in DROPPED
        if tag == "meta" and not ("charset" in attrs or attrs.get("name") == "viewport"):
            self.report.add("meta tag")
            return
        secret_name = SECRET_NAME.search(attrs.get("name", "") + " " + attrs.get("id", ""))
        if tag == "input" and secret_name and attrs.get("type", "text").lower() == "hidden":
            self.report.add("csrf or session field")
            return
        if dropped:
            if not self._dropped():
                self.report.add("script" if tag in ("script", "noscript") else f"{tag} element")
            if tag not in VOID and not closed:
                self.stack.append(_Element(tag, attrs, False, "", True, False))
            return
        classes = set(attrs.get("class", "").split())
        eid = attrs.get("id", "")
        label = (
            tag in LABEL_TAGS
            or bool(classes & LABEL_CLASSES)
            or eid.endswith(("_fs_lbl", "_fs_lbl_uir_label", "headerrow"))
            or eid == "div__alert"
            or (tag == "a" and eid.endswith("txt"))
            or (tag == "input" and attrs.get("type", "").lower() in BUTTON_TYPES)
        )
        hint = "person name" if self.people_page else "record name"
        element = _Element(tag, attrs, label, hint, False, tag == "textarea")
        if not self._dropped():
            self.out.append(self._render_start(tag, attrs, closed and tag not in VOID))
        if tag not in VOID and not closed:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                hidden = any(e.dropped for e in self.stack[: i + 1])
                del self.stack[i:]
                if not hidden:
                    self.out.append(f"</{tag}>")
                return
        # a stray end tag: leave it out

    def handle_data(self, data: str) -> None:
        if self._dropped():
            return
        if self.stack and self.stack[-1].tag == "title":
            company = TITLE_COMPANY.search(data)
            if company:  # "Role - NetSuite (Company)": the account's company name
                self.s.placeholders.get(company.group(1), "company name", spread=True)
        if not data.strip():
            self.out.append(html.escape(data, quote=False))
            return
        if any(e.blank for e in self.stack):
            self.report.add("input value")
            return
        if any(e.tag == "style" for e in self.stack):
            self.out.append(data)
            return
        if any(e.label for e in self.stack):
            self.out.append(html.escape(self.s.placeholders.scrub(data, self.report), quote=False))
            return
        self.out.append(html.escape(self._data_text(data), quote=False))

    def _data_text(self, data: str) -> str:
        text = data.strip()
        lead, trail = data[: len(data) - len(data.lstrip())], data[len(data.rstrip()) :]
        if text.lower() in VOCABULARY:
            return data
        if DATE.match(text):
            self.report.add("date")
            return lead + "1/1/2000" + trail
        hint = self.stack[-1].data_hint if self.stack else "record name"
        sure = any(e.tag == "td" or "uir-record-name" in e.attrs.get("class", "") for e in self.stack)
        placeholder = self.s.placeholders.get(text, hint, spread=sure)
        if placeholder != text:
            self.report.add(self.s.placeholders.kind.get(text, "account id"))
        return lead + placeholder + trail

    def handle_comment(self, data: str) -> None:
        if not self._dropped():
            self.report.add("comment")

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.out.append(f"<!{decl}>")

    # -- attributes
    def _render_start(self, tag: str, attrs: dict[str, str], self_closing: bool) -> str:
        parts = [tag]
        input_type = attrs.get("type", "text").lower() if tag == "input" else ""
        for name, value in attrs.items():
            new = self._attribute(tag, input_type, name, value, attrs)
            if new is None:
                continue
            parts.append(f'{name}="{html.escape(new, quote=True)}"')
        return "<" + " ".join(parts) + ("/>" if self_closing else ">")

    def _attribute(self, tag: str, input_type: str, name: str, value: str, attrs: dict[str, str]) -> str | None:
        """The attribute's sanitized value, or None to drop it."""
        if name.startswith("on"):
            if WIDGET_CALL.match(value):  # NetSuite's widget wiring, no data: `NLCheckboxOnClick(this)`
                return value
            popup = WINDOW_OPEN.match(value)
            if popup:  # a button that opens a window: the URL sanitized like a link's
                url, rest = self.sanitize_url(popup.group(1)), popup.group(2)
                return f"window.open({json.dumps(url)}{rest}"
            self.report.add("script")
            return None
        if name == "value":
            if tag == "input" and input_type in BUTTON_TYPES:
                return self.s.placeholders.scrub(value, self.report)
            if tag == "input" and input_type in ("checkbox", "radio") and value in ("T", "F", "on", ""):
                return value
            if tag == "option":
                return self._id_value(value)
            if value:
                self.report.add("input value")
            return ""
        if name == "data-options":
            return self._options(value, attrs)
        if name == "data-value":
            return self._id_value(value)
        if name in URL_ATTRS:
            return self.sanitize_url(value)
        if name == "title":
            if value:
                self.report.add("title attribute")
            return None
        if name in TEXT_ATTRS:
            return self.s.placeholders.scrub(value, self.report)
        if name in KEPT_ATTRS or name in LAYOUT_DATA:
            return value
        if name == "content" and tag == "meta":
            return value
        self.report.add("data attribute" if name.startswith("data-") else "other attribute")
        return None

    def _id_value(self, value: str) -> str:
        if DIGITS.match(value.strip() or "x"):
            self.report.add("internal id")
            return self.s.placeholders.get(value, "internal id")
        if value == "" or TOKEN.match(value):
            return value
        self.report.add("input value")
        return ""

    def _options(self, value: str, attrs: dict[str, str]) -> str:
        """A dropdown's options (``[[value, text], ...]``): ids mapped; the texts of record lists replaced."""
        try:
            options = json.loads(value)
        except ValueError:
            self.report.add("data attribute")
            return "[]"
        field = self._field_of(attrs)
        records = field in REFERENCE_FIELDS
        hint = "person name" if field in PERSON_FIELDS else "record name"
        out = []
        for item in options if isinstance(options, list) else []:
            if not (isinstance(item, list) and len(item) == 2):
                continue
            key, text = str(item[0]), str(item[1])
            if records and text.strip():
                placeholder = self.s.placeholders.get(text, hint, spread=True)
                if placeholder != text.strip():
                    self.report.add(self.s.placeholders.kind.get(text.strip(), "account id"))
                text = placeholder
            else:
                text = self.s.placeholders.scrub(text, self.report)
            out.append([self._id_value(key), text])
        return json.dumps(out)

    def sanitize_url(self, value: str) -> str:
        return sanitize_url(value, self.s.placeholders, self.report)


def sanitize_url(value: str, placeholders: Placeholders, report: Report) -> str:
    """Path kept (the account id replaced); query keys kept, values only when NetSuite switches or ids."""
    if value.startswith(("javascript:", "data:")):
        report.add("script")
        return "#"
    try:
        parts = urlsplit(value)
    except ValueError:
        report.add("url")
        return "#"
    netloc = placeholders.scrub_account(parts.netloc, report)
    path = placeholders.scrub_account(parts.path, report)
    query = []
    for key, val in parse_qsl(parts.query, keep_blank_values=True):
        lower = key.lower()
        if SECRET_NAME.search(lower):
            report.add("csrf or session field")
            continue
        if lower == "c" and val:
            query.append((key, placeholders.account_placeholder))
            report.add("account id")
        elif val and DIGITS.match(val) and (lower in ID_QUERY or lower.endswith("id")):
            query.append((key, placeholders.get(val, "internal id")))
            report.add("internal id")
        elif lower in KEPT_QUERY and SWITCH.match(val):
            query.append((key, val))
        else:
            if val:
                report.add("url query value")
            query.append((key, ""))
    text = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
    return urlunsplit((parts.scheme, netloc, path, text, ""))


class Sanitizer:
    """Pages of one capture, sanitized with one placeholder table (see the module docstring)."""

    def __init__(self, account_id: str = "") -> None:
        self.placeholders = Placeholders(account_id)
        self.report = Report()

    def collect(self, page_html: str, url: str) -> None:
        """First pass: learn the page's data strings (their placeholders), render nothing."""
        parser = _Pass(self, url, Report())
        parser.feed(page_html)
        parser.close()

    def render(self, page_html: str, url: str) -> str:
        """Second pass: the sanitized document; counts go to :attr:`report`."""
        parser = _Pass(self, url, self.report)
        parser.feed(page_html)
        parser.close()
        return "".join(parser.out)

    def url(self, url: str) -> str:
        return sanitize_url(url, self.placeholders, self.report)

    def text(self, text: str) -> str:
        return self.placeholders.scrub(text, self.report)


def sanitize_page(page_html: str, url: str, account_id: str = "") -> tuple[str, Report]:
    """One page on its own (both passes): the sanitized HTML and what was replaced."""
    sanitizer = Sanitizer(account_id)
    sanitizer.collect(page_html, url)
    return sanitizer.render(page_html, url), sanitizer.report
