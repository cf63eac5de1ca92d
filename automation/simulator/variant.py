"""UI variants: the same pages with other ids and labels, to rehearse meeting a real account.

The ids the reference marks G (field ids, sublist machine ids, subtab ids) are guesses, and a
real account (or a later NetSuite release, such as the Redwood theme) may also word a label
differently. A variant renames them while keeping NetSuite's markup conventions, so a flow that
relies only on those conventions and on labels shows exactly which labels drifted.

Pages keep naming fields by their canonical ids and labels; ``markup.py`` passes every id and
label through :func:`field_id`, :func:`machine_id`, :func:`tab_id` and :func:`label`, and the app
turns posted names back into canonical ones with :func:`canonical_request`, so no page changes.
The variant in force is per request (set from the settings by the app), hence a context variable.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode

from automation.simulator.web import Request


@dataclass(frozen=True)
class Variant:
    """Renames, canonical → shown; anything not named stays as it is."""

    name: str
    ids: dict[str, str] = field(default_factory=dict)  # body field ids (`<f>_fs`, `name=<f>`, Field:<f>)
    machines: dict[str, str] = field(default_factory=dict)  # sublist edit machines (`<m>_splits`, `<m>data`)
    tabs: dict[str, str] = field(default_factory=dict)  # subtabs (`<t>txt`, `<t>_div`)
    labels: dict[str, str] = field(default_factory=dict)  # visible field labels and list column headers

    def posted_names(self) -> dict[str, str]:
        """Shown form-field name → canonical name, for what a browser posts back."""
        back = {shown: canonical for canonical, shown in self.ids.items()}
        back.update({f"{shown}data": f"{canonical}data" for canonical, shown in self.machines.items()})
        return back


CLASSIC = Variant("classic")

REDWOOD = Variant(
    "redwood",
    ids={
        "iswebserviceonlyrole": "webserviceonly",
        "centertype": "centercategory",
        "tfarequired": "twofactorrequired",
        "tokenbasedauth": "tokenauth",  # not "tba": that is a feature id on Enable Features
        "tbaauthflow": "tbaauthorizationflow",
        "tbaissuetoken": "tbaissuetokenendpoint",
    },
    machines={
        "tranmach": "permtran",
        "repmach": "permrept",
        "listsmach": "permlist",
        "setupmach": "permsetup",
        "custrecordmach": "permcustrec",
        "roles": "employeeroles",
    },
    tabs={"permissions": "rolepermissions", "authentication": "authtab", "access": "accesstab"},
    labels={
        "Web Services Only Role": "Web Services Only",
        "Center Type": "Centre Type",
        "TBA: Authorization Flow": "TBA Authorization Flow",
    },
)

VARIANTS: dict[str, Variant] = {"": CLASSIC, "classic": CLASSIC, "redwood": REDWOOD}

_current: ContextVar[Variant] = ContextVar("simulator_variant", default=CLASSIC)


def check_name(name: str) -> None:
    """Raise ValueError for an unknown variant (settings reject it with a 400)."""
    if name not in VARIANTS:
        known = ", ".join(sorted(n for n in VARIANTS if n))
        raise ValueError(f"unknown variant {name!r}; known: {known}")


def activate(ids: str, labels: str | None = None) -> Variant:
    """Make this request's variant: the ids of variant `ids`, the labels of variant `labels`.

    The `field_ids` and `labels` dials pick each half; `--variant` sets both. Unknown names fall
    back to classic.
    """
    with_ids = VARIANTS.get(ids, CLASSIC)
    with_labels = VARIANTS.get(ids if labels is None else labels, CLASSIC)
    variant = with_ids
    if with_labels is not with_ids:
        variant = replace(with_ids, name=f"{with_ids.name}+{with_labels.name}-labels", labels=with_labels.labels)
    _current.set(variant)
    return variant


def current() -> Variant:
    return _current.get()


def field_id(fid: str) -> str:
    return _current.get().ids.get(fid, fid)


def machine_id(name: str) -> str:
    return _current.get().machines.get(name, name)


def tab_id(tid: str) -> str:
    return _current.get().tabs.get(tid, tid)


def label(text: str) -> str:
    return _current.get().labels.get(text, text)


def canonical_request(req: Request) -> Request:
    """The request with posted variant names turned back into the canonical ones pages read."""
    back = _current.get().posted_names()
    form_post = req.method == "POST" and "application/x-www-form-urlencoded" in req.headers.get("content-type", "")
    if not back or not form_post:
        return req
    if req.path.startswith(("/__sim/", "/services/")):
        return req  # control and REST bodies are JSON, whatever the client's content type says
    pairs = parse_qsl(req.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    if not any(name in back for name, _ in pairs):
        return req
    body = urlencode([(back.get(name, name), value) for name, value in pairs]).encode("utf-8")
    return replace(req, body=body)
