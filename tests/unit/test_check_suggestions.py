"""`check`'s fixes name only a label that may be the same field; refusals for the terms are recognised."""

from __future__ import annotations

from automation.engine.check import StageContext, same_field, suggest_fix
from automation.netsuite.features import brings_terms, gate_of, terms_refused

INTEGRATION = "/app/common/integration/integrapp.nl"


def test_a_label_another_step_uses_is_never_the_fix() -> None:
    # The issue: a hidden TBA section left 'Authorization Code Grant' as the closest label.
    context = StageContext(labels={"tba: authorization flow", "authorization code grant"})
    assert same_field("TBA: Authorization Flow", ["Authorization Code Grant"], context) == []
    assert same_field("TBA: Authorization Flow", ["TBA Authorization Flow", "Authorization Code Grant"], context) == [
        "TBA Authorization Flow"
    ]


def test_only_alike_labels_are_offered() -> None:
    assert same_field("Center Type", ["Centre Type"]) == ["Centre Type"]
    assert same_field("Web Services Only Role", ["Web Services Only"]) == ["Web Services Only"]
    assert same_field("TBA: Authorization Flow", ["Authorization Code Grant"]) == []
    assert suggest_fix("uncheck", "TBA: Authorization Flow", "TBA Authorization Flow") == (
        'uncheck: ["TBA: Authorization Flow", TBA Authorization Flow]'
    )


def test_terms_refusals_name_their_features() -> None:
    message = "You must agree to the SuiteCloud Terms of Service to enable: REST Web Services, oauth 2.0"
    assert terms_refused(message) == ["REST Web Services", "OAuth 2.0"]
    assert terms_refused("You must accept the SuiteCloud Terms of Service to enable Token-Based Authentication.") == [
        "Token-Based Authentication"
    ]
    assert terms_refused("Please enter value(s) for: Name") is None
    assert brings_terms("token-based authentication") and not brings_terms("SOAP Web Services")


def test_gated_fields_belong_to_their_page() -> None:
    gate = gate_of("Authorization Code Grant", INTEGRATION)
    assert gate is not None and gate.feature == "OAuth 2.0"
    assert gate_of("token-based  authentication", INTEGRATION).feature == "Token-Based Authentication"  # type: ignore[union-attr]
    assert gate_of("REST Web Services", "/app/setup/features.nl") is None
    assert gate_of("Name", INTEGRATION) is None
