"""Processes of the benchmarks that run the system as an operator would (``bench/load.py``,
``bench/applications.py``): started through the CLI in a process group of their own, killed
with this process, stopped as a group; and what they cost, read from ``/proc`` (Linux).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

#: seconds a stopped process gets between SIGTERM and SIGKILL
STOP_GRACE = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vemtas() -> list[str]:
    return [sys.executable, "-m", "gateway.cli"]


def clean_env() -> dict[str, str]:
    """The parent's environment without any VEMTAS_* setting, so that a run is hermetic."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VEMTAS_")}


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def tail(self, lines: int = 15) -> str:
        self.log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL if it is not gone within the grace."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(STOP_GRACE)
        # children that outlived a leader which exited on its own
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.log.close()


def _die_with_parent() -> Callable[[], None]:
    """What the child runs before exec: ask to be killed if this benchmark dies without cleaning
    up (``PR_SET_PDEATHSIG``; Linux, as is ``/proc`` which the benchmark reads anyway). The C
    library is looked up here, in the parent, so the child only makes the call."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def child() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return child


def start(name: str, argv: list[str], env: Mapping[str, str], workdir: Path) -> Process:
    log_path = workdir / f"{name}.log"
    log = log_path.open("wb")
    popen = subprocess.Popen(
        argv,
        env=dict(env),
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() reaches its children too
        preexec_fn=_die_with_parent(),  # processes start before any thread does
    )
    return Process(name, popen, log_path, log)


def vm_rss(pid: int) -> int:
    """VmRSS of one process in bytes (0 when it is gone or has no memory of its own)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process, in seconds (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User plus system CPU time of ``pid`` (and, with ``children``, of the processes it started
    that still run), in seconds."""
    return sum(process_cpu_seconds(one) for one in (pid, *(descendants(pid) if children else ())))


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have spent busy since boot (``/proc/stat``)."""
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and every process it started, in bytes."""
    return vm_rss(pid) + sum(vm_rss(child) for child in descendants(pid))
