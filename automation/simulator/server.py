"""HTTP front of the simulator: the threaded server, `start_in_thread` for tests and `main` for the CLI."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from automation.simulator import demo
from automation.simulator.app import App
from automation.simulator.control import state_snapshot
from automation.simulator.settings import Settings
from automation.simulator.state import Store
from automation.simulator.web import MAX_BODY_BYTES, Request, Response

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
_ACCOUNT_RE = re.compile(r"^[A-Z0-9]+(_(SB\d+|RP))?$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Browsers keep connections alive; do not wait for them when stopping.
    block_on_close = False
    app: App
    log_requests: bool = False
    stopping: bool = False  # set by stop(): connections kept alive by browsers get closed


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "NetSuiteSimulator/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections end instead of pinning a thread forever
    # Headers and body go out in separate writes; with Nagle on, delayed ACKs add ~100 ms per response.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        arrived = time.time()
        try:
            self._serve_one()
        finally:
            if self.server.log_requests:  # when each request came and its answer went: bench/bench.py's client time
                sys.stderr.write(f"timing {arrived:.4f} {time.time():.4f} {self.command} {self.path}\n")

    def _serve_one(self) -> None:
        if self.server.stopping:
            self.close_connection = True
            self._send(Response(503, b"simulator stopped", "text/plain"))
            return
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(Response(413, b"request too large", "text/plain"))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, parts.path or "/", parts.query, headers, body)
        try:
            response = self.server.app.handle(request)
        except Exception:  # a simulator bug must not kill the connection silently
            traceback.print_exc(file=sys.stderr)
            response = Response(500, b"<h1>An unexpected error has occurred.</h1>")
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if not any(k.lower() == "cache-control" for k, _ in response.headers):
            self.send_header("Cache-Control", "no-store")
        for key, value in response.headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header follows the simulated clock (settings.clock_ahead_s), as a skewed server's would."""
        if timestamp is None:
            timestamp = time.time() + self.server.app.settings.get().clock_ahead_s
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry no secrets (logins and forms are POST bodies), but stay quiet by default.
        if self.server.log_requests:
            super().log_message(format, *args)


def _make_server(
    host: str, port: int, db: str, latency_ms: int, account_id: str, ui_variant: str = "", replay: str | None = None
) -> _Server:
    store = Store(db)
    try:
        server = _Server((host, port), _Handler)
    except OSError:
        store.close()
        raise
    settings = Settings(latency_ms=latency_ms, variant=ui_variant)
    if replay:  # a sanitized capture's pages, read-only (replay.py); login through the simulator's own pages
        from automation.simulator.replay import ReplayApp

        try:
            server.app = ReplayApp(store, account_id, settings, directory=replay)
        except ValueError:
            server.server_close()
            store.close()
            raise
        return server
    server.app = App(store, account_id, settings)
    return server


class SimulatorHandle:
    """A simulator running in a background thread (for tests and in-process demos)."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.port: int = int(port)
        self.url: str = f"http://{host}:{self.port}"
        self.rest_url: str = self.url + "/services/rest"
        self.account_id: str = server.app.account_id

    @property
    def app(self) -> App:
        return self._server.app

    def state(self) -> dict[str, Any]:
        """The same dict as GET /__sim/state."""
        return state_snapshot(self._server.app)

    def reset(self) -> None:
        self._server.app.reset()

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change settings (e.g. latency_ms=200) and return them all; no arguments just reads."""
        return self._server.app.settings.update(changes).to_dict()

    def stop(self) -> None:
        self._server.stopping = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server.app.store.close()

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    db: str = ":memory:",
    latency_ms: int = 0,
    account_id: str = demo.ACCOUNT_ID,
    ui_variant: str = "",
    replay: str | None = None,
) -> SimulatorHandle:
    """Start a simulator on a background thread; `port=0` picks a free port (see `.url`).

    ``replay``: a capture directory (`nsauto check --capture`) served read-only (replay.py)."""
    server = _make_server(host, port, db, latency_ms, normalize_account_id(account_id), ui_variant, replay)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ns-simulator", daemon=True
    )
    thread.start()
    return SimulatorHandle(server, thread)


def normalize_account_id(raw: str) -> str:
    """Accept `1234567_SB1`, `1234567-sb1` or `tstdrv123`; return NetSuite's realm form."""
    value = raw.strip().upper().replace("-", "_")
    if not _ACCOUNT_RE.match(value):
        raise ValueError(f"not a NetSuite account id: {raw!r} (expected e.g. 1234567 or 1234567_SB1)")
    return value


def default_db_path(account_id: str) -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "nsauto-simulator" / f"{account_id}.sqlite3"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m automation.simulator", description="Run the local NetSuite simulator.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8231, help="port (default 8231; 0 picks a free one)")
    p.add_argument("--db", help="SQLite file, or :memory: (default: under $XDG_STATE_HOME/nsauto-simulator/)")
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every HTML page (default 0)")
    p.add_argument("--account-id", default=demo.ACCOUNT_ID, help=f"account id (default {demo.ACCOUNT_ID})")
    p.add_argument("--log-requests", action="store_true", help="log each request line to stderr")
    p.add_argument(
        "--faults",
        default="",
        metavar="LIST",
        help="faults to inject, e.g. slow_pages,error_500:rate=0.3,session_expiry (see docs/faults.md)",
    )
    p.add_argument("--fault-seed", type=int, default=0, metavar="N", help="seed of the fault sequences (default 0)")
    p.add_argument("--fault-rate", type=float, metavar="R", help="rate (0..1) of every listed fault that has one")
    p.add_argument(
        "--variant",
        default="",
        choices=["classic", "redwood"],
        help="UI variant: redwood renames some field/sublist/subtab ids and labels (default classic)",
    )
    p.add_argument(
        "--dials", action="store_true", help="list the dials (NetSuite behaviours not publicly known) and exit"
    )
    p.add_argument(
        "--dial",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set one dial, e.g. --dial tos_popup=ticked_late (repeatable; see --dials)",
    )
    p.add_argument(
        "--dials-seed",
        type=int,
        metavar="N",
        help="draw every dial at random from seed N (printed; --dial options still win)",
    )
    p.add_argument(
        "--replay",
        metavar="DIR",
        help="serve a sanitized capture (nsauto check --capture DIR) read-only; log in as the demo user",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM. Returns 0, 2 (bad arguments) or 3 (cannot listen / open the db)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on errors
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    from automation.simulator import dials

    if args.dials:
        print(dials.describe())
        return EXIT_OK
    try:
        account_id = normalize_account_id(args.account_id)
        if args.dials_seed is not None and args.dials_seed < 0:
            raise ValueError("--dials-seed must be non-negative")
        chosen = {**(dials.draw(args.dials_seed) if args.dials_seed is not None else {}), **dials.parse(args.dial)}
    except ValueError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.latency_ms < 0 or not 0 <= args.port <= 65535:
        print("simulator: --latency-ms and --port must be non-negative (port at most 65535)", file=sys.stderr)
        return EXIT_BAD_INPUT
    from automation.simulator.faults import parse_cli

    try:
        if args.fault_seed < 0:
            raise ValueError("--fault-seed must be non-negative")
        faults = parse_cli(args.faults, args.fault_rate)
    except ValueError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    db = args.db or str(default_db_path(account_id))
    if args.replay:
        from automation.simulator.replay import CaptureInvalid, load

        try:
            index, _ = load(args.replay)
            if args.account_id == demo.ACCOUNT_ID:  # the capture's own (placeholder) account id
                account_id = normalize_account_id(str(index.get("account_id") or account_id))
        except (CaptureInvalid, ValueError) as exc:
            print(f"simulator: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        db = args.db or ":memory:"  # the login's demo data only: nothing of the replay is stored
    try:
        server = _make_server(args.host, args.port, db, args.latency_ms, account_id, args.variant, args.replay)
    except OSError as exc:
        print(f"simulator: cannot listen on {args.host}:{args.port} or open {db}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    server.log_requests = args.log_requests
    server.app.settings.update(
        {"faults": faults, "fault_seed": args.fault_seed, "dials": chosen, "dials_seed": args.dials_seed or 0}
    )
    port = server.server_address[1]

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"NetSuite simulator on http://{args.host}:{port} (account {account_id})", flush=True)
    if args.replay:
        print(f"replaying {args.replay} ({len(server.app.pages)} pages, read-only)", flush=True)
    if chosen:
        seed = f" (seed {args.dials_seed})" if args.dials_seed is not None else ""
        print(f"dials{seed}: " + " ".join(f"{k}={v}" for k, v in chosen.items()), flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.app.store.close()
    return EXIT_OK
