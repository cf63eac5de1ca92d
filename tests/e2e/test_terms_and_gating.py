"""Enable Features' Terms of Service window and the integration record's feature-gated boxes, on every dial value.

The window opening (an event) decides, never the box's look: NetSuite may show the box ticked at
once and open the window late, or put a confirm() first (dials tos_popup, tos_confirm). The
integration record shows its authentication boxes only once their features are on
(feature_gated), and a new record may come with the authorization flows ticked
(integration_defaults): the integration stage runs after features and unticks what it must.
"""

from __future__ import annotations

import json

import keyring
import pytest
from test_m2m import write_config

from automation.simulator import dials

pytestmark = pytest.mark.e2e

RUN = ("--config", "config.yaml", "--account", "sandbox")
TOS_POPUP = list(dials.CATALOG["tos_popup"].values)
AFTER_SAVE = list(dials.CATALOG["features_after_save"].values)


def _steps(result) -> dict[tuple[str, str], dict]:
    summary = json.loads(result.stdout)
    return {(s["stage"], s["item"]): s for stage in summary["stages"] for s in stage["steps"]}


@pytest.mark.parametrize("confirm", ["none", "confirm"])
@pytest.mark.parametrize("look", TOS_POPUP)
def test_features_agree_to_every_terms_window(sim, workspace, look, confirm):
    """REST Web Services and Token-Based Authentication bring the terms (waited for); OAuth 2.0 is not
    known to, yet the simulator opens them for it too: the page's watch or the healed save agrees."""
    after = AFTER_SAVE[(TOS_POPUP.index(look) + (confirm == "confirm")) % 2]
    sim.settings(dials={"tos_popup": look, "tos_confirm": confirm, "features_after_save": after}, dials_seed=7)
    write_config(workspace, sim.url, auth="both")

    result = workspace.nsauto("run", *RUN, "--only", "features", "--json")

    assert result.returncode == 0, result.output
    features = sim.state()["features"]
    assert all(features[f] for f in ("REST Web Services", "Token-Based Authentication", "OAuth 2.0")), features
    steps = _steps(result)
    assert steps[("features", "check Token-Based Authentication")]["detail"] == "agreed to the terms"
    assert "fix the value" not in result.output


def test_a_feature_without_terms_costs_no_wait_for_a_window(sim, workspace):
    """SOAP Web Services brings no terms: its tick waits for the box only, never for a window.

    A window that never comes would cost the whole step timeout (20 s here); the bound is far below it."""
    sim.settings(dials={"tos_popup": "ticked_late"})
    # TBA's features: REST Web Services, SOAP Web Services, Token-Based Authentication. Without OAuth 2.0
    # (terms the engine does not expect) no save is refused and healed: in a healing round a tick may
    # wait, bounded, for a window another feature's wait took.
    workspace.write_config(sim.url)

    result = workspace.nsauto("run", *RUN, "--only", "features", "--timeout", "20", "--json")

    assert result.returncode == 0, result.output
    soap = _steps(result)[("features", "check SOAP Web Services")]
    assert soap["status"] == "changed" and soap["detail"] == ""
    assert soap["seconds"] < 5, soap
    assert sim.state()["features"]["SOAP Web Services"] is True


@pytest.mark.parametrize("defaults", list(dials.CATALOG["integration_defaults"].values))
@pytest.mark.parametrize("gated", list(dials.CATALOG["feature_gated"].values))
def test_integration_after_features_on_gated_boxes_and_defaults(sim, workspace, gated, defaults):
    """TBA only: OAuth 2.0 stays off, so with feature_gated=hidden its grant box is not there to untick."""
    sim.settings(dials={"feature_gated": gated, "integration_defaults": defaults, "tos_popup": "ticked_late"})
    workspace.write_config(sim.url)

    result = workspace.nsauto("run", *RUN, "--only", "features,integration", "--json")

    assert result.returncode == 0, result.output
    integration = next(i for i in sim.state()["integrations"] if i["name"] == "Integration for Acme")
    assert integration["tba"] is True
    assert integration["tba_authorization_flow"] is False and integration["authorization_code_grant"] is False
    grant = _steps(result)[("integration", "uncheck Authorization Code Grant")]
    if gated == "hidden":
        assert grant["status"] == "ok" and "not shown: OAuth 2.0 is off" in grant["detail"]
    else:
        assert grant["status"] == ("changed" if defaults == "auth_flows_on" else "ok")


def test_full_setup_on_the_hardest_terms_and_gating_dials(sim, workspace, clean_keyring):
    """The window late after a confirm(), boxes hidden until their features, flows ticked by default."""
    sim.settings(
        dials={
            "tos_popup": "ticked_late",
            "tos_confirm": "confirm",
            "feature_gated": "hidden",
            "integration_defaults": "auth_flows_on",
            "features_after_save": "whence",
        },
        dials_seed=3,
    )
    workspace.write_config(sim.url)

    result = workspace.nsauto("run", *RUN)

    assert result.returncode == 0, result.output
    state = sim.state()
    integration = next(i for i in state["integrations"] if i["name"] == "Integration for Acme")
    assert integration["tba"] is True and integration["tba_authorization_flow"] is False
    assert keyring.get_password(clean_keyring, "consumer_key") == integration["consumer_key"]
    token = next(t for t in state["tokens"] if not t["revoked"])
    assert keyring.get_password(clean_keyring, "token_secret") == token["token_secret"]


@pytest.mark.parametrize("gated", list(dials.CATALOG["feature_gated"].values))
def test_check_reports_gated_boxes_as_appearing_after_features(sim, workspace, gated):
    sim.settings(dials={"feature_gated": gated})
    workspace.write_config(sim.url)
    before = sim.state()

    result = workspace.nsauto("check", *RUN, "--json")

    assert result.returncode == 0, result.output
    assert sim.state() == before
    steps = _steps(result)
    tba = steps[("integration", "check Token-based Authentication")]
    features = steps[("features", "check Token-Based Authentication")]
    assert features["facts"].get("pending") is True
    if gated == "hidden":
        assert tba["status"] == "unchecked", tba
        assert tba["detail"].startswith("appears after stage features"), tba
        assert "appears after stage features" in result.stderr
    else:
        assert tba["status"] == "found", tba
    assert "MISSING" not in result.stderr
