"""Dials: every behaviour of NetSuite that the public record leaves open, as a simulator setting.

`shared/reference/netsuite-ui.md` grades each fact H (seen in NetSuite's own code or Oracle's
docs), M or G. The H facts are fixed in the pages. Everything else is a guess, and a tool that
passes only on the simulator's own guess fails on a real account that settled it otherwise. So
each M or G behaviour is a dial with at least two plausible values, the tests run the tool on
seeded random draws of them (and on an all-pairs set), and `docs/real-netsuite.md` lists which
value is believed true and why.

The first value of each dial is the default. Pages read a dial with :func:`dial`; the values in
force come from ``Settings.dials`` (POST /__sim/settings ``{"dials": {...}}``, or the simulator's
``--dial NAME=VALUE`` / ``--dials-seed N``).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dial:
    """One open question about NetSuite and the answers the simulator can give."""

    name: str
    question: str
    values: dict[str, str]  # value → what the simulator does then; the first is the default
    believed: str  # the value believed true of the real NetSuite
    grade: str  # "M" or "G" (shared/reference/netsuite-ui.md); H facts are never dials
    source: str  # why that value is believed
    drawn: bool = True  # False: left out of random draws (see `why_not_drawn`)
    why_not_drawn: str = ""

    @property
    def default(self) -> str:
        return next(iter(self.values))


CATALOG: dict[str, Dial] = {
    d.name: d
    for d in (
        Dial(
            "tos_popup",
            "When a feature that brings the SuiteCloud Terms of Service is ticked: how the box looks, "
            "and when the terms window opens",
            {
                "unticked_until_agree": "the window opens with the click; the box stays unticked until I Agree",
                "ticked_at_once": "the box shows ticked at once; the window opens with the click",
                "ticked_late": "the box shows ticked at once; the window opens 0.3-2 s later",
            },
            believed="ticked_late",
            grade="G",
            source="NetSuite's QA code handles the window (H) after getConfirmationMessage(), a round trip; "
            "the box's look and the delay are not documented; an independent imitation ticks at once and opens late",
        ),
        Dial(
            "tos_confirm",
            "Does a native confirm() come before the terms window?",
            {
                "none": "no dialog; the window opens",
                "confirm": "a native confirm() first; Cancel unticks the box and no window opens",
            },
            believed="none",
            grade="M",
            source="NetSuite's QA code calls getConfirmationMessage() before acceptTermsOfService()",
        ),
        Dial(
            "feature_gated",
            "Does the integration record show the Token-based Authentication box and the OAuth 2.0 "
            "grant boxes before their features are on?",
            {
                "hidden": "those boxes (and their sections) are absent until the feature is enabled",
                "shown": "the boxes are always there",
            },
            believed="hidden",
            grade="M",
            source="Oracle: the OAuth 2.0 settings are available after the feature is enabled; "
            "the Access Tokens page needs the feature",
        ),
        Dial(
            "integration_defaults",
            "Which authentication boxes does a new integration record come with ticked?",
            {
                "auth_flows_on": "TBA: Authorization Flow and Authorization Code Grant come ticked",
                "all_off": "every authentication box comes unticked",
            },
            believed="auth_flows_on",
            grade="M",
            source="nango.dev and Okta guides tell the reader to untick both",
        ),
        Dial(
            "token_list",
            "What the Access Tokens list (/app/setup/accesstokens.nl) shows, and where Revoke lives",
            {
                "list_revoke_link": "a Revoke link on each active row; columns named like the form's fields",
                "record_revoke": "SuiteTools' row layout (Edit link, internal id, token name, user, role, "
                "application, Revoked Yes/No, date created, created by); Revoke only on the record: "
                "Edit, Revoke, OK",
            },
            believed="record_revoke",
            grade="M",
            source="SuiteTools' token list adapter (row order, H); a vendor's guide (revoke on the record, M)",
        ),
        Dial(
            "m2m_list",
            "What the OAuth 2.0 Client Credentials (M2M) Setup list shows of a certificate",
            {
                "common_name": "a Certificate column with the subject's common name",
                "no_subject": "no subject at all: entity, role, application, validity, Certificate ID",
            },
            believed="no_subject",
            grade="G",
            source="Oracle says the list shows data read from the certificate without naming it",
        ),
        Dial(
            "m2m_popup",
            "When the M2M Setup's Create New window opens",
            {
                "with_click": "the window opens with the click",
                "late": "the window opens 0.3-1.5 s after the click",
            },
            believed="with_click",
            grade="G",
            source="the window is H (Oracle's steps); its timing is not documented",
        ),
        Dial(
            "login_notification",
            "The 2026.1 Login Notification, if the account has one, and its button's wording",
            {
                "off": "no notification page",
                "acknowledge": "a notification page with an Acknowledge button",
                "i_acknowledge": "a notification page with an I Acknowledge button",
                "continue": "a notification page with a Continue button",
                "single_button": "a notification page whose only button reads Proceed to NetSuite",
            },
            believed="off",
            grade="G",
            source="release notes 2026.1 (H: the feature exists, set by an administrator); wording unknown",
        ),
        Dial(
            "security_question",
            "Does the login ask a security question after the password?",
            {"off": "no question", "on": "securityquestions.nl asks one (answer from login.security_answers)"},
            believed="off",
            grade="M",
            source="the page is H (wdio-evolus, selenium-crawler); accounts with 2FA rarely ask it",
        ),
        Dial(
            "session_end",
            "What the browser sees when the session has ended while a form is open",
            {
                "login_redirect": "every request redirects to enterpriselogin.nl",
                "error_page": "a POST answers with an error page at the form's own URL "
                "('Your session has expired…'); GETs redirect to the login",
            },
            believed="login_redirect",
            grade="G",
            source="the redirect URL is H (NetSuite's Java constants); what a POST shows is not documented",
        ),
        Dial(
            "trust_device",
            "Does the 2FA page offer 'Trust this device for 30 days'?",
            {"shown": "the box is there, unticked", "hidden": "no such box"},
            believed="shown",
            grade="M",
            source="selenium-crawler and auth_utils.py probe for it",
        ),
        Dial(
            "features_after_save",
            "Where Enable Features goes after Save",
            {
                "reload": "the same page again, with the confirmation banner",
                "whence": "back to the page it came from (the dashboard) with the banner",
            },
            believed="reload",
            grade="G",
            source="not documented; NetSuite's QA code reads the confirmation message after Save",
        ),
        Dial(
            "inactive_list",
            "Does the Manage Roles list show inactive roles?",
            {
                "shown": "every role is listed; the Inactive column reads Yes",
                "hidden": "inactive roles are left out until the list's Show Inactives box is ticked "
                "(the list reloads with showall=T)",
            },
            believed="hidden",
            grade="G",
            source="NetSuite lists commonly offer Show Inactives; the integration list's H URL carries "
            "showall=T; the role list itself was never seen",
        ),
        Dial(
            "role_inactivate",
            "May a role that employees still hold be made Inactive?",
            {
                "allowed": "Inactive saves; the holders keep the role but cannot log in with it",
                "refused_while_assigned": "the save is refused until no employee holds the role",
            },
            believed="refused_while_assigned",
            grade="G",
            source="not documented; `nsauto destroy` removes the role from the employee first, so both work",
        ),
        Dial(
            "field_ids",
            "The ids of fields, sublist machines and subtabs (the reference marks them G)",
            {
                "classic": "the reference's best guesses (tokenbasedauth, setupmach, permissions, …)",
                "redwood": "other ids for the same fields (tokenauth, permsetup, rolepermissions, …)",
            },
            believed="classic",
            grade="G",
            source="SuiteScript field ids where known; DOM ids were never seen",
        ),
        Dial(
            "labels",
            "Label wording",
            {
                "classic": "Oracle's wording",
                "redwood": "three labels reworded: Centre Type, Web Services Only, TBA Authorization Flow",
            },
            believed="classic",
            grade="G",
            source="the labels are H (Oracle's help pages); a reworded theme is a rehearsal for `nsauto check`",
            drawn=False,
            why_not_drawn="the labels are H facts; the redwood wording is for rehearsing `check` "
            "and its fixes (tests/e2e/test_inspect_check.py), not a behaviour the flows should guess",
        ),
    )
}


def check(dials: dict[str, Any]) -> dict[str, str]:
    """Validate a `dials` setting; ValueError names the unknown dial or value."""
    if not isinstance(dials, dict):
        raise ValueError('setting \'dials\' must be an object such as {"tos_popup": "ticked_late"}')
    clean: dict[str, str] = {}
    for name, value in dials.items():
        spec = CATALOG.get(name)
        if spec is None:
            raise ValueError(f"unknown dial {name!r}; known: {', '.join(CATALOG)}")
        if value not in spec.values:
            raise ValueError(f"dial {name!r} has no value {value!r}; values: {', '.join(spec.values)}")
        clean[name] = value
    return clean


def parse(assignments: list[str]) -> dict[str, str]:
    """`["tos_popup=ticked_late", ...]` (the simulator's --dial options) → a checked mapping."""
    out: dict[str, str] = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep:
            raise ValueError(f"--dial {text!r}: write NAME=VALUE, e.g. tos_popup=ticked_late")
        out[name.strip()] = value.strip()
    return check(out)


def draw(seed: int) -> dict[str, str]:
    """A random value for every drawn dial, the same for the same seed."""
    rng = random.Random(f"dials:{seed}")
    return {name: rng.choice(list(d.values)) for name, d in CATALOG.items() if d.drawn}


def believed() -> dict[str, str]:
    return {name: d.believed for name, d in CATALOG.items()}


def all_pairs() -> list[dict[str, str]]:
    """A small set of combinations in which every pair of values of two drawn dials occurs.

    Greedy (each new combination covers as many uncovered pairs as it can), deterministic.
    """
    names = [n for n, d in CATALOG.items() if d.drawn]
    uncovered = {
        tuple(sorted(((a, va), (b, vb))))
        for a, b in itertools.combinations(names, 2)
        for va in CATALOG[a].values
        for vb in CATALOG[b].values
    }
    combos: list[dict[str, str]] = []
    while uncovered:
        (a, va), (b, vb) = min(uncovered)
        combo = {a: va, b: vb}
        for name in names:
            if name in combo:
                continue
            combo[name] = max(
                CATALOG[name].values,
                key=lambda v, name=name: sum(
                    1 for other, ov in combo.items() if tuple(sorted(((name, v), (other, ov)))) in uncovered
                ),
            )
        ordered = {n: combo[n] for n in names}
        uncovered -= {tuple(sorted(pair)) for pair in itertools.combinations(ordered.items(), 2)}
        combos.append(ordered)
    return combos


def describe() -> str:
    """The `--dials` listing: each dial, its values (default first, believed marked), the question."""
    lines = []
    for d in CATALOG.values():
        lines.append(f"{d.name}  ({d.grade}){'' if d.drawn else '  [not drawn]'}: {d.question}")
        for value, what in d.values.items():
            marks = ", ".join(m for m, on in (("default", value == d.default), ("believed", value == d.believed)) if on)
            lines.append(f"    {value}{f' [{marks}]' if marks else ''}: {what}")
    return "\n".join(lines)


def dial(ctx: Any, name: str) -> str:
    """The value of dial `name` for this request (`ctx` is a page's Ctx)."""
    return value_of(ctx.settings.dials, name)


def value_of(dials: dict[str, str], name: str) -> str:
    return dials.get(name) or CATALOG[name].default


_delays = itertools.count()


def delay_ms(ctx: Any, name: str, low: int, high: int) -> int:
    """A delay for a "late" dial value: spread over [low, high], repeatable for one dials_seed."""
    rng = random.Random(f"{ctx.settings.dials_seed}:{name}:{next(_delays)}")
    return rng.randint(low, high)


def markdown_table() -> str:
    """The table in docs/real-netsuite.md (a test keeps the two the same)."""
    rows = ["| dial | values (default first) | believed true | grade | why |", "|---|---|---|---|---|"]
    for d in CATALOG.values():
        values = ", ".join(f"`{v}`" for v in d.values)
        why = d.source + ("" if d.drawn else f". Not drawn: {d.why_not_drawn}")
        rows.append(f"| `{d.name}`: {d.question} | {values} | `{d.believed}` | {d.grade} | {why} |")
    return "\n".join(rows)
