"""NetSuite account-id forms: the realm (``1234567_SB1``) and the host id (``1234567-sb1``).

People copy the account id from a URL (``1234567-sb1``) or from Company Information
(``1234567_SB1``). NetSuite wants the upper-case underscore form as the OAuth realm (a lower-case
``sb`` fails with "Invalid login attempt") and the lower-case dash form in host names, so the
config accepts either and everything else derives from the one normalised realm.
"""

from __future__ import annotations

import re

# Production (1234567), sandbox (1234567_SB1), release preview (1234567_RP2), test drive (TSTDRV...).
_ACCOUNT_ID = re.compile(r"^[0-9A-Z]+([_-](SB|RP)[0-9]+)?$", re.IGNORECASE)


def normalize_account_id(value: str) -> str:
    """The realm form: upper case, ``_`` before the sandbox suffix (``1234567-sb1`` -> ``1234567_SB1``)."""
    if not isinstance(value, str):
        raise ValueError("the account id must be a string such as 1234567 or 1234567_SB1")
    text = value.strip()
    if not _ACCOUNT_ID.match(text):
        raise ValueError(
            f"'{text}' is not a NetSuite account id; expected e.g. 1234567, 1234567_SB1 or TSTDRV1234567 "
            "(Setup > Company > Company Information > Account ID)"
        )
    return text.upper().replace("-", "_")


def host_id(realm: str) -> str:
    """The form used in host names: lower case, ``-`` instead of ``_`` (``1234567-sb1``)."""
    return normalize_account_id(realm).lower().replace("_", "-")


def default_ui_url(realm: str) -> str:
    """``https://<host-id>.app.netsuite.com``, where the admin pages live."""
    return f"https://{host_id(realm)}.app.netsuite.com"


def default_rest_url(realm: str) -> str:
    """``https://<host-id>.suitetalk.api.netsuite.com/services/rest``, the SuiteTalk REST base."""
    return f"https://{host_id(realm)}.suitetalk.api.netsuite.com/services/rest"
