"""config.yaml: which NetSuite accounts to log in to, and what the TBA / OAuth 2.0 setup creates.

Every model is frozen and forbids unknown keys, so a typo is an error at its line (with a
"did you mean") rather than a silently ignored setting. Secrets never live in the file: a
password is a *reference* (``env:VAR`` or ``keyring:SERVICE/USERNAME``) resolved only when the
login step needs it. The loaded ``Document`` stays on the ``Config`` so later checks (unknown
``--account``, missing environment variables) can still point at a line.

Import cost matters (``nsauto validate`` must start fast): pydantic yes, Playwright never.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from automation.errors import EnvironmentNotReady, InputError
from automation.netsuite.accounts import default_rest_url, default_ui_url, normalize_account_id
from automation.netsuite.features import all_labels, find_feature
from automation.netsuite.permissions import LEVELS, all_names, find_level, find_permission
from automation.yamlsource import (
    Document,
    FieldError,
    Pos,
    did_you_mean,
    dotted,
    error_at,
    load_yaml,
    parse_model,
)

LITERAL_SECRET = "never put a password in config; use env:VAR or keyring:SERVICE/USERNAME"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ACCOUNT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SECRET_REF_PATTERN = r"^(env:[A-Za-z_][A-Za-z0-9_]*|keyring:[^/]+/.+)$"


# --------------------------------------------------------------------------- secret references


@dataclass(frozen=True)
class SecretRef:
    """Where a secret is kept: ``env:NAME`` or ``keyring:SERVICE/USERNAME``. Never the secret.

    ``pos`` and ``where`` (the config line and dotted path) are filled in by ``load_config`` so
    that a missing variable is reported at the line that names it.
    """

    scheme: Literal["env", "keyring"]
    target: str  # NAME for env, SERVICE/USERNAME for keyring
    pos: Pos | None = field(default=None, compare=False, repr=False)
    where: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}"

    @property
    def service(self) -> str:
        """The keyring service (keyring references only)."""
        return self.target.split("/", 1)[0]

    @property
    def username(self) -> str:
        """The keyring user name (keyring references only)."""
        return self.target.split("/", 1)[1] if "/" in self.target else ""

    @classmethod
    def parse(cls, value: object) -> SecretRef:
        """Validate a reference; anything that looks like a literal secret is refused unseen."""
        if isinstance(value, SecretRef):
            return value
        if value is None:
            raise FieldError("a secret reference is needed here", "write env:VAR or keyring:SERVICE/USERNAME")
        if not isinstance(value, str):
            raise FieldError(LITERAL_SECRET, "export the value in an environment variable and write env:VAR")
        scheme, sep, rest = value.strip().partition(":")
        scheme = scheme.lower()
        if sep and scheme == "env":
            if not _ENV_NAME.match(rest):
                raise FieldError(
                    "'env:' must be followed by an environment variable name such as NS_PASSWORD",
                    "letters, digits and _ only, not starting with a digit",
                )
            return cls("env", rest)
        if sep and scheme == "keyring":
            service, slash, username = rest.partition("/")
            if not (service.strip() and slash and username.strip()):
                raise FieldError(
                    "'keyring:' must be followed by SERVICE/USERNAME",
                    "for example keyring:nsauto/admin@example.com",
                )
            return cls("keyring", f"{service.strip()}/{username.strip()}")
        # Do not echo the value: it is probably the password itself.
        raise FieldError(LITERAL_SECRET, "export the value in an environment variable and write env:VAR")

    def _located(self, message: str) -> str:
        prefix = f"{self.pos}: " if self.pos else ""
        where = f"{self.where}: " if self.where else ""
        return f"{prefix}{where}{message}"

    def is_available(self) -> bool:
        """Whether ``resolve`` would find something, without reading keyring secrets."""
        if self.scheme == "env":
            return bool(os.environ.get(self.target))
        return True  # checking would mean reading the secret; resolve() reports problems

    def resolve(self) -> str:
        """Fetch the secret and register it with the redactor before anyone can print it."""
        if self.scheme == "env":
            value = os.environ.get(self.target)
            if not value:
                raise InputError(
                    self._located(f"environment variable {self.target} is not set"),
                    f"export {self.target}=... before running, or use keyring:SERVICE/USERNAME",
                )
        else:
            value = self._from_keyring()
        _register_secret(value, self.target)
        return value

    def _from_keyring(self) -> str:
        from automation.secrets.store import SecretStore, SecretStoreError  # lazy: keyring probes backends

        try:
            value = SecretStore(self.service).get(self.username)
        except SecretStoreError as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "error"
            raise EnvironmentNotReady(
                self._located(f"cannot read keyring item {self.target} ({cause})"),
                "check that a keyring backend is available (`keyring diagnose`)",
            ) from None
        if not value:
            raise InputError(
                self._located(f"the keyring has no item {self.target}"),
                f"store it with: keyring set {self.service} {self.username}",
            )
        return value

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": SECRET_REF_PATTERN,
            "description": "env:VAR or keyring:SERVICE/USERNAME; never the secret itself",
        }


def _register_secret(value: str, name: str) -> None:
    from automation.secrets.redact import redactor

    redactor.add(value, name)


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_url(value: str, *, root_only: bool) -> str:
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldError("must be an http(s) URL such as https://1234567-sb1.app.netsuite.com")
    if parts.query or parts.fragment:
        raise FieldError("must not contain a ?query or #fragment")
    if root_only and parts.path not in ("", "/"):
        raise FieldError("must be the site root, without a path", f"use {parts.scheme}://{parts.netloc}")
    return text.rstrip("/")


class Login(_Model):
    """How the browser logs in. Secrets are references, resolved only at login time."""

    email: str = Field(description="The NetSuite login email.")
    password: SecretRef
    totp_secret: SecretRef | None = Field(None, description="Base32 seed of the authenticator app, for 2FA.")
    role: str | None = Field(None, description="Role to switch to after login, e.g. Administrator.")
    security_answers: dict[str, SecretRef] = Field(
        default_factory=dict, description="Security question text -> reference to its answer."
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value.strip()):
            raise FieldError("must be an email address such as admin@example.com")
        return value.strip()

    def secret_refs(self) -> Iterator[SecretRef]:
        """Every secret reference of this login."""
        yield self.password
        if self.totp_secret is not None:
            yield self.totp_secret
        yield from self.security_answers.values()


class Account(_Model):
    """One NetSuite account, named by its key under ``accounts:`` (the ``--account`` value)."""

    name: SkipJsonSchema[str] = ""  # filled from the mapping key, not written in the file
    account_id: str = Field(description="Account ID, e.g. 1234567_SB1 (1234567-sb1 is accepted).")
    ui_url: str = Field("", description="Default https://<host-id>.app.netsuite.com.")
    rest_url: str = Field("", description="Default https://<host-id>.suitetalk.api.netsuite.com/services/rest.")
    login: Login

    @model_validator(mode="before")
    @classmethod
    def _default_urls(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        try:
            realm = normalize_account_id(data.get("account_id"))  # type: ignore[arg-type]
        except ValueError:
            return data  # the account_id field reports it
        data = dict(data)
        if data.get("ui_url") is None:
            data["ui_url"] = default_ui_url(realm)
        if data.get("rest_url") is None:
            data["rest_url"] = default_rest_url(realm)
        return data

    @field_validator("account_id", mode="before")
    @classmethod
    def _account_id(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a production id such as 1234567 reads as a number
        if not isinstance(value, str):
            return value  # pydantic reports the type
        try:
            return normalize_account_id(value)
        except ValueError as exc:
            raise FieldError(str(exc), "copy it from Setup > Company > Company Information") from None

    @field_validator("ui_url")
    @classmethod
    def _ui_url(cls, value: str) -> str:
        return _check_url(value, root_only=True)

    @field_validator("rest_url")
    @classmethod
    def _rest_url(cls, value: str) -> str:
        return _check_url(value, root_only=False)

    @property
    def realm(self) -> str:
        """The OAuth realm: the normalised account id."""
        return self.account_id


def _grant_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "description": "[permission name, level] pairs as on the role's Permissions subtabs.",
        "items": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "prefixItems": [
                {"type": "string", "enum": all_names()},
                {"type": "string", "enum": list(LEVELS[1:])},
            ],
        },
    }


class PermissionGrant(_Model):
    """One ``[name, level]`` line of the role's permissions, checked against the known table."""

    name: str
    level: str

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, data: Any) -> Any:
        if isinstance(data, list | tuple) and len(data) == 2:
            name, level, name_at, level_at = data[0], data[1], (0,), (1,)
        elif isinstance(data, dict) and set(data) == {"name", "level"}:
            name, level, name_at, level_at = data["name"], data["level"], ("name",), ("level",)
        else:
            raise FieldError("each permission is a [name, level] pair", "for example: - [REST Web Services, Full]")
        permission = find_permission(name) if isinstance(name, str) else None
        if permission is None:
            shown = f"'{name}'" if isinstance(name, str) else "(not a name)"
            raise FieldError(
                f"unknown permission {shown}",
                did_you_mean(name, all_names()) or "see automation/netsuite/permissions.py for the known names",
                name_at,
                show_path=False,
            )
        canonical = find_level(level) if isinstance(level, str) else None
        if canonical is None:
            shown = f"'{level}'" if isinstance(level, str) else "(not a level name)"
            raise FieldError(
                f"unknown level {shown} for '{permission.name}'",
                did_you_mean(level, LEVELS) or f"levels are: {', '.join(LEVELS[1:])}",
                level_at,
                show_path=False,
            )
        if canonical == "None":
            raise FieldError(
                "level None grants nothing",
                "remove the line to leave the permission off the role",
                level_at,
                show_path=False,
            )
        if canonical not in permission.levels:
            allowed = ", ".join(permission.levels)
            raise FieldError(
                f"'{permission.name}' ({permission.subtab}) cannot be granted at {canonical};"
                f" NetSuite offers: {allowed}",
                f"use [{permission.name}, {permission.levels[-1]}]",
                level_at,
                show_path=False,
            )
        return {"name": permission.name, "level": canonical}


class RoleSpec(_Model):
    """The integration role (Setup > Users/Roles > Manage Roles > New)."""

    name: str = Field(min_length=1)
    center_type: str | None = Field(None, description="e.g. Accounting Center; NetSuite's default if absent.")
    web_services_only: bool = Field(False, description="The 'Web Services Only Role' box.")
    permissions: Annotated[tuple[PermissionGrant, ...], WithJsonSchema(_grant_schema())] = ()

    @field_validator("permissions")
    @classmethod
    def _no_duplicates(cls, grants: tuple[PermissionGrant, ...]) -> tuple[PermissionGrant, ...]:
        seen: dict[str, int] = {}
        for index, grant in enumerate(grants):
            if grant.name in seen:
                raise FieldError(
                    f"'{grant.name}' is listed twice (also at permissions[{seen[grant.name]}])",
                    "keep one line per permission",
                    (index,),
                )
            seen[grant.name] = index
        return grants

    def has(self, permission: str) -> bool:
        """Whether the role grants this permission (any level)."""
        return any(g.name == permission for g in self.permissions)


class IntegrationSpec(_Model):
    """The integration record (Setup > Integration > Manage Integrations > New)."""

    name: str = Field(min_length=1)
    description: str = ""
    state: Literal["Enabled", "Blocked"] = "Enabled"


class TokenSpec(_Model):
    """The access token; NetSuite fills the name as "<application> - <user> - <role>" if absent."""

    name: str | None = None


class OAuth2Spec(_Model):
    """OAuth 2.0 client credentials (M2M): scopes and the key pair made for the certificate."""

    scopes: tuple[Literal["restlets", "rest_webservices", "suite_analytics"], ...] = ("rest_webservices",)
    key_type: Literal["ec-p256", "ec-p384", "ec-p521", "rsa-3072", "rsa-4096"] = "ec-p256"
    certificate_days: int = Field(730, ge=1, le=730, description="NetSuite accepts at most two years.")


_TBA_FEATURE, _TBA_PERMISSION = "Token-Based Authentication", "Log in using Access Tokens"
_M2M_FEATURE, _M2M_PERMISSION = "OAuth 2.0", "Log in using OAuth 2.0 Access Tokens"


class Setup(_Model):
    """What the setup flow makes in NetSuite."""

    auth: Literal["tba", "oauth2_m2m", "both"] = "tba"
    features: Annotated[
        tuple[str, ...],
        WithJsonSchema({"type": "array", "items": {"type": "string", "enum": all_labels()}}),
    ] = ()
    role: RoleSpec
    employee: str = Field(min_length=1, description="The user who gets the role and the token.")
    integration: IntegrationSpec
    token: TokenSpec = TokenSpec()
    oauth2: OAuth2Spec = OAuth2Spec()

    @field_validator("features")
    @classmethod
    def _known_features(cls, labels: tuple[str, ...]) -> tuple[str, ...]:
        result: list[str] = []
        for index, label in enumerate(labels):
            feature = find_feature(label)
            if feature is None:
                raise FieldError(
                    f"unknown feature '{label}'",
                    did_you_mean(label, all_labels()) or f"known features: {', '.join(all_labels())}",
                    (index,),
                )
            if feature.label in result:
                raise FieldError(f"feature '{feature.label}' is listed twice", "keep one", (index,))
            result.append(feature.label)
        return tuple(result)

    @model_validator(mode="after")
    def _auth_needs(self) -> Setup:
        # Without these the token is created but every API call fails with INVALID_LOGIN.
        needs = []
        if self.auth in ("tba", "both"):
            needs.append((_TBA_FEATURE, _TBA_PERMISSION))
        if self.auth in ("oauth2_m2m", "both"):
            needs.append((_M2M_FEATURE, _M2M_PERMISSION))
        for feature, permission in needs:
            if feature not in self.features:
                raise FieldError(
                    f"auth '{self.auth}' needs the feature '{feature}'",
                    f"add {feature} to setup.features",
                    ("features",),
                )
            if not self.role.has(permission):
                raise FieldError(
                    f"auth '{self.auth}' needs the permission '{permission}' on the role",
                    f"add - [{permission}, Full] to setup.role.permissions",
                    ("role", "permissions"),
                )
        return self

    @property
    def uses_tba(self) -> bool:
        return self.auth in ("tba", "both")

    @property
    def uses_oauth2(self) -> bool:
        return self.auth in ("oauth2_m2m", "both")


class BrowserConfig(_Model):
    """How to get a Chromium; every key is optional."""

    executable: Path | None = Field(None, description="Chromium binary; else Playwright's, else the system one.")
    connect: str | None = Field(None, description="ws:// URL of a remote Playwright server.")
    headless: bool = True
    timeout_s: float = Field(60, gt=0, le=600, description="Default seconds per navigation or step.")

    @field_validator("connect")
    @classmethod
    def _connect(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("ws", "wss", "http", "https"):
            raise FieldError("must be a ws:// or wss:// URL of a Playwright server")
        return value


class Config(_Model):
    """The whole config.yaml. ``source`` and the YAML document are kept beside the data."""

    accounts: dict[str, Account]
    setup: Setup
    browser: BrowserConfig = BrowserConfig()

    _document: Document | None = PrivateAttr(None)
    _source: Path | None = PrivateAttr(None)

    @model_validator(mode="before")
    @classmethod
    def _name_accounts(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("accounts"), dict):
            return data
        accounts = {}
        for key, value in data["accounts"].items():
            if not _ACCOUNT_KEY.match(key):
                raise FieldError(
                    f"account name '{key}' is not usable with --account",
                    "use letters, digits, '.', '_' and '-' only",
                    ("accounts", key),
                )
            if isinstance(value, dict):
                if "name" in value:
                    raise FieldError(
                        f"unknown key 'name' (the account's name is its key, '{key}')",
                        "remove the line",
                        ("accounts", key, "name"),
                    )
                value = {**value, "name": key}
            accounts[key] = value
        return {**data, "accounts": accounts}

    @field_validator("accounts")
    @classmethod
    def _at_least_one(cls, accounts: dict[str, Account]) -> dict[str, Account]:
        if not accounts:
            raise FieldError("at least one account is needed", "see config.yaml in the repository")
        return accounts

    @property
    def source(self) -> Path:
        """The file this config was loaded from."""
        return self._source or Path("config.yaml")

    @property
    def document(self) -> Document | None:
        """The YAML document, for positions of later errors (None if built in code)."""
        return self._document

    def pos(self, path: Iterable[str | int]) -> Pos:
        """Where ``path`` (e.g. ``("setup", "role", "permissions", 0)``) is in the file."""
        if self._document is None:
            return Pos(str(self.source), 1, 1)
        return self._document.pos(tuple(path))

    def error(self, path: Iterable[str | int], message: str, hint: str | None = None) -> InputError:
        """An ``InputError`` at ``path`` of this config, for checks made after loading."""
        path = tuple(path)
        if self._document is None:
            return InputError(f"{self.source}:1:1: {dotted(path)}: {message}", hint)
        return error_at(self._document, path, message, hint)

    def account(self, name: str) -> Account:
        """The account named ``name`` (the ``--account`` value)."""
        if name in self.accounts:
            return self.accounts[name]
        names = sorted(self.accounts)
        raise self.error(
            ("accounts",),
            f"no account named '{name}'; the accounts are: {', '.join(names)}",
            did_you_mean(name, names) or "pass --account with one of those names",
        )


# --------------------------------------------------------------------------- entry points


def load_config(path: Path | str) -> Config:
    """Load and validate config.yaml; every problem is an ``InputError`` at ``file:line:col``."""
    path = Path(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise error_at(
            doc,
            (),
            "config.yaml must be a mapping with 'accounts' and 'setup' at the top level",
            "see config.yaml in the repository for a complete example",
        )
    config = parse_model(Config, doc)
    config._document = doc
    config._source = path
    _attach_positions(config, (), doc)
    return config


def _attach_positions(value: Any, path: tuple[str | int, ...], doc: Document) -> None:
    """Tell every ``SecretRef`` where it was written, for errors raised when it is resolved."""
    if isinstance(value, SecretRef):
        # SecretRef is frozen for users of the config; this one-time fill-in happens at load.
        object.__setattr__(value, "pos", doc.value_pos(path))
        object.__setattr__(value, "where", dotted(path))
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            _attach_positions(getattr(value, name), (*path, info.alias or name), doc)
    elif isinstance(value, dict):
        for key, item in value.items():
            _attach_positions(item, (*path, key), doc)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _attach_positions(item, (*path, index), doc)


def check_env(config: Config, account_names: Iterable[str] | None = None) -> None:
    """Fail early, at the config line, if an ``env:`` secret of these accounts is not set.

    Keyring references are not read here: reading one is reading the secret.
    """
    names = list(account_names) if account_names is not None else list(config.accounts)
    missing: list[SecretRef] = []
    for name in names:
        for ref in config.account(name).login.secret_refs():
            if ref.scheme == "env" and not ref.is_available() and ref not in missing:
                missing.append(ref)
    if not missing:
        return
    first = missing[0]
    message = first._located(f"environment variable {first.target} is not set")
    if len(missing) > 1:
        message += f" (+{len(missing) - 1} more: {', '.join(ref.target for ref in missing[1:])})"
    variables = " ".join(f"{ref.target}=..." for ref in missing)
    raise InputError(message, f"export {variables} before running, or use keyring:SERVICE/USERNAME")


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of config.yaml, for editors (yaml-language-server) and the docs."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "nsauto config.yaml"
    return schema
