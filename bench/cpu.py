"""CPU time of processes and of the whole machine, read from /proc (Linux), for per-request CPU figures.

CPU seconds per request are steadier than requests per second on a shared machine: another benchmark
sharing the cores slows the rate but adds little to the CPU our own processes spend on each request.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def children(pid: int) -> list[int]:
    """The direct children of a process (a web server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _ticks() -> list[int]:
    """The machine's CPU counters from /proc/stat's first line: user, nice, system, idle, iowait, irq, softirq,
    steal..., in clock ticks, every core."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def machine() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, every core, from /proc/stat."""
    ticks = _ticks()
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / TICK, sum(ticks[:8]) / TICK


def stolen() -> float:
    """CPU seconds the hypervisor has given to other machines while this one wanted them ("steal"), so far."""
    return _ticks()[7] / TICK


class CpuMeter:
    """CPU seconds used by groups of processes between ``start()`` and ``stop()`` (pids may come and go)."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups  # name → a function returning the group's current pids
        self.began: dict[int, float] = {}
        self.used: dict[str, float] = {}

    def start(self) -> None:
        self.began = {pid: cpu_seconds(pid) for pids in self.groups.values() for pid in pids()}

    def stop(self, *names: str) -> None:
        for name in names or tuple(self.groups):
            self.used[name] = sum(cpu_seconds(pid) - self.began.get(pid, 0.0) for pid in self.groups[name]())


def named(command: str) -> list[int]:
    """Processes whose command name is ``command`` (the machine's own ``redis-server``, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
