"""Records of the imitated account. Plain dataclasses; `state.Store` maps them to SQLite tables."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Role:
    id: int
    name: str
    scriptid: str
    center_type: str = "BASIC"
    sales_role: bool = False
    support_role: bool = False
    inactive: bool = False
    web_services_only: bool = False
    tfa_required: str = "OFF"
    standard: bool = False  # built-in roles (Administrator) cannot be edited
    permissions: dict[str, str] = field(default_factory=dict)  # permkey -> level value ("4" = Full)


@dataclass
class Employee:
    id: int
    name: str
    email: str
    title: str = ""
    phone: str = ""
    give_access: bool = False
    password_hash: str = ""
    totp_seed: str = ""  # empty: the user has no authenticator app, so no 2FA step
    roles: list[int] = field(default_factory=list)


@dataclass
class Integration:
    id: int
    name: str
    application_id: str
    description: str = ""
    state: str = "ENABLED"
    note: str = ""
    tba: bool = False
    tba_authorization_flow: bool = True
    callback_url: str = ""
    tba_issuetoken_endpoint: bool = False
    authorization_code_grant: bool = True
    client_credentials: bool = False
    public_client: bool = False
    scope_restlets: bool = False
    scope_rest_web_services: bool = False
    scope_suiteanalytics_connect: bool = False
    redirect_uri: str = ""
    user_credentials: bool = False
    concurrency_limit: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    created: str = ""
    builtin: bool = False


@dataclass
class Token:
    id: int
    name: str
    integration_id: int
    employee_id: int
    role_id: int
    token_id: str
    token_secret: str
    revoked: bool = False
    created: str = ""


@dataclass
class RestCall:
    id: int
    method: str
    path: str
    status: int
    detail: str  # what NetSuite's Login Audit Trail would say; never a secret
    ts: str


@dataclass
class M2MMapping:
    """OAuth 2.0 client credentials (M2M) Setup: entity + role + application + uploaded certificate."""

    id: int
    certificate_id: str  # generated on upload; the JWT's `kid`
    integration_id: int
    employee_id: int
    role_id: int
    certificate_pem: str  # public: the signature of every assertion is checked against it
    subject: str = ""
    key_type: str = ""  # e.g. "EC P-256", "RSA 3072"
    valid_from: str = ""  # ISO, read from the certificate
    valid_until: str = ""
    revoked: bool = False
    created: str = ""


@dataclass
class BearerToken:
    """An access token issued by the M2M token endpoint; only its SHA-256 is kept."""

    id: int
    token_hash: str
    mapping_id: int
    scopes: list[str] = field(default_factory=list)
    expires: int = 0  # epoch seconds on the simulator's clock


RECORD_TYPES: tuple[type, ...] = (Role, Employee, Integration, Token, RestCall, M2MMapping, BearerToken)
