"""The `nsauto` command: argument parsing, one line per known error, one meaning per exit code.

Heavy imports (pydantic, Playwright, keyring) happen inside the commands, so `nsauto --help`
answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from automation.errors import CHANGES_PENDING, ExitCode, NsautoError

EXAMPLES = """\
examples:
  nsauto demo                                          the full setup against the bundled simulator
  nsauto validate --config config.yaml                 check config and flows, no browser
  nsauto check --config config.yaml --account prod     read-only: does every step find its field? (exit 1: no)
  nsauto inspect --config config.yaml -a prod role     read-only: the role page's fields, labels and ids
  nsauto plan --config config.yaml --account sandbox   what `run` would change (exit 2: changes pending)
  nsauto run --config config.yaml --account sandbox    do the setup; secrets go to the OS keyring
  nsauto verify --config config.yaml --account sandbox signed REST call with the stored secrets
  nsauto plan --destroy -c config.yaml -a sandbox      what `destroy` would take down (exit 2: something left)
  nsauto destroy --config config.yaml -a sandbox --yes revoke, block, retire the role; then the keyring items
  nsauto simulator --port 8231                         the bundled NetSuite imitation

exit codes: 0 ok (plan: nothing to change) · 1 run failed · 2 bad input (plan: changes pending)
            3 environment not ready (keyring, browser, network) · 4 a secret needs attention
"""


def _common(parser: argparse.ArgumentParser, account: bool = True) -> None:
    parser.add_argument(
        "--config", "-c", type=Path, default=Path("config.yaml"), help="config file (default: config.yaml)"
    )
    if account:
        parser.add_argument("--account", "-a", help="account name under `accounts:` (default: the only one)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--debug", action="store_true", help="log everything, show tracebacks")


def _capture_flags(parser: argparse.ArgumentParser) -> None:
    """check and inspect: save every page they read, sanitized, for a bug report (docs/real-netsuite.md)."""
    parser.add_argument(
        "--capture", type=Path, metavar="DIR", help="save each page read, sanitized, in DIR (a new directory)"
    )
    parser.add_argument(
        "--capture-report", action="store_true", help="with --capture: list what was replaced, by kind, with counts"
    )


def _browser_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flow", type=Path, help="top-level flow (default: flows/setup.yaml)")
    parser.add_argument(
        "--artifacts", type=Path, default=Path("runs"), help="where logs and screenshots go (default: runs/)"
    )
    parser.add_argument("--headed", action="store_true", help="show the browser window")
    parser.add_argument("--slow-mo", type=float, default=0, metavar="MS", help="pause MS milliseconds between actions")
    parser.add_argument(
        "--browser", dest="executable", help="path to a Chromium (else Playwright's, else the system one)"
    )
    parser.add_argument("--connect", help="ws:// URL of a Playwright browser server")
    parser.add_argument("--only", help="comma-separated stages to run")
    parser.add_argument("--from", dest="from_stage", help="start at this stage")
    parser.add_argument("--timeout", type=float, help="seconds per page or step (default: config browser.timeout_s)")
    parser.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="transient NetSuite failures (error page, timeout) survived per account run, all stages "
        "together, each after an exponential backoff with jitter (default 12)",
    )
    parser.add_argument(
        "--fresh-login", action="store_true", help="log in anew instead of reusing the session kept for ~20 minutes"
    )


def _fleet_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        metavar="N",
        help="with --all: N accounts at a time, one shared browser (default 1: in turn)",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML: a testsuite per account")
    parser.add_argument(
        "--serial", action="store_true", help="stages strictly one after another (no independent stages at once)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nsauto",
        description="NetSuite token-based authentication setup by a headless browser; secrets go straight "
        "into the OS keyring.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="do the setup (idempotent: changes only what differs)",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(run)
    _browser_flags(run)
    run.add_argument("--all", action="store_true", help="every account in the config (in turn, or --parallel N)")
    _fleet_flags(run)
    run.add_argument("--resume", action="store_true", help="continue after the last finished stage of a failed run")
    run.add_argument(
        "--rotate", action="store_true", help="make a new token / M2M certificate even if the stored one works"
    )
    run.add_argument(
        "--record",
        action="store_true",
        help="record the run: video, trace and HTML report in the run folder, secrets masked (docs/demo.md)",
    )
    run.add_argument("--report", action="store_true", help="write an HTML report (report.html) in the run folder")

    plan = sub.add_parser("plan", help="show what `run` would change; changes nothing (exit 2: changes pending)")
    _common(plan)
    plan.add_argument("--all", action="store_true", help="every account in the config")
    plan.add_argument(
        "--destroy", action="store_true", help="show what `destroy` would take down instead (exit 2: something left)"
    )
    plan.add_argument(
        "--features", action="store_true", help="with --destroy: what `destroy --features` would turn off"
    )
    _browser_flags(plan)
    _fleet_flags(plan)

    destroy = sub.add_parser(
        "destroy",
        help="take down what `run` set up: revoke tokens and certificate mappings, block the integration, "
        "take the role off the employee and make it inactive; then delete the keyring items (docs/demo.md)",
        description="Take down what `run` set up, in order: revoke the tokens and certificate mappings, block "
        "the integration, take the role off the employee and make it inactive; then delete the keyring items. "
        "Features stay on unless --features.",
    )
    _common(destroy)
    _browser_flags(destroy)
    destroy.add_argument("--all", action="store_true", help="every account in the config")
    _fleet_flags(destroy)
    destroy.add_argument(
        "--yes", "-y", action="store_true", help="do not ask (needed without a terminal; production ids too)"
    )
    destroy.add_argument(
        "--features",
        action="store_true",
        help="also turn off the features of setup.features that nsauto turned on (never one that was on "
        "before it ran); warns first what else may depend on each",
    )

    verify = sub.add_parser(
        "verify", help="make a signed REST call with the keyring's secrets; exit 0 only on HTTP 200"
    )
    _common(verify)

    validate = sub.add_parser("validate", help="check config and flow files without a browser")
    _common(validate, account=False)
    validate.add_argument("files", nargs="*", type=Path, help="flow files (default: flows/setup.yaml)")

    demo = sub.add_parser("demo", help="the full setup against the bundled simulator, no config needed")
    demo.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    demo.add_argument("--debug", action="store_true", help="log everything, show tracebacks")
    demo.add_argument("--artifacts", type=Path, default=Path("runs"), help="where logs go (default: runs/)")
    demo.add_argument("--headed", action="store_true", help="show the browser window")
    demo.add_argument("--slow-mo", type=float, default=0, metavar="MS", help="pause between actions")
    demo.add_argument("--latency-ms", type=int, default=150, help="simulated NetSuite page latency (default 150)")

    check = sub.add_parser(
        "check", help="read-only: resolve every locator of every flow step on the live pages (exit 1: some missing)"
    )
    _common(check)
    _browser_flags(check)
    _capture_flags(check)

    inspect = sub.add_parser(
        "inspect", help="read-only: print a page's form as NetSuite describes it (labels, field ids, widgets)"
    )
    _common(inspect)
    _browser_flags(inspect)
    inspect.add_argument("page", nargs="+", help="stage names (e.g. role) or NetSuite paths (e.g. /app/setup/role.nl)")
    inspect.add_argument("--format", choices=["text", "yaml", "json"], default="text", help="yaml: flow steps")
    inspect.add_argument("--options", type=int, default=10, metavar="N", help="dropdown options to list (default 10)")
    _capture_flags(inspect)

    sim = sub.add_parser("simulator", help="run the bundled NetSuite imitation")
    sim.add_argument(
        "args",
        nargs=argparse.REMAINDER,
        help="simulator options: --port, --db, --latency-ms, --variant, --dials, --dial NAME=VALUE, --dials-seed N",
    )

    doctor = sub.add_parser("doctor", help="check keyring, browser and video recording")
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.add_argument("--debug", action="store_true", help="show tracebacks")

    from automation.secrets.commands import register  # argparse only; handlers import the rest lazily

    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["simulator"] and words[1:2] != ["--help"] and words[1:2] != ["-h"]:
        # argparse.REMAINDER rejects a leading --option, so `nsauto simulator --port 8231` went wrong.
        from automation.simulator.server import main as simulator_main

        return simulator_main(words[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return ExitCode.BAD_INPUT
    if args.command == "simulator":
        from automation.simulator.server import main as simulator_main

        return simulator_main(list(args.args))
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": cmd_run,
        "plan": cmd_run,
        "destroy": cmd_run,
        "verify": cmd_verify,
        "validate": cmd_validate,
        "demo": cmd_demo,
        "doctor": cmd_doctor,
        "check": cmd_check,
        "inspect": cmd_inspect,
    }
    try:
        return int((getattr(args, "handler", None) or commands[args.command])(args))
    except NsautoError as exc:
        return _report_error(exc, args)
    except KeyboardInterrupt:
        print("nsauto: interrupted; `nsauto run --resume` continues where it stopped", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        from automation.secrets.redact import redactor

        print(
            f"nsauto: internal error: {redactor.redact(type(exc).__name__ + ': ' + str(exc))}",
            file=sys.stderr,
        )
        print("hint: run again with --debug for the full story, and report it", file=sys.stderr)
        return ExitCode.FAILED


def _report_error(exc: NsautoError, args: argparse.Namespace) -> int:
    from automation.secrets.redact import redactor

    message = redactor.redact(exc.message)
    hint = redactor.redact(exc.hint) if exc.hint else None
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": message, "hint": hint, "exit_code": int(exc.exit_code)}))
    print(f"nsauto: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    return exc.exit_code


def _load(args: argparse.Namespace, for_run: bool = False):
    if for_run:  # on start_while's thread, beside the driver's start: the run's own imports too
        import automation.engine.orchestrate
        import automation.report.console  # noqa: F401
    from automation.config import load_config
    from automation.engine.loader import DESTROY_FEATURES_FLOW, extend_flow, flow_for_auth, load_flow

    config = load_config(args.config)
    destroy = args.command == "destroy" or getattr(args, "destroy", False)  # the teardown of the same setup
    flow = load_flow(getattr(args, "flow", None) or flow_for_auth(config.setup.auth, destroy=destroy))
    if getattr(args, "features", False):
        if not destroy:
            from automation.errors import InputError

            raise InputError("--features goes with `plan --destroy`", "run `nsauto plan --destroy --features`")
        flow = extend_flow(flow, DESTROY_FEATURES_FLOW)
    return config, flow


def _account(config, name: str | None):
    if name is None and len(config.accounts) == 1:
        return next(iter(config.accounts.values()))
    if name is None:
        from automation.errors import InputError

        raise InputError(f"{config.source}: several accounts; pick one with --account", ", ".join(config.accounts))
    return config.account(name)


def _setup_logging(debug: bool) -> None:
    import logging

    from automation.secrets.redact import RedactingFilter

    if debug:
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(RedactingFilter())
        handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
        logging.getLogger("nsauto").addHandler(handler)
        logging.getLogger("nsauto").setLevel(logging.DEBUG)


def cmd_run(args: argparse.Namespace) -> int:
    _setup_logging(args.debug)
    destroy = args.command == "destroy"
    if destroy and not args.yes and not sys.stdin.isatty():
        from automation.errors import InputError

        raise InputError(
            "nsauto destroy revokes tokens and deletes keyring items; without a terminal to ask on it needs --yes",
            "see what it would take down with `nsauto plan --destroy`, then run `nsauto destroy --yes`",
        )
    from automation.browser import start_while

    playwright, stop_playwright, (config, flow) = start_while(lambda: _load(args, for_run=True))
    try:
        return _run_loaded(args, config, flow, playwright)
    finally:
        stop_playwright()


def _run_loaded(args: argparse.Namespace, config, flow, playwright) -> int:
    """`run`, `plan` and `destroy` once config and flow are loaded, on ``playwright``'s driver."""
    from automation.browser import BrowserOptions
    from automation.engine.orchestrate import run_account
    from automation.engine.runner import RunOptions
    from automation.report.console import ConsoleReporter

    destroy = args.command == "destroy"
    plan = args.command == "plan"
    options = RunOptions(
        plan=plan,
        only=[s.strip() for s in args.only.split(",")] if args.only else [],
        from_stage=args.from_stage,
        resume=getattr(args, "resume", False),
        rotate=getattr(args, "rotate", False),
        timeout_s=args.timeout or config.browser.timeout_s,
        artifacts=args.artifacts,
        fresh_login=getattr(args, "fresh_login", False),
    )
    if getattr(args, "retries", None) is not None:
        options.retries = max(0, args.retries)
    _check_stage_names(flow, options)
    browser = BrowserOptions(
        headless=not args.headed and config.browser.headless,
        slow_mo_ms=args.slow_mo,
        executable=args.executable or (str(config.browser.executable) if config.browser.executable else None),
        connect=args.connect or config.browser.connect,
    )
    reporter = ConsoleReporter(verbose=args.debug)
    accounts = list(config.accounts.values()) if args.all else [_account(config, args.account)]
    results = []
    # A teardown is one strict sequence (revoke before block before the role): no stages at once.
    branches = not getattr(args, "serial", False) and not destroy and not getattr(args, "destroy", False)
    if getattr(args, "features", False):
        _warn_features(config, accounts)
    if destroy and not args.yes:
        _confirm_destroy(config, flow, accounts, options, browser, reporter, playwright)
    if args.all and getattr(args, "parallel", 1) > 1:
        from automation.engine.fleet import run_fleet

        results = run_fleet(
            config,
            accounts,
            flow,
            options,
            browser,
            args.parallel,
            verbose=args.debug,
            branches=branches,
            recorder_for=lambda: _recorder(args, flow),
            playwright=playwright,
        )
    for account in accounts if not results else []:
        recorder = _recorder(args, flow)
        try:
            results.append(
                run_account(
                    config,
                    account,
                    flow,
                    options,
                    browser,
                    reporter,
                    recorder=recorder,
                    branches=branches,
                    playwright=playwright,
                )
            )
        except NsautoError as exc:
            if not args.all:
                raise
            results.append(_failed_result(account, exc, plan))  # one account's failure doesn't stop the others
        for line in recorder.summary_lines() if recorder is not None else []:
            print(line, file=sys.stderr)
    teardowns = _finish_teardowns(config, flow, accounts, results) if destroy else {}
    if len(results) > 1:
        reporter.fleet_summary(results)
    if getattr(args, "junit", None):
        from automation.report.junit import write_junit

        selected = [s.stage for s in flow.stages if not options.only or s.stage in options.only]
        if options.from_stage:
            selected = selected[selected.index(options.from_stage) :]
        write_junit(args.junit, results, selected)
    if args.json:
        data = [
            {**r.to_dict(), **({"teardown": teardowns[r.account]} if r.account in teardowns else {})} for r in results
        ]
        print(json.dumps(data if args.all else data[0], indent=2))
    if any(r.exit_code == ExitCode.SECRET_AT_RISK for r in results):
        return ExitCode.SECRET_AT_RISK  # a secret waits in the recovery file: the most urgent news
    if not all(r.ok for r in results):
        return ExitCode.FAILED
    if plan and any(r.changes_pending for r in results):
        return CHANGES_PENDING
    return ExitCode.OK


def _warn_features(config, accounts) -> None:
    """`--features`: before anything is unticked, name each feature and what else may depend on it."""
    from automation.engine.variables import features_to_turn_off
    from automation.netsuite.features import dependents

    for account in accounts:
        labels = features_to_turn_off(account.account_id, list(config.setup.features))
        if not labels:
            print(f"features: nsauto turned none on in {account.name}; none to turn off", file=sys.stderr)
            continue
        print(f"warning: --features turns off in {account.name} what nsauto turned on:", file=sys.stderr)
        for label in labels:
            print(f"  {label}: {dependents(label)}", file=sys.stderr)


def _confirm_destroy(config, flow, accounts, options, browser, reporter, playwright) -> None:
    """On a terminal: show the plan of the teardown, then ask; a production account id must be typed."""
    from dataclasses import replace

    from automation.engine.orchestrate import run_account
    from automation.errors import InputError

    for account in accounts:
        run_account(
            config, account, flow, replace(options, plan=True), browser, reporter, branches=False, playwright=playwright
        )
    for account in accounts:
        production = not any(mark in account.account_id.upper() for mark in ("_SB", "_RP"))
        if production:
            answer = input(f"{account.account_id} is a production account: type its account id to destroy: ")
            ok = answer.strip().upper() == account.account_id.upper()
        else:
            answer = input(f"destroy the above on {account.account_id} and delete its keyring items? [y/N] ")
            ok = answer.strip().lower() in ("y", "yes")
        if not ok:
            raise InputError(f"nsauto destroy: not confirmed for {account.account_id}; nothing was changed")


def _finish_teardowns(config, flow, accounts, results) -> dict[str, dict]:
    """After NetSuite: each account's keyring items of the stages that finished, deleted; one line each."""
    from automation.engine.orchestrate import finish_teardown

    by_name = {a.name: a for a in accounts}
    done: dict[str, dict] = {}
    for result in results:
        account = by_name.get(result.account)
        if account is None:
            continue
        teardown = finish_teardown(account, flow, result, config.setup.auth, list(config.setup.features))
        for line in teardown.lines():
            print(line, file=sys.stderr)
        done[result.account] = teardown.to_dict()
    return done


def _recorder(args: argparse.Namespace, flow):
    """--record: video, trace and report (automation.recording); --report: the HTML report alone."""
    if getattr(args, "record", False):
        from automation.recording import RunRecorder

        return RunRecorder(flow)
    if getattr(args, "report", False):
        from automation.recording.masking import secret_labels
        from automation.report.html import HtmlReport

        return HtmlReport(secret_labels(flow))
    return None


def _failed_result(account, exc: NsautoError, plan: bool):
    from automation.engine.events import RunResult
    from automation.secrets.redact import redactor

    return RunResult(
        account=account.name,
        account_id=account.account_id,
        mode="plan" if plan else "run",
        error=redactor.redact(exc.message),
        hint=redactor.redact(exc.hint) if exc.hint else None,
    )


def _check_stage_names(flow, options) -> None:
    from automation.errors import InputError
    from automation.yamlsource import did_you_mean

    names = [stage.stage for stage in flow.stages]
    for name in [*options.only, *([options.from_stage] if options.from_stage else [])]:
        if name not in names:
            raise InputError(f"no stage '{name}'", did_you_mean(name, names) or f"stages are: {', '.join(names)}")


def cmd_verify(args: argparse.Namespace) -> int:
    from automation.config import load_config
    from automation.engine.orchestrate import verify_account

    config = load_config(args.config)
    account = _account(config, args.account)
    if config.setup.uses_oauth2:  # OAuth 2.0 M2M: token request, then SuiteQL with the bearer token
        from automation.engine.m2m import verify_command

        code = verify_command(account, config.setup, args.json)
        if code != ExitCode.OK or not config.setup.uses_tba:
            return code
    result = verify_account(account)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "status": result.status,
                    "error_code": result.error_code,
                    "detail": result.detail,
                }
            )
        )
    if result.ok:
        print(f"verified: signed SuiteQL call for {account.account_id} returned HTTP 200", file=sys.stderr)
        return ExitCode.OK
    print(
        f"nsauto: NetSuite refused the stored credentials for {account.account_id}: "
        f"HTTP {result.status} {result.error_code or ''} {result.detail}".rstrip(),
        file=sys.stderr,
    )
    print(f"hint: run `nsauto run --account {account.name}` to repair the setup", file=sys.stderr)
    return ExitCode.FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    from automation.config import check_env, load_config
    from automation.engine.loader import check_references, flow_for_auth, load_flow
    from automation.engine.variables import variables_for

    config = load_config(args.config)
    flows = [load_flow(path) for path in (args.files or [flow_for_auth(config.setup.auth)])]
    for account in config.accounts.values():
        for flow in flows:
            check_references(flow, variables_for(config, account))
    check_env(config, list(config.accounts))
    summary = {
        "ok": True,
        "config": str(args.config),
        "accounts": {name: a.account_id for name, a in config.accounts.items()},
        "flows": [str(f.file) for f in flows],
        "stages": [s.stage for s in flows[0].stages],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        steps = sum(len(s.steps) for f in flows for s in f.stages)
        print(
            f"valid: {args.config} ({len(config.accounts)} account(s)), {len(flows)} flow(s), {steps} steps",
            file=sys.stderr,
        )
    return ExitCode.OK


def cmd_demo(args: argparse.Namespace) -> int:
    from automation.demo import run_demo

    _setup_logging(args.debug)
    return run_demo(args)


def cmd_check(args: argparse.Namespace) -> int:
    from automation.engine.check import run_check

    _setup_logging(args.debug)
    config, flow = _load(args)
    return run_check(config, flow, _account(config, args.account), args)


def cmd_inspect(args: argparse.Namespace) -> int:
    from automation.inspect import run_inspect

    _setup_logging(args.debug)
    config, flow = _load(args)
    return run_inspect(config, flow, _account(config, args.account), args)


def cmd_doctor(args: argparse.Namespace) -> int:
    from automation.doctor import run_doctor

    return run_doctor(args)


if __name__ == "__main__":
    sys.exit(main())
