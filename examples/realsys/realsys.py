"""Build, start, stop and show the real Tryton and django-crm servers seeded with a ChannelCo slice.

Usage (from the repository root, with the hub's virtual environment)::

    .venv/bin/python examples/realsys/realsys.py build    # venvs + seeded templates (once, minutes)
    .venv/bin/python examples/realsys/realsys.py up       # copy templates, start both on 127.0.0.1
    .venv/bin/python examples/realsys/realsys.py status   # URLs, PIDs, credentials file
    .venv/bin/python examples/realsys/realsys.py down     # stop both by their PID files

Everything lives under ``.cache/realsys/`` (gitignored): ``venvs/``, ``templates/``, and ``run/``
with ``<name>.pid`` and ``<name>.json`` (URL, port, credentials for connector configs).
``--only tryton|djangocrm`` limits a command to one system.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "realsys"))

import realsys_harness as harness  # noqa: E402

SYSTEMS = ("tryton", "djangocrm")
RUN = harness.CACHE / "run"


def _build_one(name: str) -> str:
    started = time.monotonic()
    try:
        template = harness.tryton_template() if name == "tryton" else harness.djangocrm_template()
    except harness.NoInterpreter as exc:
        return f"{name}: skipped ({exc})"
    meta = json.loads((template / "meta.json").read_text())
    return f"{name}: template {template.name} ready in {time.monotonic() - started:.0f}s (build steps: {meta['seconds']}, counts: {meta['counts']})"


def cmd_build(systems: list[str]) -> int:
    with ThreadPoolExecutor(max_workers=len(systems)) as pool:
        for line in pool.map(_build_one, systems):
            print(line)
    return 0


def _running(name: str) -> dict | None:
    info_file = RUN / f"{name}.json"
    pidfile = RUN / f"{name}.pid"
    if not (info_file.exists() and pidfile.exists()):
        return None
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
    except (ProcessLookupError, ValueError):
        return None
    return json.loads(info_file.read_text())


def cmd_up(systems: list[str]) -> int:
    RUN.mkdir(parents=True, exist_ok=True)
    for name in systems:
        if _running(name):
            print(f"{name}: already running ({_running(name)['url']})")
            continue
        instance = RUN / name
        shutil.rmtree(instance, ignore_errors=True)
        try:
            start = harness.start_tryton if name == "tryton" else harness.start_djangocrm
            info = start(instance, pid_dir=RUN)
        except harness.NoInterpreter as exc:
            print(f"{name}: skipped ({exc})")
            continue
        print(f"{name}: up at {info.url} (pid {info.pid}); credentials in {RUN / (name + '.json')}")
    return 0


def cmd_down(systems: list[str]) -> int:
    for name in systems:
        stopped = harness.stop_pid(RUN / f"{name}.pid")
        (RUN / f"{name}.json").unlink(missing_ok=True)
        print(f"{name}: {'stopped' if stopped else 'not running'}")
    return 0


def cmd_status(systems: list[str]) -> int:
    for name in systems:
        info = _running(name)
        print(f"{name}: running at {info['url']} (pid {info['pid']})" if info else f"{name}: not running")
    templates = (
        sorted(p.name for p in (harness.CACHE / "templates").glob("*"))
        if (harness.CACHE / "templates").exists()
        else []
    )
    print(f"templates: {', '.join(templates) or 'none (run build)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "up", "down", "status"))
    parser.add_argument("--only", choices=SYSTEMS, help="act on one system only")
    args = parser.parse_args(argv)
    systems = [args.only] if args.only else list(SYSTEMS)
    try:
        return {"build": cmd_build, "up": cmd_up, "down": cmd_down, "status": cmd_status}[args.command](systems)
    except harness.HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
