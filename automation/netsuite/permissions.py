"""Role permissions as the Manage Roles page shows them: name, subtab, permission id, levels.

The config names permissions by their UI label (what an admin sees in the Permission dropdown)
and the flows need to know which subtab's sublist holds each one, and which levels the Level
dropdown offers. Source: Oracle's "Permission Names and IDs" table (SuiteScript Developer Guide,
chapter_N3236764; confidence H for ids and valid levels) and shared/reference/netsuite-ui.md.
The subtab follows the id prefix (ADMI -> Setup, LIST -> Lists, REPO -> Reports,
TRAN -> Transactions).

Levels listed here are the ones that can be granted; "None" is what NetSuite shows for a
permission that is not on the role, so a config grants it by leaving the line out.

Pure data, no imports from the rest of the tool: the simulator and the docs may read it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Subtab = Literal["Transactions", "Reports", "Lists", "Setup", "Custom Record"]

LEVELS: tuple[str, ...] = ("None", "View", "Create", "Edit", "Full")
SUBTABS: tuple[str, ...] = ("Transactions", "Reports", "Lists", "Setup", "Custom Record")

_ALL = ("View", "Create", "Edit", "Full")
_FULL = ("Full",)
_VIEW = ("View",)
_VIEW_FULL = ("View", "Full")


@dataclass(frozen=True)
class Permission:
    """One row of a role's permission sublist.

    ``feature`` is the Enable Features label the permission depends on, when known: NetSuite
    hides the permission from the role page until that feature is on.
    """

    name: str
    subtab: Subtab
    permkey: str
    levels: tuple[str, ...]
    feature: str | None = None


_TABLE: tuple[Permission, ...] = (
    # Setup: what an integration role needs to authenticate, plus admin-only setup rights.
    Permission("Log in using Access Tokens", "Setup", "ADMI_LOGIN_OAUTH", _FULL, "Token-Based Authentication"),
    Permission("Log in using OAuth 2.0 Access Tokens", "Setup", "ADMI_LOGIN_OAUTH2", _FULL, "OAuth 2.0"),
    Permission("REST Web Services", "Setup", "ADMI_RESTWEBSERVICES", _FULL, "REST Web Services"),
    Permission("SOAP Web Services", "Setup", "ADMI_WEBSERVICES", _FULL, "SOAP Web Services"),
    Permission("User Access Tokens", "Setup", "ADMI_MANAGE_OWN_OAUTH_TOKENS", _FULL, "Token-Based Authentication"),
    Permission("Access Token Management", "Setup", "ADMI_MANAGE_OAUTH_TOKENS", _FULL, "Token-Based Authentication"),
    Permission("OAuth 2.0 Authorized Applications Management", "Setup", "ADMI_MANAGE_OAUTH2", _FULL, "OAuth 2.0"),
    Permission("Integration Application", "Setup", "ADMI_INTEGRAPP", _FULL),
    Permission("Enable Features", "Setup", "ADMI_ENABLEFEATURES", _FULL),
    Permission("SuiteAnalytics Connect", "Setup", "ADMI_SUITEANALYTICSCONNECT", _FULL),
    Permission("Set Up SOAP Web Services", "Setup", "ADMI_WEBSERVICESSETUP", _FULL, "SOAP Web Services"),
    Permission("View SOAP Web Services Logs", "Setup", "ADMI_WEBSERVICESLOG", _FULL, "SOAP Web Services"),
    Permission("View Login Audit Trail", "Setup", "ADMI_AUDITLOGIN", _FULL),
    Permission("Import CSV File", "Setup", "ADMI_IMPORTCSVFILE", _FULL),
    Permission("SuiteApp Deployment", "Setup", "ADMI_APP_DEPLOYMENT", _FULL),
    Permission("Workflow", "Setup", "ADMI_WORKFLOW", _FULL),
    Permission("Custom Fields", "Setup", "ADMI_CUSTFIELD", _ALL),
    Permission("Custom Record Types", "Setup", "ADMI_CUSTRECORD", _ALL),
    Permission("Custom Lists", "Setup", "ADMI_CUSTLIST", _ALL),
    Permission("SuiteScript", "Setup", "ADMI_CUSTOMSCRIPT", _ALL, "Client SuiteScript"),
    # Reports
    Permission("SuiteAnalytics Workbook", "Reports", "REPO_ANALYTICS", ("Edit",), "SuiteAnalytics Workbook"),
    Permission("Financial Statements", "Reports", "REPO_FINANCIALS", _VIEW),
    Permission("Balance Sheet", "Reports", "REPO_BALANCESHEET", _VIEW),
    Permission("Income Statement", "Reports", "REPO_PANDL", _VIEW),
    Permission("General Ledger", "Reports", "REPO_GL", _VIEW),
    Permission("Accounts Receivable", "Reports", "REPO_AR", _VIEW),
    Permission("Accounts Payable", "Reports", "REPO_AP", _VIEW),
    Permission("Sales", "Reports", "REPO_SALES", _VIEW),
    Permission("Transaction Detail", "Reports", "REPO_TRAN", _VIEW),
    # Lists
    Permission("Documents and Files", "Lists", "LIST_FILECABINET", _ALL),
    Permission("Perform Search", "Lists", "LIST_FIND", _VIEW_FULL),
    Permission("Employees", "Lists", "LIST_EMPLOYEE", _ALL),
    Permission("Customers", "Lists", "LIST_CUSTJOB", _ALL),
    Permission("Contacts", "Lists", "LIST_CONTACT", _ALL),
    Permission("Vendors", "Lists", "LIST_VENDOR", _ALL),
    Permission("Items", "Lists", "LIST_ITEM", _ALL),
    Permission("Accounts", "Lists", "LIST_ACCOUNT", _ALL),
    Permission("Subsidiaries", "Lists", "LIST_SUBSIDIARY", _ALL),
    Permission("Departments", "Lists", "LIST_DEPARTMENT", _ALL),
    Permission("Locations", "Lists", "LIST_LOCATION", _ALL),
    Permission("Classes", "Lists", "LIST_CLASS", _ALL),
    Permission("Currency", "Lists", "LIST_CURRENCY", _ALL),
    Permission("Custom Record Entries", "Lists", "LIST_CUSTRECORDENTRY", _ALL),
    Permission("Integration Applications", "Lists", "LIST_INTEGRAPP", _ALL),
    # Transactions
    Permission("Sales Order", "Transactions", "TRAN_SALESORD", _ALL),
    Permission("Invoice", "Transactions", "TRAN_CUSTINVC", _ALL),
    Permission("Find Transaction", "Transactions", "TRAN_FIND", _ALL),
    Permission("Customer Payment", "Transactions", "TRAN_CUSTPYMT", _ALL),
    Permission("Credit Memo", "Transactions", "TRAN_CUSTCRED", _ALL),
    Permission("Cash Sale", "Transactions", "TRAN_CASHSALE", _ALL),
    Permission("Estimate", "Transactions", "TRAN_ESTIMATE", _ALL),
    Permission("Return Authorization", "Transactions", "TRAN_RTNAUTH", _ALL),
    Permission("Item Fulfillment", "Transactions", "TRAN_ITEMSHIP", _ALL),
    Permission("Item Receipt", "Transactions", "TRAN_ITEMRCPT", _ALL),
    Permission("Purchase Order", "Transactions", "TRAN_PURCHORD", _ALL),
    Permission("Bills", "Transactions", "TRAN_VENDBILL", _ALL),
    Permission("Pay Bills", "Transactions", "TRAN_VENDPYMT", _ALL),
    Permission("Make Journal Entry", "Transactions", "TRAN_JOURNAL", _ALL),
    Permission("Transfer Order", "Transactions", "TRAN_TRNFRORD", _ALL),
)

PERMISSIONS: dict[str, Permission] = {p.name: p for p in _TABLE}
_BY_LOWER: dict[str, Permission] = {" ".join(p.name.lower().split()): p for p in _TABLE}


def find_permission(name: str) -> Permission | None:
    """The permission with this UI name (case and extra spaces ignored), or None."""
    if not isinstance(name, str):
        return None
    return _BY_LOWER.get(" ".join(name.lower().split()))


def find_level(level: str) -> str | None:
    """The canonical spelling of a level name (``full`` -> ``Full``), or None."""
    if not isinstance(level, str):
        return None
    wanted = level.strip().lower()
    return next((known for known in LEVELS if known.lower() == wanted), None)


def all_names() -> list[str]:
    """Every permission name in the table, in table order."""
    return [p.name for p in _TABLE]
