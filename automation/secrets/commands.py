"""`nsauto secrets ...` and `nsauto login set`: the keyring items as the user manages them.

Imported by the CLI's parser, so this module's top imports only argparse: keyring, the
manifest and cryptography load inside the handlers. Values move between the keyring and a
prompt, stdin or (for ``export`` only, on request) stdout; never through argv, logs or the
manifest.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automation.errors import ExitCode, InputError, NsautoError

EXPORT_ENV = {
    "consumer_key": "NETSUITE_CONSUMER_KEY",
    "consumer_secret": "NETSUITE_CONSUMER_SECRET",
    "token_id": "NETSUITE_TOKEN_ID",
    "token_secret": "NETSUITE_TOKEN_SECRET",
}
LOGIN_SERVICE_PREFIX = "nsauto-login:"


def register(sub: Any) -> None:
    """Add the `secrets` and `login` commands to the CLI's subparsers."""
    secrets = sub.add_parser("secrets", help="list, export, delete or recover the stored NetSuite secrets")
    secrets.set_defaults(handler=_usage(secrets))
    verbs = secrets.add_subparsers(dest="secrets_command", metavar="ACTION")

    listing = verbs.add_parser("list", help="what the keyring holds, from the manifest (never values)")
    listing.add_argument("--json", action="store_true", help="print as JSON on stdout")
    listing.set_defaults(handler=cmd_list)

    delete = verbs.add_parser("delete", help="remove an account's items from the keyring and the manifest")
    _account_arg(delete)
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask")
    delete.set_defaults(handler=cmd_delete)

    export = verbs.add_parser("export", help="print an account's four TBA values to stdout (env, json or netrc)")
    _account_arg(export)
    export.add_argument("--format", choices=("env", "json", "netrc"), default="env", help="default: env")
    export.set_defaults(handler=cmd_export)

    recover = verbs.add_parser("recover", help="move secrets from the encrypted recovery file into the keyring")
    _account_arg(recover)
    recover.set_defaults(handler=cmd_recover)

    login = sub.add_parser("login", help="keep the NetSuite login password and TOTP seed in the keyring")
    login.set_defaults(handler=_usage(login))
    login_verbs = login.add_subparsers(dest="login_command", metavar="ACTION")
    login_set = login_verbs.add_parser(
        "set",
        help="prompt for the password and TOTP seed (stdin: one line each) and store them in the keyring",
    )
    _account_arg(login_set)
    login_set.set_defaults(handler=cmd_login_set)


def _account_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account",
        "-a",
        required=True,
        help="account id (1234567_SB1) or an account name (from --config, else from the keyring manifest)",
    )
    parser.add_argument(
        "--config", "-c", type=Path, default=Path("config.yaml"), help="config to look account names up in"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def _usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show(_: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return ExitCode.BAD_INPUT

    return show


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def resolve_account(value: str, config_path: Path | None) -> tuple[str, str | None]:
    """(account id, rest_url or None): a config account name wins, then a name the manifest
    recorded (a run notes the config's name for each account), else the value is an account id.

    The config is optional: these commands work on the keyring and the manifest alone.
    """
    from automation.netsuite.accounts import normalize_account_id
    from automation.secrets.manifest import Manifest

    try:
        # Every NetSuite account id has digits (1234567, 1234567_SB1, TSTDRV1234567); a word such
        # as "sandbox" passes the id pattern but is a name.
        account_id: str | None = normalize_account_id(value) if any(c.isdigit() for c in value) else None
    except ValueError:
        account_id = None
    has_config = config_path is not None and config_path.is_file()
    if has_config:
        from automation.config import load_config

        config = load_config(config_path)  # type: ignore[arg-type]
        for name, account in config.accounts.items():
            if value == name or account.account_id == account_id:
                return account.account_id, account.rest_url
    manifest = Manifest.load()
    named = manifest.account_ids_named(value)
    if len(named) == 1:
        return named[0], None
    if len(named) > 1:
        raise InputError(
            f"--account: '{value}' names {len(named)} accounts in the keyring manifest ({', '.join(named)})",
            "give the account id instead",
        )
    if account_id is None:
        known = manifest.account_names()
        where = f"{config_path} or the keyring manifest" if has_config else "the keyring manifest (no config)"
        listing = f"known names: {', '.join(known)}" if known else "it records no account names yet"
        raise InputError(
            f"--account: '{value}' is neither an account id (1234567_SB1) nor an account name in {where}; {listing}",
            "give the account id, an account name `nsauto secrets list` shows, or --config",
        )
    return account_id, None


# --------------------------------------------------------------------------- list


def cmd_list(args: argparse.Namespace) -> int:
    from automation.secrets.manifest import Manifest

    manifest = Manifest.load()
    entries = manifest.entries()
    pending = _pending_recoveries()
    for entry in entries:
        entry["recovery"] = pending.pop(entry["account_id"], None)
    entries.extend(
        {"account_id": a, "service": f"netsuite:{a}", "items": {}, "facts": {}, "recovery": p}
        for a, p in sorted(pending.items())
    )
    if args.json:
        print(json.dumps({"manifest": str(manifest.path), "accounts": entries}, indent=2))
        return ExitCode.OK
    if not entries:
        _say(f"no secrets recorded (manifest: {manifest.path})")
        return ExitCode.OK
    for entry in entries:
        print(f"{entry['account_id']}  keyring service {entry['service']}")
        if entry.get("name"):
            print(f"  {'account name':<16} {entry['name']}")
        for name, item in entry["items"].items():
            print(f"  {name:<16} stored {item['stored_at']}  run {item['run_id']}")
        for key, value in entry["facts"].items():
            print(f"  {key:<16} {value}")
        if entry["recovery"]:
            rec = entry["recovery"]
            print(f"  RECOVERY PENDING {', '.join(rec['items'])} in {rec['file']}")
            print(f"                   run `nsauto secrets recover --account {entry['account_id']}`")
    return ExitCode.OK


def _pending_recoveries() -> dict[str, dict[str, Any]]:
    """Account id -> the names waiting in its recovery file (names only: no key needed)."""
    from automation.secrets import recovery

    found: dict[str, dict[str, Any]] = {}
    folder = recovery.recovery_dir()
    for path in sorted(folder.glob("*.enc")) if folder.is_dir() else []:
        account_id = path.stem
        names = sorted(recovery.latest(recovery.load_entries(account_id)))
        if names:
            found[account_id] = {"file": str(path), "items": names}
    return found


# --------------------------------------------------------------------------- delete


def cmd_delete(args: argparse.Namespace) -> int:
    from automation.secrets import recovery
    from automation.secrets.manifest import Manifest
    from automation.secrets.store import M2M_NAMES, TBA_NAMES, SecretStore, service_for

    account_id, _ = resolve_account(args.account, args.config)
    store = SecretStore(service_for(account_id))
    manifest = Manifest.load()
    recorded = next((e["items"] for e in manifest.entries() if e["account_id"] == account_id), {})
    names = list(dict.fromkeys([*TBA_NAMES, *M2M_NAMES, *recorded]))
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError(f"deleting the keyring items of {account_id} needs confirmation", "add --yes")
        answer = input(f"delete every item of keyring service {store.service}? NetSuite keeps its side. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            _say("nothing deleted")
            return ExitCode.OK
    deleted = [name for name in names if store.delete(name)]
    manifest.forget(account_id)
    manifest.save()
    _say(f"deleted {len(deleted)} item(s) from keyring service {store.service}: {', '.join(deleted) or 'none'}")
    if recovery.recovery_path(account_id).exists():
        _say(f"note: {recovery.recovery_path(account_id)} still holds encrypted values; it was left alone")
    if args.json:
        print(json.dumps({"ok": True, "account_id": account_id, "service": store.service, "deleted": deleted}))
    return ExitCode.OK


# --------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    from automation.secrets.store import TBA_NAMES, SecretStore, service_for

    account_id, rest_url = resolve_account(args.account, args.config)
    store = SecretStore(service_for(account_id))
    values = {name: store.get(name) for name in TBA_NAMES}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise NsautoError(
            f"keyring service {store.service} has no {', '.join(missing)}",
            f"run `nsauto run` for {account_id} first",
        )
    if sys.stdout.isatty():
        _say("warning: printing secrets to the terminal; redirect stdout to a file (umask 077) or a pipe instead")
    formatter = {"env": _as_env, "json": _as_json, "netrc": _as_netrc}[args.format]
    sys.stdout.write(formatter(account_id, rest_url, values))  # type: ignore[arg-type]
    sys.stdout.flush()
    return ExitCode.OK


def _as_env(account_id: str, rest_url: str | None, values: dict[str, str]) -> str:
    lines = [f"NETSUITE_ACCOUNT_ID={shlex.quote(account_id)}"]
    lines += [f"{EXPORT_ENV[name]}={shlex.quote(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def _as_json(account_id: str, rest_url: str | None, values: dict[str, str]) -> str:
    return json.dumps({"account_id": account_id, **values}, indent=2) + "\n"


def _as_netrc(account_id: str, rest_url: str | None, values: dict[str, str]) -> str:
    """netrc has one login/password per machine and TBA has two pairs: the consumer pair goes
    under the REST host, the token pair under ``token.<REST host>`` (nsauto's convention)."""
    from urllib.parse import urlparse

    from automation.netsuite.accounts import default_rest_url

    host = urlparse(rest_url or default_rest_url(account_id)).hostname or ""
    for name, value in values.items():
        if any(ch.isspace() or ch in "\"'\\" for ch in value):
            raise InputError(f"{name} contains a character netrc cannot hold", "use --format env or json")
    return (
        f"# NetSuite TBA for {account_id}: consumer pair under the REST host, token pair under token.<host>\n"
        f"machine {host} login {values['consumer_key']} password {values['consumer_secret']} account {account_id}\n"
        f"machine token.{host} login {values['token_id']} password {values['token_secret']} account {account_id}\n"
    )


# --------------------------------------------------------------------------- recover


def cmd_recover(args: argparse.Namespace) -> int:
    from automation.secrets import recovery
    from automation.secrets.manifest import Manifest
    from automation.secrets.store import SecretStore, service_for

    account_id, _ = resolve_account(args.account, args.config)
    path = recovery.recovery_path(account_id)
    if not path.exists():
        _say(f"nothing to recover for {account_id} (no {path})")
        if args.json:
            print(json.dumps({"ok": True, "account_id": account_id, "recovered": []}))
        return ExitCode.OK
    store = SecretStore(service_for(account_id))
    run_ids = {e.name: e.run_id for e in recovery.latest(recovery.load_entries(account_id)).values()}
    recovered = recovery.restore(account_id, store, ask=_ask_passphrase)
    manifest = Manifest.load()
    for name in recovered:
        manifest.record(account_id, [name], run_ids[name])
    manifest.save()
    _say(f"recovered {', '.join(recovered)} into keyring service {store.service} (read back); removed {path}")
    _say(f"next: `nsauto verify` or `nsauto run` for {account_id}")
    if args.json:
        print(json.dumps({"ok": True, "account_id": account_id, "recovered": recovered, "service": store.service}))
    return ExitCode.OK


def _ask_passphrase() -> str:
    if not sys.stdin.isatty():
        return ""
    import getpass

    return getpass.getpass("recovery passphrase: ")


# --------------------------------------------------------------------------- login set


def login_service(account_id: str) -> str:
    return LOGIN_SERVICE_PREFIX + account_id


def cmd_login_set(args: argparse.Namespace) -> int:
    from automation.secrets.redact import redactor
    from automation.secrets.store import SecretStore

    account_id, _ = resolve_account(args.account, args.config)
    password, seed = _read_login_secrets(account_id)
    if not password:
        raise InputError("the password is empty", "type it at the prompt, or give it as the first line of stdin")
    redactor.add(password, "password")
    if seed:
        from automation.netsuite.totp import decode_seed

        decode_seed(seed)  # a typo is reported now (without the seed), not at the next 2FA page
    store = SecretStore(login_service(account_id))
    refs = {"password": f"keyring:{store.service}/password"}
    store.put("password", password)
    if seed:
        store.put("totp_secret", seed)
        refs["totp_secret"] = f"keyring:{store.service}/totp_secret"
    _say(f"stored {', '.join(refs)} in keyring service {store.service} (read back); put these under login: in config")
    if args.json:
        print(json.dumps({"ok": True, "account_id": account_id, "references": refs}))
    else:
        for key, ref in refs.items():
            print(f"{key}: {ref}")
    return ExitCode.OK


def _read_login_secrets(account_id: str) -> tuple[str, str]:
    """From a prompt (no echo) on a terminal, else the first two lines of stdin."""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(f"NetSuite password for {account_id}: ")
        seed = getpass.getpass("TOTP seed (base32; empty for none): ")
        return password, seed.strip()
    lines = sys.stdin.read().splitlines()
    password = lines[0] if lines else ""
    seed = lines[1].strip() if len(lines) > 1 else ""
    return password, seed
