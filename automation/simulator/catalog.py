"""What exists in the imitated account: feature checkboxes, role permissions, choice lists.

Labels and section order follow shared/reference/netsuite-ui.md (H where it says so). Field ids
and internal values are the simulator's guesses (G) and the tool must not rely on them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    fid: str
    label: str
    default: bool = False
    # Checking it opens the SuiteCloud Terms of Service popup; the server wants the agreement.
    needs_tos: bool = False


@dataclass(frozen=True)
class FeatureSection:
    label: str
    features: tuple[Feature, ...]


@dataclass(frozen=True)
class FeatureTab:
    tab_id: str
    label: str
    sections: tuple[FeatureSection, ...]


def _sec(label: str, *features: Feature) -> FeatureSection:
    return FeatureSection(label, features)


FEATURE_TABS: tuple[FeatureTab, ...] = (
    FeatureTab(
        "accounting",
        "Accounting",
        (
            _sec(
                "Basic Features",
                Feature("accountingperiods", "Accounting Periods", True),
                Feature("multiplebudgets", "Multiple Budgets"),
            ),
            _sec("Advanced Features", Feature("advancedrevenuerecognition", "Advanced Revenue Management")),
        ),
    ),
    FeatureTab(
        "taxes",
        "Tax",
        (
            _sec(
                "Tax",
                Feature("advtaxes", "Advanced Taxes"),
                Feature("taxreporting", "Tax Reporting Framework"),
            ),
        ),
    ),
    FeatureTab(
        "items",
        "Items & Inventory",
        (
            _sec(
                "Items",
                Feature("inventory", "Inventory", True),
                Feature("matrixitems", "Matrix Items"),
                Feature("assemblies", "Assembly Items"),
            ),
        ),
    ),
    FeatureTab(
        "employees",
        "Employees",
        (
            _sec(
                "Time & Expenses",
                Feature("timetracking", "Time Tracking", True),
                Feature("expreports", "Expense Reports"),
            ),
        ),
    ),
    FeatureTab(
        "company",
        "Company",
        (
            _sec(
                "Classifications",
                Feature("departments", "Departments", True),
                Feature("locations", "Locations", True),
                Feature("classes", "Classes"),
            ),
        ),
    ),
    FeatureTab(
        "crm",
        "CRM",
        (
            _sec(
                "Sales",
                Feature("opportunities", "Opportunities", True),
                Feature("estimates", "Estimates", True),
            ),
        ),
    ),
    FeatureTab(
        "analytics",
        "Analytics",
        (
            _sec(
                "SuiteAnalytics",
                Feature("workbook", "SuiteAnalytics Workbook", True),
                Feature("suiteanalyticsconnect", "SuiteAnalytics Connect"),
            ),
        ),
    ),
    FeatureTab(
        "webstore",
        "Commerce",
        (_sec("Web Presence", Feature("webstore", "Web Store"), Feature("hostedpages", "Host HTML Files")),),
    ),
    FeatureTab(
        "custom",  # H: the SuiteCloud subtab link is #customtxt
        "SuiteCloud",
        (
            _sec(
                "SuiteBuilder",
                Feature("customrecords", "Custom Records", True),
                Feature("advancedprinting", "Advanced PDF/HTML Templates", True),
            ),
            _sec(
                "SuiteScript",
                Feature("customcode", "Client SuiteScript", needs_tos=True),
                Feature("serversidescripting", "Server SuiteScript", needs_tos=True),
            ),
            _sec("SuiteFlow", Feature("workflow", "SuiteFlow", True)),
            _sec("SuiteGL", Feature("customglines", "Custom GL Lines")),
            _sec("SuiteBundler", Feature("createsuitebundles", "Create Bundles with SuiteBundler")),
            _sec(
                "SuiteTalk (Web Services)",
                Feature("webservicesexternal", "SOAP Web Services"),
                Feature("restwebservices", "REST Web Services", needs_tos=True),
            ),
            _sec(
                "Manage Authentication",
                Feature("suitesignon", "SuiteSignOn"),
                Feature("tba", "Token-Based Authentication", needs_tos=True),
                Feature("oauth2", "OAuth 2.0", needs_tos=True),
            ),
            _sec(
                "SuiteCloud Development Framework",
                Feature("suitecloudsdf", "SuiteCloud Development Framework"),
            ),
        ),
    ),
)

FEATURES: dict[str, Feature] = {f.fid: f for t in FEATURE_TABS for s in t.sections for f in s.features}

# Role permission levels: internal value -> label (SDF enum NONE..FULL, H).
LEVELS: dict[str, str] = {"0": "None", "1": "View", "2": "Create", "3": "Edit", "4": "Full"}
LEVEL_BY_LABEL: dict[str, str] = {v: k for k, v in LEVELS.items()}
SETUP_LEVELS: tuple[str, ...] = ("4",)
OTHER_LEVELS: tuple[str, ...] = ("1", "2", "3", "4")


@dataclass(frozen=True)
class Permission:
    key: str  # permkey (H for the ADMI_/REPO_/LIST_ ones named in the reference)
    name: str
    category: str  # machine name of the Permissions inner subtab
    feature: str | None = None  # offered only while this feature is enabled

    @property
    def levels(self) -> tuple[str, ...]:
        return SETUP_LEVELS if self.category == "setupmach" else OTHER_LEVELS


@dataclass(frozen=True)
class PermissionTab:
    machine: str
    label: str
    number: int  # suffix of the column fields, e.g. permkey4 / permlevel4


PERMISSION_TABS: tuple[PermissionTab, ...] = (
    PermissionTab("tranmach", "Transactions", 1),
    PermissionTab("repmach", "Reports", 2),
    PermissionTab("listsmach", "Lists", 3),
    PermissionTab("setupmach", "Setup", 4),
    PermissionTab("custrecordmach", "Custom Record", 5),
)

PERMISSIONS: tuple[Permission, ...] = (
    Permission("TRAN_SALESORD", "Sales Order", "tranmach"),
    Permission("TRAN_CUSTINVC", "Invoice", "tranmach"),
    Permission("TRAN_FIND", "Find Transaction", "tranmach"),
    Permission("REPO_ANALYTICS", "SuiteAnalytics Workbook", "repmach"),
    Permission("REPO_FINANCIALS", "Financial Statements", "repmach"),
    Permission("LIST_FILECABINET", "Documents and Files", "listsmach"),
    Permission("LIST_FIND", "Perform Search", "listsmach"),
    Permission("LIST_EMPLOYEE", "Employees", "listsmach"),
    Permission("LIST_CUSTJOB", "Customers", "listsmach"),
    Permission("ADMI_LOGIN_OAUTH", "Log in using Access Tokens", "setupmach", "tba"),
    Permission("ADMI_MANAGE_OWN_OAUTH_TOKENS", "User Access Tokens", "setupmach", "tba"),
    Permission("ADMI_MANAGE_OAUTH_TOKENS", "Access Token Management", "setupmach", "tba"),
    Permission("ADMI_RESTWEBSERVICES", "REST Web Services", "setupmach", "restwebservices"),
    Permission("ADMI_WEBSERVICES", "SOAP Web Services", "setupmach", "webservicesexternal"),
    Permission("ADMI_LOGIN_OAUTH2", "Log in using OAuth 2.0 Access Tokens", "setupmach", "oauth2"),
    Permission("ADMI_OAUTH2_AUTHORIZED_APPS", "OAuth 2.0 Authorized Applications Management", "setupmach", "oauth2"),
    Permission("ADMI_INTEGRAPP", "Integration Application", "setupmach"),
    Permission("ADMI_ENABLEFEATURES", "Enable Features", "setupmach"),
    Permission("customrecord_expense_tracker", "Expense Tracker", "custrecordmach"),
)

PERMISSION_BY_KEY: dict[str, Permission] = {p.key: p for p in PERMISSIONS}
PERMISSION_BY_NAME: dict[str, Permission] = {p.name: p for p in PERMISSIONS}

# What the REST endpoints demand of a token's role (H: "Same error when the role lacks ...").
REST_REQUIRED_PERMISSIONS: tuple[str, ...] = ("Log in using Access Tokens", "REST Web Services")

CENTER_TYPES: tuple[tuple[str, str], ...] = (
    ("BASIC", "Classic Center"),
    ("ACCOUNTCENTER", "Accounting Center"),
    ("EMPLOYEE", "Employee Center"),
    ("SALESCENTER", "Sales Center"),
    ("SUPPORTCENTER", "Support Center"),
    ("PARTNERCENTER", "Partner Center"),
)
CENTER_TYPE_LABELS: dict[str, str] = dict(CENTER_TYPES)

TFA_CHOICES: tuple[tuple[str, str], ...] = (
    ("OFF", "Not Required"),
    ("ROLE", "Required"),
    ("PRIVILEGED", "Required, as Full Access"),
)

INTEGRATION_STATES: tuple[tuple[str, str], ...] = (("ENABLED", "Enabled"), ("BLOCKED", "Blocked"))
INTEGRATION_STATE_LABELS: dict[str, str] = dict(INTEGRATION_STATES)
