"""The flow vocabulary as typed, frozen data.

A flow file is parsed into these models once, apart from running (the runner never sees raw
YAML). Every step keeps the file, line and column it came from, so a failure on a NetSuite page
can point back at the YAML line. The same models publish the JSON Schema that editors use.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from automation.yamlsource import FieldError, did_you_mean


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Where(_Model):
    """Source position of a step, kept out of the schema."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class StepBase(_Model):
    """Modifiers every step takes."""

    name: str | None = Field(None, description="A label for progress output instead of the generated one.")
    for_each: str | None = Field(
        None, description="Repeat the step for each element of this list; the element is ${item}."
    )
    timeout: float | None = Field(None, gt=0, description="Seconds to wait for the page (default: config).")
    retries: int | None = Field(None, ge=0, le=10, description="Extra attempts after a transient failure.")
    where: Where | None = Field(None, exclude=True, json_schema_extra={"hidden": True})

    # A step that only works inside the page it finds (no navigation, no submit) cannot have
    # landed on NetSuite's error or login page: the engine reads the page after it only on failure.
    in_page: ClassVar[bool] = False


# --- arguments -----------------------------------------------------------------------------


def _locator_list(value: Any) -> Any:
    """A field locator list: labels first, then ``id:<fieldid>`` fallbacks (not CSS ``#ids``)."""
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else None
    if items is None:
        return value  # pydantic names the wrong type
    if not items:
        raise FieldError("an empty list names no field", "write the label first: [Label, id:fieldid]")
    for index, item in enumerate(items):
        path = (index,) if isinstance(value, list) else ()
        if not isinstance(item, str) or not item.strip():
            raise FieldError("each entry must be a label or id:<fieldid>", None, path)
        if item.startswith("#"):
            fid = item.lstrip("#").removesuffix("_fs").removesuffix("_inp")
            raise FieldError(f"write an id fallback as id:{fid}", f"e.g. [Label, id:{fid}]", path)
    return value


FieldLocator = Annotated[str | Annotated[list[str], Field(min_length=1)], BeforeValidator(_locator_list)]
"""A field: its visible label, or a list tried in order (labels, then ``id:<fieldid>``), so that a
renamed label is found by a fallback and `nsauto check` reports the drift before it breaks."""

_LOCATOR_HELP = " Or a list tried in order: labels, then id:<fieldid> (e.g. [Center Type, id:centertype])."


class FillArgs(_Model):
    field: FieldLocator = Field(description="The field's visible label." + _LOCATOR_HELP)
    value: str


class ChooseArgs(_Model):
    field: FieldLocator = Field(description="The dropdown's visible label." + _LOCATOR_HELP)
    option: str = Field(description="The option's visible text.")


class CheckArgs(_Model):
    field: FieldLocator = Field(description="The checkbox's visible label." + _LOCATOR_HELP)
    value: bool | str = Field(True, description="true to check, false to uncheck, or ${variable}.")

    @field_validator("value", mode="before")
    @classmethod
    def _bool_or_variable(cls, value: Any) -> Any:
        if not isinstance(value, bool | str):
            raise FieldError("must be true, false or a ${variable}", "write value: true or value: false")
        return value


class FindRecordArgs(_Model):
    list: str = Field(description="The list page, e.g. /app/setup/rolelist.nl.")
    form: str = Field(description="The record page, e.g. /app/setup/role.nl.")
    name: str = Field(description="The text that identifies the record in the list (its name or email).")
    must_exist: bool = Field(False, description="Fail instead of opening a new record when absent.")
    skip_if_absent: bool = Field(
        False,
        description="When absent, there is nothing to change: the stage's later steps are skipped (teardown).",
    )


class SublistRowArgs(_Model):
    tab: str | None = Field(None, description="Subtabs to open first, outer to inner: 'Permissions > Setup'.")
    match: dict[str, str] = Field(description="Column label → value that identifies the row.")
    set: dict[str, str] = Field(default_factory=dict, description="Column label → value the row must have.")


SECRET_NAMES = (
    "consumer_key",
    "consumer_secret",
    "token_id",
    "token_secret",
    "client_id",
    "client_secret",
    "certificate_id",
)
"""The keyring names ``capture`` may store a one-time secret under."""

RETIRABLE_NAMES = (*SECRET_NAMES, "private_key", "m2m_private_key_pending")
"""The keyring names a teardown stage may retire (``retires:``)."""


class CaptureArgs(_Model):
    secrets: dict[str, str] = Field(
        description="Keyring name → the visible label NetSuite shows it under.",
        json_schema_extra={"propertyNames": {"enum": list(SECRET_NAMES)}},
    )
    reset: str | None = Field(
        None,
        description="Button that issues new values when the record already existed (e.g. Reset Credentials).",
    )
    verify: bool = Field(False, description="Make a signed REST call before leaving the page.")

    @field_validator("secrets")
    @classmethod
    def _known_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key not in SECRET_NAMES:
                raise FieldError(
                    f"unknown secret name '{key}'",
                    did_you_mean(key, SECRET_NAMES) or f"use one of {', '.join(SECRET_NAMES)}",
                    (key,),
                )
        return value


class LookupArgs(_Model):
    list: str = Field(description="The list page to read.")
    find: str = Field(description="Text that identifies the row.")
    column: str = Field(description="Column label whose text to keep.")
    as_: str = Field(alias="as", description="Variable name for the value, used later as ${name}.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ClickArgs(_Model):
    button: str = Field(description="The button's visible text.")
    confirm: bool = Field(False, description="Accept the confirmation dialog the click opens.")


class LoginArgs(_Model):
    """Email, password and two-factor code come from the account in config.yaml."""


# --- steps: one action key each ------------------------------------------------------------


class Login(StepBase):
    """Log in with email, password and two-factor code (TOTP), answer security questions, pick the role."""

    login: LoginArgs = Field(default_factory=LoginArgs)


class Open(StepBase):
    """Open a NetSuite page by its path."""

    open: str


class Tab(StepBase):
    """Click a subtab (or a path of subtabs: 'Permissions > Setup')."""

    in_page = True

    tab: str


class Fill(StepBase):
    """Type into a text field, only if its value differs."""

    in_page = True

    fill: FillArgs


class Choose(StepBase):
    """Pick an option in a NetSuite dropdown, only if another is selected."""

    in_page = True

    choose: ChooseArgs


class Check(StepBase):
    """Tick a checkbox (or set it to `value`), only if it differs."""

    in_page = True

    check: CheckArgs
    agree: str | None = Field(
        None, description="If NetSuite opens a terms popup window, click this button in it (e.g. I Agree)."
    )

    @field_validator("check", mode="before", json_schema_input_type=str | list[str] | CheckArgs)
    @classmethod
    def _label_alone(cls, value: Any) -> Any:
        """``check: Label`` (or ``check: [Label, id:x]``) is short for ``check: {field: ...}``."""
        return {"field": value} if isinstance(value, str | list) else value


class Uncheck(StepBase):
    """Clear a checkbox, only if it is ticked."""

    in_page = True

    uncheck: FieldLocator


class FindRecord(StepBase):
    """Open the record of that name for editing, or a new one when there is none."""

    find_record: FindRecordArgs


class SublistRow(StepBase):
    """Make sure a sublist has a row matching `match`, with the `set` values."""

    in_page = True

    sublist_row: SublistRowArgs


class Save(StepBase):
    """Click Save when something changed and wait for NetSuite's confirmation."""

    save: dict[str, Any] = Field(default_factory=dict)


class Capture(StepBase):
    """Read one-time secrets from the page into the keyring, read them back, optionally verify."""

    capture: CaptureArgs


class Lookup(StepBase):
    """Read one cell of a list page into a variable."""

    lookup: LookupArgs


class Click(StepBase):
    """Click a button by its visible text."""

    click: ClickArgs


class RevokeOthersArgs(_Model):
    list: str = Field(description="The list page with a Revoke link per active row.")
    match: dict[str, str] = Field(description="Column label → value that the rows to revoke share.")


class RevokeOthers(StepBase):
    """After this stage made a new record, revoke the other active rows that match (stale tokens)."""

    revoke_others: RevokeOthersArgs


# --- teardown (`nsauto destroy`): revoke what is active, take a row off a sublist ------------------


class RevokeArgs(_Model):
    list: str = Field(description="The list page: access tokens, or the OAuth 2.0 M2M Setup list.")
    match: dict[str, str] = Field(description="Column label → value that the rows to revoke share.")


class Revoke(StepBase):
    """Revoke every active matching row (a token on its record, a certificate mapping on the list)."""

    revoke: RevokeArgs


class RemoveRowArgs(_Model):
    tab: str | None = Field(None, description="Subtabs to open first, outer to inner: 'Access'.")
    match: dict[str, str] = Field(description="Column label → value that identifies the row to remove.")


class RemoveRow(StepBase):
    """Take the matching row off a sublist (select it, Remove), only if it is there."""

    remove_row: RemoveRowArgs


# --- OAuth 2.0 client credentials (M2M): popup window, upload from memory, certificate list ---------


class PopupArgs(_Model):
    open: str = Field(description="The button that opens the popup window, e.g. Create New.")
    steps: list[Step] = Field(description="Steps run inside the popup; Save there usually closes it.")


class Popup(StepBase):
    """Click a button that opens a popup window and run steps in it; the opener is reloaded after."""

    popup: PopupArgs


class UploadArgs(_Model):
    field: str = Field(description="The file field's visible label.")
    certificate: Literal["generated"] = Field(
        "generated",
        description="'generated': a new key pair and self-signed certificate (setup.oauth2); the certificate "
        "is uploaded from memory, the private key is kept in memory for store_key.",
    )


class Upload(StepBase):
    """Upload a file into a file field from memory (no file on disk)."""

    upload: UploadArgs


class MakeRoomArgs(_Model):
    limit: int = Field(5, ge=1, description="Active rows NetSuite allows per `per` group (five certificates).")
    per: dict[str, str] = Field(description="Column label → value of the group the limit counts (the application).")
    ours: dict[str, str] = Field(description="Column label → value of the rows this setup may revoke.")
    column: str = Field("Certificate ID", description="The column that holds the certificate id.")


class MakeRoom(StepBase):
    """On the list page, revoke the oldest unused row of ours when the group is at its limit."""

    make_room: MakeRoomArgs


class StoreKeyArgs(_Model):
    column: str = Field("Certificate ID", description="The column of the new certificate's row to keep.")


class StoreKey(StepBase):
    """Read the uploaded certificate's id from the list, verify with the new key, then keyring."""

    store_key: StoreKeyArgs = Field(default_factory=StoreKeyArgs)


class RevokeReplacedArgs(_Model):
    match: dict[str, str] = Field(description="Column label → value that our rows share.")
    column: str = Field("Certificate ID", description="The column that holds the certificate id.")


class RevokeReplaced(StepBase):
    """After store_key stored a new certificate, revoke our other active ones on the list page."""

    revoke_replaced: RevokeReplacedArgs


STEP_TYPES: dict[str, type[StepBase]] = {
    "login": Login,
    "open": Open,
    "tab": Tab,
    "fill": Fill,
    "choose": Choose,
    "check": Check,
    "uncheck": Uncheck,
    "find_record": FindRecord,
    "sublist_row": SublistRow,
    "save": Save,
    "capture": Capture,
    "lookup": Lookup,
    "click": Click,
    "revoke_others": RevokeOthers,
    "popup": Popup,
    "upload": Upload,
    "make_room": MakeRoom,
    "store_key": StoreKey,
    "revoke_replaced": RevokeReplaced,
    "revoke": Revoke,
    "remove_row": RemoveRow,
}
MODIFIERS = tuple(StepBase.model_fields)

Step = Annotated[
    Login
    | Open
    | Tab
    | Fill
    | Choose
    | Check
    | Uncheck
    | FindRecord
    | SublistRow
    | Save
    | Capture
    | Lookup
    | Click
    | RevokeOthers
    | Popup
    | Upload
    | MakeRoom
    | StoreKey
    | RevokeReplaced
    | Revoke
    | RemoveRow,
    Field(description="One step: exactly one action key, plus optional modifiers."),
]
PopupArgs.model_rebuild()  # its steps are Steps, which include Popup


def action_of(step: StepBase) -> str:
    """The action key of a parsed step (its YAML verb)."""
    for key, cls in STEP_TYPES.items():
        if type(step) is cls:
            return key
    raise AssertionError(type(step))


class Stage(_Model):
    """One stage file: a named list of steps that reads the account and changes only what differs."""

    stage: str = Field(
        pattern=r"^[a-z][a-z0-9-]*$",
        description="The stage's name (lowercase letters, digits, '-'), as named by 'needs', --only and --from.",
    )
    title: str | None = Field(None, description="A human title for progress output.")
    needs: list[str] = Field(
        default_factory=list,
        description="Stages that must run before this one; the composite must list them earlier.",
    )
    skip_if: Literal["verified", "m2m_verified"] | None = Field(
        None,
        description="'verified': skip when the stored TBA credentials pass a signed REST call; "
        "'m2m_verified': when the stored M2M key gets a token, SuiteQL passes with it and the certificate "
        "does not expire within 60 days.",
    )
    retires: list[str] = Field(
        default_factory=list,
        description="Teardown: keyring names `nsauto destroy` deletes once this stage has finished "
        "(NetSuite shows the revocation or the block).",
        json_schema_extra={"items": {"enum": list(RETIRABLE_NAMES)}},
    )
    steps: list[Step]
    where: Where | None = Field(None, exclude=True)

    @field_validator("retires")
    @classmethod
    def _retirable(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if name not in RETIRABLE_NAMES:
                hint = did_you_mean(name, RETIRABLE_NAMES) or f"use one of {', '.join(RETIRABLE_NAMES)}"
                raise FieldError(f"unknown keyring name '{name}'", hint, (index,))
        return value


class Composite(_Model):
    """A flow that composes stage files (and other composites) in order."""

    name: str
    stages: list[str] = Field(description="Stage or composite files, relative to this file.")
