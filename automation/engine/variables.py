"""``${name}`` references in flow steps, resolved late against config and earlier steps.

A string that is exactly one reference keeps the referenced value's type (a list for
``for_each``, a bool for ``check: {value: ...}``); a reference inside longer text is formatted
into it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from automation.errors import InputError

if TYPE_CHECKING:
    from automation.config import Account, Config

_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}")


def references(value: Any) -> list[str]:
    """All reference names inside a nested structure of strings, lists and dicts."""
    found: list[str] = []
    if isinstance(value, str):
        found.extend(match.group(1) for match in _REF.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            found.extend(references(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(references(item))
    return found


def lookup(variables: dict[str, Any], name: str) -> Any:
    value: Any = variables
    for part in name.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise InputError(f"undefined variable '${{{name}}}'", "check the variable names in the flow")
    return value


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    """Replace references in ``value`` (recursively) with their values."""
    if isinstance(value, str):
        whole = _REF.fullmatch(value.strip())
        if whole:
            return lookup(variables, whole.group(1))
        return _REF.sub(lambda m: _text(lookup(variables, m.group(1))), value)
    if isinstance(value, dict):
        return {key: resolve(item, variables) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, variables) for item in value]
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "yes", "on", "t", "1"}:
        return True
    if text in {"false", "no", "off", "f", "0"}:
        return False
    raise InputError(f"'{value}' is not true or false")


def variables_for(config: Config, account: Account) -> dict[str, Any]:
    """What flows may reference as ${...}: the account (no secrets) and the setup section."""
    from automation.netsuite.oauth2 import SCOPE_LABELS
    from automation.netsuite.permissions import find_permission

    setup = config.setup
    permissions = []
    for grant in setup.role.permissions:
        known = find_permission(grant.name)
        permissions.append({"name": grant.name, "level": grant.level, "subtab": known.subtab if known else "Setup"})
    return {
        # `nsauto destroy --features` (flows/destroy-features.yaml): what it may turn off
        "recorded": {"features": features_to_turn_off(account.account_id, list(setup.features))},
        "account": {
            "name": account.name,
            "account_id": account.account_id,
            "ui_url": account.ui_url,
            "rest_url": account.rest_url,
            "email": account.login.email,
        },
        "setup": {
            "auth": setup.auth,
            "features": list(setup.features),
            "role": {
                "name": setup.role.name,
                "center_type": setup.role.center_type or "Classic Center",
                "web_services_only": setup.role.web_services_only,
                "permissions": permissions,
            },
            "employee": setup.employee,
            "integration": {
                "name": setup.integration.name,
                "description": setup.integration.description,
                "state": setup.integration.state,
            },
            "oauth2": {
                "scopes": list(setup.oauth2.scopes),
                # One entry per scope box on the integration record, ticked or not, for `check` with for_each.
                "scope_boxes": [
                    {"label": label, "on": scope in setup.oauth2.scopes} for scope, label in SCOPE_LABELS.items()
                ],
                "key_type": setup.oauth2.key_type,
                "certificate_days": setup.oauth2.certificate_days,
            },
        },
    }


def features_to_turn_off(account_id: str, wanted: list[str]) -> list[str]:
    """The features of ``setup.features`` that the manifest says this tool turned on in the account
    (in config order, spelled as the feature table does): `destroy --features` unticks these, and
    never one that was on before a run."""
    from automation.netsuite.features import find_feature
    from automation.secrets.manifest import Manifest

    try:
        recorded = Manifest.load().features_turned_on(account_id)
    except InputError:  # an unreadable manifest: nothing is known to be ours, so nothing is turned off
        return []

    def canonical(label: str) -> str:
        found = find_feature(label)
        return found.label if found else label

    mine = {canonical(label) for label in recorded}
    return [canonical(label) for label in wanted if canonical(label) in mine]
