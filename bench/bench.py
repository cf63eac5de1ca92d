"""nsauto against its critical path: one account, many accounts in parallel, memory, start-up.

Prints figures; asserts nothing about time (machines differ). Run it inside a keyring session:

    scripts/with-keyring --isolated .venv/bin/python bench/bench.py [--latency-ms 400]

What it does, each against fresh simulators (one simulator process per account, account ids
1000001_SB1, 1000002_SB1, ..., every HTML request delayed by --latency-ms):
  1. the lower bound: latency × the page loads along the longest chain of the stage graph,
     counted from the flow files (bench/pageloads.py says how);
  2. one account: nsauto's wall time (process start to exit) and its ratio to the bound; also with
     --serial (stages one after another) and at 0 ms latency (nsauto's own work);
  3. 1, 5 and 20 accounts with `run --all --parallel` (5 and 10): wall time, ratio to one account,
     and the peak memory of nsauto's whole process tree (Python, Node drivers, browser server,
     Chromium), sampled from /proc, per extra concurrent account;
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from automation.demo import DEMO_SETUP  # noqa: E402
from bench.floor import CONTEXTS as FLOOR_CONTEXTS  # noqa: E402
from bench.floor import FILLS as FLOOR_FILLS  # noqa: E402
from bench.pageloads import RULES, lower_bound, per_stage  # noqa: E402
from bench.proctree import PeakSampler, Sample, cpu_seconds, sample  # noqa: E402

PASSWORD = "Simulator-Passw0rd!"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SETUP = DEMO_SETUP.format(email="admin@example.com")
PAGE_REQUEST = re.compile(r'"(GET|POST) (?!/ui/|/images/|/favicon|/services/|/__sim/)\S+')


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


def run_nsauto(label: str, count: int, parallel: int, latency_ms: int, first: int, extra: list[str]) -> Measured:
    """Fresh simulators and a fresh NSAUTO_HOME; nsauto as a child process, its tree sampled."""
    with tempfile.TemporaryDirectory(prefix="nsauto-bench-") as tmp:
        folder = Path(tmp)
        sims = start_simulators(count, latency_ms, first)
        try:
            config = write_config(folder, sims)
            command = [sys.executable, "-m", "automation", "run", "--config", str(config), "--json", *extra]
            command += ["--all", "--parallel", str(parallel)] if count > 1 else ["--account", "a00"]
            started = time.monotonic()
            busy_before, own_before = machine_busy_s(), cpu_seconds(os.getpid()) or 0.0
            process = subprocess.Popen(
                command, cwd=folder, env=env_for(folder / "home"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            with PeakSampler(process.pid) as sampler:
                out, err = process.communicate()
            wall = time.monotonic() - started
            busy = machine_busy_s() - busy_before - ((cpu_seconds(os.getpid()) or 0.0) - own_before)  # not the sampler
            simulators = sum(cpu_seconds(sim.process.pid) or 0.0 for sim in sims)
        finally:
            stop_simulators(sims)
    try:
        data = json.loads(out)
    except ValueError:
        data = []
    results = data if isinstance(data, list) else [data]
    if process.returncode != 0:
        print(f"  ! {label}: exit {process.returncode}\n{err.decode()[-2000:]}", file=sys.stderr)
    in_run = max((r.get("seconds", 0.0) for r in results), default=0.0)
    return Measured(
        label,
        count,
        parallel,
        wall,
        in_run,
        process.returncode,
        sampler.peak_rss,
        sampler.peak_pss,
        sampler.peak_processes,
        sampler.cpu_s,
        max(0.0, busy - sampler.cpu_s - simulators),
    )


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat: everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def count_page_requests(latency_ms: int) -> int:
    """Page requests the simulator really served in one single-account run (checks the flow count)."""
    with tempfile.TemporaryDirectory(prefix="nsauto-bench-") as tmp:
        folder = Path(tmp)
        sims = start_simulators(1, latency_ms, 9000001, log_dir=folder)
        try:
            config = write_config(folder, sims)
            subprocess.run(
                [sys.executable, "-m", "automation", "run", "--config", str(config), "--account", "a00"],
                cwd=folder,
                env=env_for(folder / "home"),
                capture_output=True,
                check=False,
            )
        finally:
            stop_simulators(sims)
        log = sims[0].log.read_text() if sims[0].log else ""
    return len(PAGE_REQUEST.findall(log))


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
    parser.add_argument("--fleet", default="5:5,20:10", help="accounts:parallel runs (default 5:5,20:10)")
    parser.add_argument("--skip-baselines", action="store_true", help="no --serial and 0 ms runs")
    args = parser.parse_args()
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("run me inside a keyring session: scripts/with-keyring --isolated .venv/bin/python bench/bench.py")
        return 2

    from automation.config import load_config
    from automation.engine.loader import load_flow
    from automation.engine.variables import variables_for

    latency_s = args.latency_ms / 1000
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

    chain, loads, bound = lower_bound(flow, variables, latency_s)
    stage = per_stage(flow, variables)
    print("\n1. Lower bound (critical path), counted from the flow files; page loads per step:")
    for step, rule in RULES.items():
        print(f"     {step:<46} {rule}")
    print("   per stage: " + ", ".join(f"{s.stage} {stage(s.stage)}" for s in flow.stages))
    print(f"   longest chain: {' → '.join(chain)} = {loads} page loads")
    total = sum(stage(s.stage) for s in flow.stages)
    print(f"   bound = {loads} × {args.latency_ms} ms = {bound:.1f} s  (all stages in turn: {total} loads)")
    seen = count_page_requests(args.latency_ms)
    print(f"   check: the simulator served {seen} page requests in one run; the flow count says {total}")

    floor = measure_floor(total)
    (start_s, start_cpu), (loads_s, loads_cpu), (fills_s, fills_cpu) = floor.startup, floor.loads, floor.fills
    floor_one = start_s + bound
    print("   the floor on this machine: Playwright and Chromium alone, no nsauto (bench/floor.py):")
    print(f"     start-up to a ready page:      {start_s:.2f} s wall, {start_cpu:.1f} CPU s")
    print(
        f"     a plain page load (0 ms):      {loads_s / total * 1000:.0f} ms wall, "
        f"{loads_cpu / total * 1000:.0f} ms CPU  ({total} loads: {loads_s:.1f} s, {loads_cpu:.1f} CPU s)"
    )
    fill_ms, fill_cpu_ms = fills_s / FLOOR_FILLS * 1000, fills_cpu / FLOOR_FILLS * 1000
    print(f"     one action (a fill):           {fill_ms:.0f} ms wall, {fill_cpu_ms:.0f} ms CPU")
    print(
        f"     one more context and page:     {floor.context_rss_mib:.0f} MiB RSS, "
        f"{floor.context_pss_mib:.0f} MiB PSS (what the browser alone needs per extra account)"
    )
    print(f"     so one account takes at least start-up + bound = {floor_one:.1f} s = {floor_one / bound:.2f} × bound")

    print("\n2. One account")
    one = run_nsauto("1 account", 1, 1, args.latency_ms, 1000001, [])
    print(f"   nsauto run: {one.wall_s:.1f} s wall (stages: {one.in_run_s:.1f} s), {one.wall_s / bound:.2f} × bound")
    print(f"   above start-up + bound ({floor_one:.1f} s): {one.wall_s - floor_one:.1f} s of nsauto's own work")
    if not args.skip_baselines:
        serial = run_nsauto("1 account --serial", 1, 1, args.latency_ms, 1100001, ["--serial"])
        zero = run_nsauto("1 account at 0 ms", 1, 1, 0, 1200001, [])
        print(f"   --serial:   {serial.wall_s:.1f} s wall (stages: {serial.in_run_s:.1f} s)")
        print(f"   at 0 ms latency (nsauto's own work): {zero.wall_s:.1f} s wall (stages: {zero.in_run_s:.1f} s)")

    print("\n3. Many accounts (one simulator each, one shared Chromium)")
    rows = [one]
    for index, spec in enumerate(args.fleet.split(",")):
        count, parallel = (int(x) for x in spec.split(":"))
        rows.append(run_nsauto(f"{count} accounts", count, parallel, args.latency_ms, 2000001 + 100 * index, []))
    cores = os.cpu_count() or 1
    header = f"{'run':<28} {'wall s':>7} {'× one':>6} {'RSS MiB':>8} {'PSS MiB':>8} {'procs':>6} {'CPU s':>7}"
    print(f"   {header} {'CPU/acct':>8} {'busy':>5}  rc")
    for row in rows:
        what = f"{row.label} --parallel {row.parallel}" if row.accounts > 1 else row.label
        busy = row.cpu_s / (row.wall_s * cores)  # share of all cores nsauto's tree kept busy
        print(
            f"   {what:<28} {row.wall_s:>7.1f} {row.wall_s / one.wall_s:>6.2f} {row.peak_rss_mib:>8.0f} "
            f"{row.peak_pss_mib:>8.0f} {row.processes:>6} {row.cpu_s:>7.1f} {row.cpu_s / row.accounts:>8.1f} "
            f"{busy:>5.0%}  {row.rc}"
        )
    print(f"   (RSS/PSS: peak over nsauto's process tree; CPU: user+system over the tree; busy: of {cores} cores)")
    for row in rows:
        share = row.others_s / (row.wall_s * cores)
        what = f"{row.others_s:.0f} CPU s, {share:.0%} of the cores"
        print(f"   meanwhile the rest of the machine ({row.label}): {what}")
    for row in rows[1:]:
        # every account loads its pages; the browser starts once: the least CPU a run can need
        least_cpu = start_cpu + row.accounts * loads_cpu
        least_wall = least_cpu / cores
        print(
            f"   floor for {row.label}: {row.accounts} × {loads_cpu:.1f} CPU s of page loads + start-up = "
            f"{least_cpu:.0f} CPU s: ≥ {least_wall:.0f} s on {cores} cores, {least_wall / one.wall_s:.2f} × one account"
        )
    for row in rows[1:]:
        extra = min(row.accounts, row.parallel) - 1
        rss = (row.peak_rss_mib - one.peak_rss_mib) / extra
        pss = (row.peak_pss_mib - one.peak_pss_mib) / extra
        print(f"   per extra concurrent account, {row.label} against one: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")
    for small, big in itertools.pairwise(rows[1:]):
        extra = min(big.accounts, big.parallel) - min(small.accounts, small.parallel)
        if extra > 0:
            rss = (big.peak_rss_mib - small.peak_rss_mib) / extra
            pss = (big.peak_pss_mib - small.peak_pss_mib) / extra
            print(
                f"   per extra concurrent account, {big.label} against {small.label}: RSS {rss:.0f}, PSS {pss:.0f} MiB"
            )

    print("\n4. Start-up (median of 7)")
    print(f"   nsauto --help:    {help_s:.3f} s, Playwright imported: {'no' if help_clean else 'YES'}")
    print(f"   nsauto validate:  {validate_s:.3f} s, Playwright imported: {'no' if validate_clean else 'YES'}")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    assert help_clean and validate_clean, "nsauto --help / validate imported Playwright"
    return 0 if all(row.rc == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
