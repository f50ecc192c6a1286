"""Reliability figures as a table: kills tried / diverged, faults injected / survived, fuzz untyped errors, secrets leaked.

    python -m bench.reliability [--kills 4] [--faults 1] [--fuzz 100] [--backends sqlite,postgresql] [--seed 0]

Runs the trials of ``tests/reliability`` (``trials.py`` and the fault tests' helpers) outside pytest:
``hub run`` and ``hub push`` SIGKILLed at seeded random moments and finished (diverged: exports or the
test servers' records differ from a run never killed, or a killed run does not read ``interrupted``);
the store connection terminated by PostgreSQL, the disk under a SQLite store filling up, and a second
run while one holds the lock (survived: one clear line with the documented exit code, store intact,
a rerun converges); the connector fuzz of ``bench/fuzz.py``; a run against a server that echoes its
bearer token in a 401 body (leaked: places the token shows up in the output, the logs, ``hub status``
or the store). Defaults finish in about ten minutes on a quiet machine; exit status 1 if anything
diverged, failed, was untyped or leaked.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.trials import (  # noqa: E402
    CHANNELCO,
    KillTally,
    Stores,
    exports,
    hub_ok,
    pg_database,
    push_chain,
    run_kill_chain,
    timed_run,
)


def _world(tmp: Path, name: str, customers: int, seed: int) -> Path:
    from testkit.world import generate

    out = tmp / name
    generate(out, seed=seed, customers=customers)
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def kill_run(stores: Stores, world: Path, tmp: Path, kills: int, rng: random.Random) -> KillTally:
    url = stores.new()
    w = _copy(world, tmp / "ref-world")
    took = timed_run(CHANNELCO, ("run", "channelco"), {"CHANNELCO_DIR": str(w), "HUB_DATABASE_URL": url}, url)
    ref = exports(url, tmp / "ref")
    tally = KillTally()
    while tally.kills < kills and tally.chains < 4 * kills:
        n = tally.chains + 1
        tally.add(
            run_kill_chain(
                _copy(world, tmp / f"w{n}"), stores.new(), rng, min(3, kills - tally.kills), took, ref, tmp / f"k{n}"
            )
        )
    return tally


def kill_push(stores: Stores, world: Path, tmp: Path, kills: int, rng: random.Random) -> KillTally:
    _, ref, took = push_chain(world, tmp / "ref", stores.new(), None, 0, 0, None)
    tally = KillTally()
    while tally.kills < kills and tally.chains < 4 * kills:
        one, _, _ = push_chain(
            world, tmp / f"c{tally.chains + 1}", stores.new(), rng, min(4, kills - tally.kills), took, ref
        )
        tally.add(one)
    return tally


def _one_line(out: str, err: str, code: int, want_code: int, words: tuple[str, ...]) -> bool:
    lines = [x for x in (out + err).splitlines() if x.startswith(("failed:", "error:"))]
    return (
        code == want_code and "Traceback" not in err and len(lines) == 1 and all(w in lines[0].lower() for w in words)
    )


def pg_terminate(base: str, world: Path, tmp: Path, n: int) -> tuple[int, int, str]:
    from tests.reliability.test_pg_terminate import terminate_trial

    ref = exports(_ref_store(Stores("postgresql", tmp, base), world, tmp / "pgref"), tmp / "pgref-out")
    tried = survived = 0
    notes: list[str] = []
    for i in range(n):
        for stage in ("extract", "reconcile"):
            res = terminate_trial(base, _copy(world, tmp / f"t{i}-{stage}"), tmp, stage, ref)
            if not res["terminated"]:
                notes.append(f"{stage}: ended before the terminate")
                continue
            tried += 1
            ok = _one_line(
                str(res["stdout"]),
                str(res["stderr"]),
                int(res["code"]),
                1,  # type: ignore[call-overload]
                ("terminated the connection",),
            ) and bool(res["converged"])
            survived += ok
            if not ok:
                lines = [
                    x
                    for x in (str(res["stdout"]) + str(res["stderr"])).splitlines()
                    if x.startswith(("failed:", "error:"))
                ]
                notes.append(f"{stage}: exit {res['code']}, converged {res['converged']}, {lines[:2]}")
    return tried, survived, "; ".join(notes)


def _ref_store(stores: Stores, world: Path, tmp: Path) -> str:
    url = stores.new()
    hub_ok(CHANNELCO, "run", "channelco", env={"CHANNELCO_DIR": str(_copy(world, tmp)), "HUB_DATABASE_URL": url})
    return url


def disk_full(small: Path, big: Path, tmp: Path, n: int) -> tuple[int, int, str]:
    from tests.reliability.test_disk_full import SmallDisk, disk_full_trial, reference

    ref = reference(small, big, tmp / "dref")
    tried = survived = 0
    for i in range(n):
        try:
            disk = SmallDisk(6)
        except (PermissionError, FileNotFoundError) as exc:
            return 0, 0, f"skipped: cannot mount a tmpfs ({exc})"
        try:
            res = disk_full_trial(disk, small, big, tmp / f"d{i}", ref)
        finally:
            disk.close()
        tried += 1
        survived += (
            _one_line(
                str(res["stdout"]),
                str(res["stderr"]),
                int(res["code"]),
                1,  # type: ignore[call-overload]
                ("database or disk is full",),
            )
            and res["integrity"] == ["ok"]
            and bool(res["unchanged"])
            and bool(res["converged"])
        )
    return tried, survived, ""


def concurrent(stores: Stores, world: Path, tmp: Path, n: int) -> tuple[int, int, str]:
    from tests.reliability.test_concurrent_runs import concurrent_trial

    tried = survived = 0
    notes: list[str] = []
    for i in range(n):
        res: dict[str, Any] = concurrent_trial(stores.new(), _copy(world, tmp / f"cc{i}"))
        tried += 1
        status = res["runs"]
        checks = {
            "second exits 4": res["second_code"] == 4,
            "message names run and pid": f"pid {res['pid']}" in res["second_err"]
            and f"run {res['run_id']} of channelco is in progress" in res["second_err"],
            "first succeeds": res["first_code"] == 0,
            "--wait succeeds": res["wait_code"] == 0,
            "paused run not taken for dead": status.get(res["run_id"]) == "succeeded",
            "killed run interrupted": status.get(res["killed_run"]) == "interrupted",
            "lock released": res["lock_after"] == [],
        }
        survived += all(checks.values())
        notes += [f"{k} ({res['second_err'][-200:]!r} {status})" for k, v in checks.items() if not v][:2]
    return tried, survived, "; ".join(notes)


def fuzz(examples: int, seed: int) -> tuple[int, int]:
    from bench.fuzz import fuzz as run_fuzz
    from tests.reliability.fuzz_targets import TARGETS

    inputs = untyped = 0
    for name in TARGETS:
        counts, _, _ = run_fuzz(name, examples, seed)
        inputs += sum(counts.values())
        untyped += counts["untyped"]
    return inputs, untyped


SHOP_CONFIG = """\
version: 1
store: {{url: "sqlite:///{db}"}}
systems:
  shop:
    connector: rest
    config:
      base_url: {url}
      auth: {{type: bearer}}
      streams:
        customers: {{path: /customers, record_path: data, primary_key: [id]}}
    secrets: {{token: SHOP_TOKEN}}
    mappings: [shop.yaml]
pipelines:
  shop: {{sources: [shop]}}
"""
SHOP_MAPPING = """\
system: shop
mappings:
  - stream: customers
    entity: party
    key: id
    fields: {name: name}
"""


def secrets(tmp: Path) -> tuple[int, int, str]:
    """A run against a server that answers 401 echoing the bearer token; (places checked, places leaked, note)."""
    import base64

    from tests.reliability.test_redact import _EchoingAuthServer

    token = "tok-" + os.urandom(12).hex()
    tmp.mkdir(parents=True)
    db = tmp / "hub.db"
    with _EchoingAuthServer() as url:
        cfg = tmp / "hub.yaml"
        cfg.write_text(SHOP_CONFIG.format(db=db, url=url), encoding="utf-8")
        (tmp / "shop.yaml").write_text(SHOP_MAPPING, encoding="utf-8")
        env = {"SHOP_TOKEN": token}
        run = subprocess.run(
            [sys.executable, "-m", "hub", "-v", "-c", str(cfg), "run", "shop"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            env={**os.environ, **env},
            timeout=300,
        )
        status = subprocess.run(
            [sys.executable, "-m", "hub", "-c", str(cfg), "status"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            env={**os.environ, **env},
            timeout=300,
        )
    forms = [token, base64.b64encode(token.encode()).decode()]
    places = {
        "run stdout": run.stdout,
        "run stderr and logs (-v)": run.stderr,
        "hub status": status.stdout + status.stderr,
        "store file": db.read_bytes().decode("latin-1") if db.exists() else "",
    }
    leaked = sum(any(f in text for f in forms) for text in places.values())
    note = (
        ""
        if run.returncode == 1 and ("401" in run.stdout + run.stderr or "auth" in (run.stdout + run.stderr).lower())
        else f"the run did not fail on the 401 as expected (exit {run.returncode}): {(run.stdout + run.stderr)[-300:]}"
    )
    return len(places), leaked, note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=4, help="kill points per command and backend")
    parser.add_argument("--faults", type=int, default=1, help="trials per fault kind (and backend)")
    parser.add_argument("--fuzz", type=int, default=100, help="fuzz inputs per connector target")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hub-reliability-"))
    os.environ.setdefault("REPORT_DIR", str(tmp / "reports"))
    os.environ.setdefault("HUB_DISABLE_PLUGINS", "*")
    os.environ.pop("HUB_DATABASE_URL", None)
    rng = random.Random(args.seed)
    small = _world(tmp, "small", 40, 11)
    rows: list[tuple[str, str, str, str, str]] = []
    bad = 0
    started = time.monotonic()

    def add(what: str, where: str, tried: int, failed_label: str, failed: int, note: str = "") -> None:
        nonlocal bad
        bad += failed
        rows.append((what, where, str(tried), f"{failed_label} {failed}", note))

    try:
        for backend in args.backends.split(","):
            with pg_database() if backend == "postgresql" else _nothing() as base:
                stores = Stores(backend, tmp / backend, base)
                (tmp / backend).mkdir()
                try:
                    for label, trial in (("kill hub run", kill_run), ("kill hub push", kill_push)):
                        if args.kills <= 0:
                            continue
                        t = trial(stores, small, tmp / backend / label.replace(" ", "_"), args.kills, rng)
                        add(
                            label,
                            backend,
                            t.kills,
                            "diverged",
                            t.diverged,
                            f"{t.chains} chains; " + "; ".join(t.problems[:2]),
                        )
                    if args.faults > 0:
                        tried, ok, note = concurrent(stores, small, tmp / backend / "concurrent", args.faults)
                        add("concurrent run", backend, tried, "not survived", tried - ok, note)
                        if backend == "postgresql":
                            tried, ok, note = pg_terminate(base, small, tmp / backend / "terminate", args.faults)
                            add("PG terminate", backend, tried, "not survived", tried - ok, note)
                        else:
                            big = _world(tmp, "big", 200, 7)
                            tried, ok, note = disk_full(small, big, tmp / backend / "disk", args.faults)
                            add("disk full", backend, tried, "not survived", tried - ok, note)
                finally:
                    stores.close()
        if args.fuzz > 0:
            inputs, untyped = fuzz(args.fuzz, args.seed)
            add("fuzz connectors", "-", inputs, "untyped", untyped)
        checked, leaked, note = secrets(tmp / "secrets")
        add("secrets (401 echo)", "-", checked, "leaked", leaked, note)
        bad += bool(note)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'trial':<20} {'backend':<11} {'tried':>6}  {'outcome':<16} note")
    for what, where, tried, outcome, note in rows:
        print(f"{what:<20} {where:<11} {tried:>6}  {outcome:<16} {note}")
    print(f"({time.monotonic() - started:.0f} s)")
    return 1 if bad else 0


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
