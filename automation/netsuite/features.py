"""Enable Features checkboxes the TBA / OAuth 2.0 setup touches, and the subtab holding each.

Setup > Company > Enable Features spreads its checkboxes over subtabs; the flows click the
subtab first, then the checkbox found by its label. Labels and subtabs are H in
shared/reference/netsuite-ui.md section 2; the internal ids are guesses (G) kept only for
documentation and checks through SuiteScript, never for locating page elements.

``terms_of_service`` marks the checkboxes that open the "SuiteCloud Terms of Service" window,
which needs an "I Agree" before the page can be saved (H for the window and button).
"""

from __future__ import annotations

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


def find_feature(label: str) -> Feature | None:
    """The feature with this label (case and extra spaces ignored), or None."""
    if not isinstance(label, str):
        return None
    return _BY_LOWER.get(" ".join(label.lower().split()))


def all_labels() -> list[str]:
    """Every feature label in the table, in page order."""
    return [f.label for f in _TABLE]


def all_names() -> list[str]:
    """Alias of :func:`all_labels`, mirroring ``permissions.all_names``."""
    return all_labels()
