"""Run a benchmark's child processes so that each one's peak memory is its own.

Linux counts a process's peak RSS from the memory image it was forked from: a child forked by a
benchmark that has itself grown to 400 MB (scenario files read, results compared) reports at least
400 MB, whatever it used. So children are forked by a small launcher process instead, started
before the benchmark grows (:func:`start`, first thing in ``main``); it runs one command at a time
and returns its wall seconds, peak RSS and CPU seconds from ``os.wait4``, and the peak of the
summed PSS of its whole process tree (helper processes included; shared pages counted once),
sampled every quarter second.

    from bench.spawn import measure, start
    start()
    figures = measure([sys.executable, "-c", "pass"], Path("child.log"))
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["measure", "start", "stop"]

_LAUNCHER = r"""
import json, os, signal, subprocess, sys, time

def tree(root):
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out

def pss_kb(p):
    try:
        with open(f"/proc/{p}/smaps_rollup") as f:
            return next((int(ln.split()[1]) for ln in f if ln.startswith("Pss:")), 0)
    except OSError:
        return 0

for line in sys.stdin:
    req = json.loads(line)
    t0 = time.perf_counter()
    peak_pss, sampled = 0, 0.0
    with open(req["log"], "w") as fh:
        proc = subprocess.Popen(req["cmd"], stdout=fh, stderr=subprocess.STDOUT, cwd=req["cwd"], env=req["env"])
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > req["timeout"]:
                os.kill(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if time.perf_counter() - sampled >= 0.25:  # the whole tree's memory, helpers included
                sampled = time.perf_counter()
                peak_pss = max(peak_pss, sum(pss_kb(p) for p in tree(proc.pid)))
            time.sleep(0.05)
    print(json.dumps({
        "seconds": time.perf_counter() - t0,
        "peak_mb": usage.ru_maxrss / 1024,
        "all_mb": peak_pss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "exit": os.waitstatus_to_exitcode(status),
    }), flush=True)
"""

_proc: subprocess.Popen[str] | None = None


def start() -> None:
    """Start the launcher now, while this process is small (later calls reuse it)."""
    global _proc
    if _proc is None or _proc.poll() is not None:
        _proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )


def stop() -> None:
    """Let the launcher exit (it also ends with this process)."""
    global _proc
    if _proc is not None:
        assert _proc.stdin is not None
        _proc.stdin.close()
        _proc.wait()
        _proc = None


def measure(
    cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 7200
) -> dict[str, Any]:
    """Run ``cmd`` to completion (output to ``log``; killed after ``timeout`` seconds): ``seconds``,
    ``peak_mb`` (its largest process's peak RSS), ``all_mb`` (peak summed PSS of its process tree),
    ``cpu_s`` and its ``exit`` code."""
    start()
    assert _proc is not None and _proc.stdin is not None and _proc.stdout is not None
    req = {
        "cmd": [str(c) for c in cmd],
        "log": str(log),
        "cwd": str(cwd) if cwd else None,
        "env": {**os.environ, **(env or {})},
        "timeout": timeout,
    }
    _proc.stdin.write(json.dumps(req) + "\n")
    _proc.stdin.flush()
    line = _proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the benchmark launcher stopped (exit {_proc.wait()}) while running {cmd[:3]}")
    return json.loads(line)
