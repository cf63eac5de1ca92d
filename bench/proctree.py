"""Memory of a whole process tree, read from /proc (Linux only).

The benchmark reports the memory nsauto needs per extra account. A run is many processes (Python,
one Node driver per thread, the browser server, Chromium's browser, GPU and renderer processes),
so one process's RSS says little: the sampler walks the tree below one pid every few milliseconds.
RSS counts shared pages (Chromium's and Node's code) once per process; PSS shares them out, so the
sum of PSS is what the machine really spends. Both are reported.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: the ppid follows the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(root: int) -> list[int]:
    """``root`` and every process below it."""
    tree = _children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Sample:
    rss_mib: float
    pss_mib: float
    processes: int


def sample(root: int, pss: bool = True) -> Sample:
    """RSS and PSS summed over the tree below ``root`` (PSS costs more to read: smaps_rollup)."""
    pids = descendants(root)
    rss = sum(_kib(Path(f"/proc/{pid}/status"), "VmRSS:") for pid in pids)
    total_pss = sum(_kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") for pid in pids) if pss else 0
    return Sample(rss / 1024, total_pss / 1024, len(pids))


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def kind_of(pid: int) -> str:
    """What a process of nsauto's tree is, from its command line."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()  # Chromium rewrites its own
    except OSError:
        return "other"
    if not argv:  # a zombie or a kernel thread: no command line
        return "other"
    program = Path(argv[0].decode(errors="replace")).name
    for arg in argv:
        if arg.startswith(b"--type="):
            return "chromium " + arg.removeprefix(b"--type=").decode(errors="replace")
    if "python" in program:
        return "python"
    if program == "node":
        return "node driver"
    if "chrom" in program or "headless" in program:
        return "chromium browser"
    return program or "other"


class PeakSampler:
    """Samples a process tree on a background thread: peak memory, and CPU time summed over the tree.

    CPU is the last value seen per process, so a process's final ``interval_s`` is not counted.
    """

    def __init__(self, root: int, interval_s: float = 0.2) -> None:
        self.root = root
        self.interval_s = interval_s
        self.peak_rss = 0.0
        self.peak_pss = 0.0
        self.peak_processes = 0
        self._cpu: dict[int, float] = {}
        self._kind: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="proctree-sampler", daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        return sum(self._cpu.values())

    def cpu_now(self) -> float:
        """CPU seconds of the tree read now, not at the last sample (for marks inside a run)."""
        self._read_cpu()
        return self.cpu_s

    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process (Python, Node driver, Chromium's browser, renderer, GPU, ...)."""
        kinds: dict[str, float] = {}
        for pid, used in self._cpu.items():
            kind = self._kind.get(pid, "other")
            kinds[kind] = kinds.get(kind, 0.0) + used
        return kinds

    def _read_cpu(self) -> None:
        for pid in descendants(self.root):
            used = cpu_seconds(pid)
            if used is not None:
                self._cpu[pid] = used
                if pid not in self._kind:
                    self._kind[pid] = kind_of(pid)

    def _loop(self) -> None:
        while not self._stop.is_set() and os.path.exists(f"/proc/{self.root}"):
            self._read_cpu()
            got = sample(self.root)
            self.peak_rss = max(self.peak_rss, got.rss_mib)
            self.peak_pss = max(self.peak_pss, got.pss_mib)
            self.peak_processes = max(self.peak_processes, got.processes)
            time.sleep(self.interval_s)
