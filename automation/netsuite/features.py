"""Enable Features checkboxes the TBA / OAuth 2.0 setup touches, and the subtab holding each.

Setup > Company > Enable Features spreads its checkboxes over subtabs; the flows click the
subtab first, then the checkbox found by its label. Labels and subtabs are H in
shared/reference/netsuite-ui.md section 2; the internal ids are guesses (G) kept only for
documentation and checks through SuiteScript, never for locating page elements.

``terms_of_service`` marks the checkboxes that open the "SuiteCloud Terms of Service" window,
which needs an "I Agree" before the page can be saved (H for the window and button). It says when
to wait for that window after a click; a window of another feature is still agreed to (the engine
watches the page for the whole stage), and a save NetSuite refuses for the terms names the features
it is about (:func:`terms_refused`).

``GATED`` lists the fields NetSuite shows only once a feature is on (M: shared/reference section 5,
"Feature-gated"): the integration record's Token-based Authentication section and its OAuth 2.0
sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    """One checkbox on the Enable Features page."""

    label: str
    subtab: str
    section: str = ""
    terms_of_service: bool = False
    feature_id: str | None = None  # G: NetSuite's internal id; do not use to find elements


_TABLE: tuple[Feature, ...] = (
    Feature("Client SuiteScript", "SuiteCloud", "SuiteScript", True, "customcode"),
    Feature("Server SuiteScript", "SuiteCloud", "SuiteScript", True, "serversidescripting"),
    Feature("SOAP Web Services", "SuiteCloud", "SuiteTalk (Web Services)", False, "webservicesexternal"),
    Feature("REST Web Services", "SuiteCloud", "SuiteTalk (Web Services)", True, "restwebservices"),
    Feature("SuiteSignOn", "SuiteCloud", "Manage Authentication", False, "suitesignon"),
    Feature("Token-Based Authentication", "SuiteCloud", "Manage Authentication", True, "tba"),
    Feature("OAuth 2.0", "SuiteCloud", "Manage Authentication", False, "oauth2"),
    Feature("SuiteAnalytics Workbook", "Analytics", "", False, "workbook"),
)

FEATURES: dict[str, Feature] = {f.label: f for f in _TABLE}
_BY_LOWER: dict[str, Feature] = {" ".join(f.label.lower().split()): f for f in _TABLE}


FEATURES_PAGE = "/app/setup/features.nl"
"""Setup > Company > Enable Features: a box ticked here is one nsauto may turn off again (`destroy --features`)."""

# What stops working when a feature goes off: `nsauto destroy --features` names it before unticking
# (other integrations of the account may use a feature nsauto turned on; the manifest cannot know).
_DEPENDENTS: dict[str, str] = {
    "Client SuiteScript": "client scripts on forms and records stop running",
    "Server SuiteScript": "RESTlets, user event, scheduled and map/reduce scripts stop running",
    "SOAP Web Services": "every SOAP (SuiteTalk) integration of the account stops working",
    "REST Web Services": "other REST integrations (records and SuiteQL over REST) stop working",
    "SuiteSignOn": "SuiteSignOn (outbound single sign-on) connections stop working",
    "Token-Based Authentication": "every TBA integration and access token of the account stops logging in",
    "OAuth 2.0": "every OAuth 2.0 integration (authorization code and client credentials) stops logging in",
    "SuiteAnalytics Workbook": "workbooks and their datasets are no longer available",
}


def dependents(label: str) -> str:
    """What may depend on a feature, for the warning `nsauto destroy --features` prints first."""
    feature = find_feature(label)
    return _DEPENDENTS.get(feature.label if feature else label, "other integrations or scripts may use it")


def find_feature(label: str) -> Feature | None:
    """The feature with this label (case and extra spaces ignored), or None."""
    if not isinstance(label, str):
        return None
    return _BY_LOWER.get(" ".join(label.lower().split()))


def all_labels() -> list[str]:
    """Every feature label in the table, in page order."""
    return [f.label for f in _TABLE]


def brings_terms(label: str) -> bool:
    """True when ticking this feature opens the SuiteCloud Terms of Service (the H list)."""
    feature = find_feature(label)
    return bool(feature and feature.terms_of_service)


_TERMS_REFUSED = re.compile(r"terms\s+of\s+service\s+to\s+enable\s*:?\s*(?P<names>.+?)\.?\s*$", re.I | re.S)


def terms_refused(message: str) -> list[str] | None:
    """The features a save refusal names for want of the terms agreement, or None for another refusal.

    "You must agree to the SuiteCloud Terms of Service to enable: REST Web Services, OAuth 2.0"
    → ["REST Web Services", "OAuth 2.0"]. A message that names the terms but no feature gives [].
    """
    if not re.search(r"terms\s+of\s+service", message or "", re.I):
        return None
    found = _TERMS_REFUSED.search(message)
    if not found:
        return []
    names = [name.strip() for name in found.group("names").split(",") if name.strip()]
    return [feature.label if (feature := find_feature(name)) else name for name in names]


@dataclass(frozen=True)
class Gate:
    """Fields of one page that NetSuite shows only once ``feature`` is on."""

    feature: str
    page: str  # the path of the page that holds them (H: the flows open it)
    labels: tuple[str, ...]


INTEGRATION_PAGE = "/app/common/integration/integrapp.nl"

GATED: tuple[Gate, ...] = (
    Gate(
        "Token-Based Authentication",
        INTEGRATION_PAGE,
        ("Token-based Authentication", "TBA: Authorization Flow", "Callback URL", "TBA: issuetoken Endpoint"),
    ),
    Gate(
        "OAuth 2.0",
        INTEGRATION_PAGE,
        (
            "Authorization Code Grant",
            "Client Credentials (Machine to Machine) Grant",
            "Redirect URI",
            "Public Client",
            "RESTlets",
            "REST Web Services",
            "SuiteAnalytics Connect",
        ),
    ),
)


def gate_of(label: str, path: str) -> Gate | None:
    """The gate of the field labelled ``label`` on the page at ``path``, if NetSuite hides it until a feature is on."""
    wanted = " ".join(label.lower().split())
    for gate in GATED:
        if path.rstrip("/").endswith(gate.page) and any(" ".join(x.lower().split()) == wanted for x in gate.labels):
            return gate
    return None


def all_names() -> list[str]:
    """Alias of :func:`all_labels`, mirroring ``permissions.all_names``."""
    return all_labels()
