"""nsauto against its critical path and against a plain script, at NetSuite's own page latency.

Prints figures; asserts nothing about time (machines differ). Run it inside a keyring session:

    scripts/with-keyring --isolated .venv/bin/python bench/bench.py [--slow] [--fleet 20:10] [--baselines]

What it does, each against fresh simulators (one simulator process per account, account ids
1000001_SB1, 1000002_SB1, ..., every HTML request delayed by the latency, 400 ms; --slow adds 1000 ms):
  1. the lower bound: latency × the page loads along the longest chain of the stage graph,
     counted from the flow files (bench/pageloads.py says how);
  2. one account: nsauto's wall time (process start to exit) and the reference's (bench/reference.py:
     the same page visits as a plain sequential Playwright script), their ratios to the bound and to
     each other, the client time between page loads per stage (from the simulator's request log: the
     time between a page's answer and the next request), and the CPU seconds of each process tree;
     --baselines adds --serial and 0 ms runs and the floor (Playwright and Chromium alone);
  3. with --fleet (slow): `run --all --parallel` wall time, ratio to one account, CPU per account,
     and the peak memory of nsauto's whole process tree per extra concurrent account;
  4. `nsauto --help` and `nsauto validate`: start-up time, and Playwright must not be imported.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.demo import DEMO_SETUP  # noqa: E402
from automation.engine.graph import StageGraph  # noqa: E402
from automation.engine.loader import Flow  # noqa: E402
from bench.floor import CONTEXTS as FLOOR_CONTEXTS  # noqa: E402
from bench.floor import FILLS as FLOOR_FILLS  # noqa: E402
from bench.pageloads import RULES, lower_bound, paths_of, per_stage  # noqa: E402
from bench.proctree import PeakSampler, Sample, cpu_seconds, sample  # noqa: E402

PASSWORD = "Simulator-Passw0rd!"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SETUP = DEMO_SETUP.format(email="admin@example.com")


@dataclass
class Simulator:
    process: subprocess.Popen[str]
    url: str
    account_id: str
    log: Path | None


def start_simulators(count: int, latency_ms: int, first: int, log_dir: Path | None = None) -> list[Simulator]:
    sims = []
    for index in range(count):
        account_id = f"{first + index}_SB1"
        log = log_dir / f"sim-{account_id}.log" if log_dir else None
        command = [sys.executable, "-m", "automation.simulator", "--port", "0", "--db", ":memory:"]
        command += ["--latency-ms", str(latency_ms), "--account-id", account_id]
        command += ["--log-requests"] if log else []
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log.open("w") if log else subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        found = re.search(r"http://\S+", process.stdout.readline())
        assert found, f"simulator {account_id} did not start"
        sims.append(Simulator(process, found.group(0).rstrip(")"), account_id, log))
    return sims


def stop_simulators(sims: list[Simulator]) -> None:
    for sim in sims:
        sim.process.terminate()
    for sim in sims:
        sim.process.wait(timeout=10)


def write_config(folder: Path, sims: list[Simulator]) -> Path:
    lines = ["accounts:"]
    for index, sim in enumerate(sims):
        lines += [
            f"  a{index:02d}:",
            f"    account_id: {sim.account_id}",
            f"    ui_url: {sim.url}",
            f"    rest_url: {sim.url}/services/rest",
            "    login:",
            "      email: admin@example.com",
            "      password: env:NS_PASSWORD",
            "      totp_secret: env:NS_TOTP_SECRET",
        ]
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n" + SETUP)
    return path


def env_for(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NS_PASSWORD": PASSWORD,
        "NS_TOTP_SECRET": TOTP,
        "NSAUTO_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
    }


@dataclass
class Measured:
    label: str
    accounts: int
    parallel: int
    wall_s: float
    in_run_s: float  # the slowest account's own run time (browser started to stages done)
    rc: int
    peak_rss_mib: float
    peak_pss_mib: float
    processes: int
    cpu_s: float
    others_s: float  # CPU the rest of the machine used meanwhile (other users' work, not the simulators)
    cpu_kinds: dict[str, float] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)  # the first simulator's, with logging on
    started_at: float = 0.0  # epoch seconds, as the simulator's log
    ended_at: float = 0.0


@dataclass(frozen=True)
class Request:
    """One request as the simulator logged it: when it came, when its answer went (epoch seconds)."""

    arrived: float
    answered: float
    method: str
    path: str

    @property
    def page(self) -> str:
        return urlsplit(self.path).path


TIMING = re.compile(r"^timing (\S+) (\S+) (\S+) (\S+)$", re.M)
NOT_PAGES = ("/ui/", "/images/", "/favicon", "/services/", "/__sim/")


def page_requests(log: Path | None) -> list[Request]:
    """The page requests (no scripts, images or REST) of a simulator's --log-requests output."""
    if log is None or not log.exists():
        return []
    found = [Request(float(a), float(b), method, path) for a, b, method, path in TIMING.findall(log.read_text())]
    return sorted((r for r in found if not r.path.startswith(NOT_PAGES)), key=lambda r: r.arrived)


def measured_tree(
    label: str, count: int, parallel: int, command: list[str], cwd: Path, env: dict[str, str], sims: list[Simulator]
) -> tuple[Measured, bytes, bytes]:
    """Run ``command`` as a child process and sample its whole process tree."""
    started, started_at = time.monotonic(), time.time()
    busy_before, own_before = machine_busy_s(), cpu_seconds(os.getpid()) or 0.0
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with PeakSampler(process.pid) as sampler:
        out, err = process.communicate()
    wall, ended_at = time.monotonic() - started, time.time()
    busy = machine_busy_s() - busy_before - ((cpu_seconds(os.getpid()) or 0.0) - own_before)  # not the sampler
    simulators = sum(cpu_seconds(sim.process.pid) or 0.0 for sim in sims)
    row = Measured(
        label,
        count,
        parallel,
        wall,
        0.0,
        process.returncode,
        sampler.peak_rss,
        sampler.peak_pss,
        sampler.peak_processes,
        sampler.cpu_s,
        max(0.0, busy - sampler.cpu_s - simulators),
        sampler.cpu_by_kind(),
        started_at=started_at,
        ended_at=ended_at,
    )
    if process.returncode != 0:
        print(f"  ! {label}: exit {process.returncode}\n{err.decode()[-2000:]}", file=sys.stderr)
    return row, out, err


def run_nsauto(
    label: str, count: int, parallel: int, latency_ms: int, first: int, extra: list[str], log: bool = False
) -> Measured:
    """Fresh simulators and a fresh NSAUTO_HOME; nsauto as a child process, its tree sampled."""
    with tempfile.TemporaryDirectory(prefix="nsauto-bench-") as tmp:
        folder = Path(tmp)
        sims = start_simulators(count, latency_ms, first, log_dir=folder if log else None)
        try:
            config = write_config(folder, sims)
            command = [sys.executable, "-m", "automation", "run", "--config", str(config), "--json", *extra]
            command += ["--all", "--parallel", str(parallel)] if count > 1 else ["--account", "a00"]
            row, out, _ = measured_tree(label, count, parallel, command, folder, env_for(folder / "home"), sims)
        finally:
            stop_simulators(sims)
        row.requests = page_requests(sims[0].log)
    try:
        data = json.loads(out)
    except ValueError:
        data = []
    results = data if isinstance(data, list) else [data]
    row.in_run_s = max((r.get("seconds", 0.0) for r in results), default=0.0)
    return row


def run_reference(latency_ms: int, first: int) -> Measured:
    """bench/reference.py against a fresh simulator, its tree sampled and its requests logged."""
    with tempfile.TemporaryDirectory(prefix="nsauto-bench-") as tmp:
        folder = Path(tmp)
        sims = start_simulators(1, latency_ms, first, log_dir=folder)
        try:
            command = [sys.executable, "-m", "bench.reference", sims[0].url, sims[0].account_id]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            row, out, _ = measured_tree("reference", 1, 1, command, ROOT, env, sims)
        finally:
            stop_simulators(sims)
        row.requests = page_requests(sims[0].log)
    try:
        row.in_run_s = float(json.loads(out.decode().strip().splitlines()[-1])["seconds"])
    except (ValueError, IndexError, KeyError):
        row.rc = row.rc or 1
    return row


@dataclass
class StageTime:
    stage: str
    requests: int
    client_s: float  # the stage's own gaps: from a page's answer to the stage's next request
    lead_in_s: float  # from the end of what the stage waits for to its first request
    ahead: int = 0  # its lists read ahead, before what it waits for had finished


def client_time(flow: Flow, row: Measured) -> list[StageTime]:
    """Client time between page loads, per stage: each page request goes to the stage that reads that
    path (bench/pageloads.py's paths_of; a list two stages read goes to the first that has not read it
    yet), the login stage takes the rest. A stage's lead-in counts from the last answer of the stages it
    needs (the login's: from the process start)."""
    graph = StageGraph.of(flow)
    pages, lists = paths_of(flow)
    left = {name: Counter(counted) for name, counted in lists.items()}
    mine: dict[str, list[Request]] = {name: [] for name in graph.order}
    for request in row.requests:
        candidates = [n for n in graph.order if request.page in pages[n] or request.page in lists[n]]
        chosen = next((n for n in candidates if request.page in pages[n] or left[n][request.page] > 0), None)
        chosen = chosen or (candidates[-1] if candidates else graph.order[0])
        if left.get(chosen, Counter())[request.page] > 0:
            left[chosen][request.page] -= 1
        mine[chosen].append(request)
    times = []
    for name in graph.order:
        before = [r.answered for need in graph.needs[name] for r in mine[need]]
        ready = max(before, default=row.started_at)
        ahead = [r for r in mine[name] if r.arrived < ready]  # read ahead: off this stage's chain
        got = mine[name] = [r for r in mine[name] if r.arrived >= ready]
        gaps = sum(max(0.0, b.arrived - a.answered) for a, b in itertools.pairwise(got))
        lead = max(0.0, got[0].arrived - ready) if got else 0.0
        times.append(StageTime(name, len(got), gaps, lead, len(ahead)))
    return times


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


@dataclass
class Floor:
    """Seconds and CPU seconds (over the whole process tree) of each part of bench/floor.py."""

    startup: tuple[float, float]
    loads: tuple[float, float]
    fills: tuple[float, float]
    context_rss_mib: float  # memory of the tree per extra context with a loaded page
    context_pss_mib: float


def measure_floor(load_count: int) -> Floor:
    """Playwright and Chromium alone (bench/floor.py): start-up, plain page loads, one action."""
    sims = start_simulators(1, 0, 9200001)
    parts: list[tuple[float, float]] = []
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.floor", sims[0].url, sims[0].account_id, str(load_count)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdin is not None and process.stdout is not None
        with PeakSampler(process.pid) as sampler:
            cpu_before = 0.0
            memory: list[Sample] = []
            for _ in range(4):  # ready, loaded, filled, contexts
                seconds = json.loads(process.stdout.readline())["seconds"]
                cpu = sampler.cpu_now()
                parts.append((seconds, cpu - cpu_before))
                memory.append(sample(process.pid))
                cpu_before = cpu
                process.stdin.write("\n")
                process.stdin.flush()
            process.wait(timeout=60)
    finally:
        stop_simulators(sims)
    extra_rss = (memory[3].rss_mib - memory[2].rss_mib) / FLOOR_CONTEXTS
    extra_pss = (memory[3].pss_mib - memory[2].pss_mib) / FLOOR_CONTEXTS
    return Floor(parts[0], parts[1], parts[2], extra_rss, extra_pss)


def startup(args: list[str], env: dict[str, str], cwd: Path, repeat: int = 7) -> tuple[float, bool]:
    """Median wall time of `nsauto ARGS`, and whether Playwright stayed unimported."""
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "automation", *args], cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.monotonic() - started)
    probe = (
        "import sys\nfrom automation.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "sys.exit(1 if any(m == 'playwright' or m.startswith('playwright.') for m in sys.modules) else 0)\n"
    )
    clean = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, check=False)
    return statistics.median(times), clean.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=400, help="simulated NetSuite latency per page (400)")
    parser.add_argument("--slow", action="store_true", help="also one account at 1000 ms per page")
    parser.add_argument("--repeat", type=int, default=1, help="one-account runs per latency; the median is shown")
    parser.add_argument("--fleet", default="", help="accounts:parallel runs, e.g. 5:5,20:10 (slow; none by default)")
    parser.add_argument("--baselines", action="store_true", help="also --serial, 0 ms and the floor")
    args = parser.parse_args()
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("run me inside a keyring session: scripts/with-keyring --isolated .venv/bin/python bench/bench.py")
        return 2

    from automation.config import load_config
    from automation.engine.loader import load_flow
    from automation.engine.variables import variables_for

    load = os.getloadavg()
    print(f"nsauto benchmark: simulator latency {args.latency_ms} ms per page; {os.cpu_count()} CPUs, ", end="")
    print(f"load average {load[0]:.2f} at start")

    with tempfile.TemporaryDirectory(prefix="nsauto-bench-") as tmp:
        folder = Path(tmp)
        sims = start_simulators(1, 0, 9100001)
        try:
            config_path = write_config(folder, sims)
            config = load_config(config_path)
            flow = load_flow()
            variables = variables_for(config, next(iter(config.accounts.values())))
            env = env_for(folder / "home")
            help_s, help_clean = startup(["--help"], env, folder)
            validate_s, validate_clean = startup(["validate", "--config", str(config_path)], env, folder)
        finally:
            stop_simulators(sims)

    latencies = [args.latency_ms] + ([1000] if args.slow and args.latency_ms != 1000 else [])
    chain, loads, _ = lower_bound(flow, variables, 1.0)
    _, own_loads, _ = lower_bound(flow, variables, 1.0, read_ahead=True)
    stage = per_stage(flow, variables)
    own = per_stage(flow, variables, read_ahead=True)
    print("\n1. Lower bound (critical path), counted from the flow files; page loads per step:")
    for step, rule in RULES.items():
        print(f"     {step:<46} {rule}")
    print("   per stage: " + ", ".join(f"{s.stage} {stage(s.stage)}" for s in flow.stages))
    print(f"   longest chain: {' → '.join(chain)} = {loads} page loads (the bound: the chain's pages in turn)")
    print("   with the lists read ahead: " + ", ".join(f"{s.stage} {own(s.stage)}" for s in flow.stages))
    print(f"   so nsauto's own chain has {own_loads} page loads (× own: wall / ({own_loads} × latency))")
    total = sum(stage(s.stage) for s in flow.stages)
    for latency in latencies:
        seconds = loads * latency / 1000
        print(f"   bound = {loads} × {latency} ms = {seconds:.1f} s  (all stages in turn: {total} loads)")

    ones: dict[int, Measured] = {}
    for n, latency in enumerate(latencies):
        bound = loads * latency / 1000
        print(f"\n2. One account at {latency} ms per page (bound {bound:.1f} s)")
        pairs = []
        for attempt in range(args.repeat):  # alternate, so a busy minute hits both alike
            first = 1000001 + 100_000 * n + 1000 * attempt
            ours = run_nsauto("nsauto", 1, 1, latency, first, [], log=True)
            pairs.append((ours, run_reference(latency, first + 500)))
        ns = _median(pairs, 0)
        ref = _median(pairs, 1)
        ones[latency] = ns
        if args.repeat > 1:
            print("   walls: nsauto " + ", ".join(f"{p[0].wall_s:.1f}" for p in pairs), end="")
            print("; reference " + ", ".join(f"{p[1].wall_s:.1f}" for p in pairs) + " (medians below)")
        own_bound = own_loads * latency / 1000
        header = f"   {'':<22} {'wall s':>7} {'× bound':>8} {'× own':>6} {'× ref':>6} {'pages':>6} {'CPU s':>6}"
        print(f"{header} {'PSS MiB':>8}  rc")
        for row in (ns, ref):
            print(
                f"   {row.label:<22} {row.wall_s:>7.2f} {row.wall_s / bound:>8.2f} {row.wall_s / own_bound:>6.2f} "
                f"{row.wall_s / ref.wall_s:>6.2f} {len(row.requests):>6} {row.cpu_s:>6.1f} {row.peak_pss_mib:>8.0f}  "
                f"{row.rc}"
            )
        print("   client time between page loads per stage (s): lead-in (from what it waits for) + within")
        print("   (page loads on its chain; +N: lists read ahead, before what it waits for had finished)")
        print(f"   {'stage':<16} {'nsauto':>21} {'reference':>21}")
        for mine, theirs in zip(client_time(flow, ns), client_time(flow, ref), strict=True):
            print(f"   {mine.stage:<16} {_stage_cell(mine):>21} {_stage_cell(theirs):>21}")
        for row in (ns, ref):
            tail = row.ended_at - max((r.answered for r in row.requests), default=row.ended_at)
            kinds = ", ".join(f"{k} {v:.1f}" for k, v in sorted(row.cpu_kinds.items(), key=lambda kv: -kv[1]))
            print(f"   {row.label}: after the last page {tail:.2f} s; CPU s by process: {kinds}")

    one = ones[args.latency_ms]
    bound = loads * args.latency_ms / 1000
    if args.baselines:
        print("\n2b. Baselines")
        serial = run_nsauto("1 account --serial", 1, 1, args.latency_ms, 1300001, ["--serial"])
        zero = run_nsauto("1 account at 0 ms", 1, 1, 0, 1400001, [])
        print(f"   --serial:   {serial.wall_s:.1f} s wall (stages: {serial.in_run_s:.1f} s)")
        print(f"   at 0 ms latency (nsauto's own work): {zero.wall_s:.1f} s wall (stages: {zero.in_run_s:.1f} s)")
        print_floor(measure_floor(total), bound)

    rows = [one]
    for index, spec in enumerate(s for s in args.fleet.split(",") if s):
        count, parallel = (int(x) for x in spec.split(":"))
        rows.append(run_nsauto(f"{count} accounts", count, parallel, args.latency_ms, 2000001 + 100 * index, []))
    if len(rows) > 1:
        print_fleet(rows, one)

    print("\n4. Start-up (median of 7)")
    print(f"   nsauto --help:    {help_s:.3f} s, Playwright imported: {'no' if help_clean else 'YES'}")
    print(f"   nsauto validate:  {validate_s:.3f} s, Playwright imported: {'no' if validate_clean else 'YES'}")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    assert help_clean and validate_clean, "nsauto --help / validate imported Playwright"
    return 0 if all(row.rc == 0 for row in rows) else 1


def _stage_cell(time: StageTime) -> str:
    ahead = f" +{time.ahead}" if time.ahead else ""
    return f"{time.lead_in_s:.2f} + {time.client_s:.2f} ({time.requests:>2}{ahead})"


def _median(pairs: list[tuple[Measured, Measured]], index: int) -> Measured:
    runs = sorted((p[index] for p in pairs), key=lambda r: r.wall_s)
    return runs[(len(runs) - 1) // 2]


def print_floor(floor: Floor, bound: float) -> None:
    (start_s, start_cpu), (loads_s, loads_cpu), (fills_s, fills_cpu) = floor.startup, floor.loads, floor.fills
    print("   the floor on this machine: Playwright and Chromium alone, no nsauto (bench/floor.py):")
    print(f"     start-up to a ready page:      {start_s:.2f} s wall, {start_cpu:.1f} CPU s")
    print(f"     the page loads (0 ms):         {loads_s:.1f} s wall, {loads_cpu:.1f} CPU s")
    fill_ms, fill_cpu_ms = fills_s / FLOOR_FILLS * 1000, fills_cpu / FLOOR_FILLS * 1000
    print(f"     one action (a fill):           {fill_ms:.0f} ms wall, {fill_cpu_ms:.0f} ms CPU")
    rss, pss = floor.context_rss_mib, floor.context_pss_mib
    print(f"     one more context and page:     {rss:.0f} MiB RSS, {pss:.0f} MiB PSS")
    print(f"     so one account takes at least start-up + bound = {start_s + bound:.1f} s")


def print_fleet(rows: list[Measured], one: Measured) -> None:
    print("\n3. Many accounts (one simulator each, one shared Chromium)")
    cores = os.cpu_count() or 1
    header = f"{'run':<28} {'wall s':>7} {'× one':>6} {'RSS MiB':>8} {'PSS MiB':>8} {'procs':>6} {'CPU s':>7}"
    print(f"   {header} {'CPU/acct':>8} {'busy':>5}  rc")
    for row in rows:
        what = f"{row.label} --parallel {row.parallel}" if row.accounts > 1 else "1 account"
        busy = row.cpu_s / (row.wall_s * cores)  # share of all cores nsauto's tree kept busy
        print(
            f"   {what:<28} {row.wall_s:>7.1f} {row.wall_s / one.wall_s:>6.2f} {row.peak_rss_mib:>8.0f} "
            f"{row.peak_pss_mib:>8.0f} {row.processes:>6} {row.cpu_s:>7.1f} {row.cpu_s / row.accounts:>8.1f} "
            f"{busy:>5.0%}  {row.rc}"
        )
    print(f"   (RSS/PSS: peak over nsauto's process tree; CPU: user+system over the tree; busy: of {cores} cores)")
    for row in rows:
        share = row.others_s / (row.wall_s * cores)
        print(f"   meanwhile the rest of the machine ({row.label}): {row.others_s:.0f} CPU s, {share:.0%} of the cores")
    for row in rows[1:]:
        kinds = ", ".join(f"{k} {v / row.accounts:.1f}" for k, v in sorted(row.cpu_kinds.items(), key=lambda x: -x[1]))
        print(f"   {row.label}: CPU s per account by process: {kinds}")
        extra = min(row.accounts, row.parallel) - 1
        rss = (row.peak_rss_mib - one.peak_rss_mib) / extra
        pss = (row.peak_pss_mib - one.peak_pss_mib) / extra
        print(f"   per extra concurrent account, {row.label} against one: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
