"""Crash and fault trials shared by the reliability tests and bench/reliability.py: start ``hub`` as a user would,
kill it at a seeded random moment of its work, finish it, compare the store's exports with a clean run's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
CHANNELCO = ROOT / "examples" / "channelco" / "hub.yaml"
EXPORTS = ("crosswalk.csv", "discrepancies.csv")
PG_ADMIN_URL = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def hub(config: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``hub -c CONFIG ARGS`` as its own process (from the repository root, as a user runs it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "-c", str(config), *args],
        cwd=ROOT,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def hub_ok(config: Path, *args: str, env: dict[str, str], codes: tuple[int, ...] = (0,)) -> str:
    """Run ``hub`` to the end; its stdout (an exit code outside ``codes`` fails with its output)."""
    proc = hub(config, *args, env=env)
    out, err = proc.communicate(timeout=900)
    if proc.returncode not in codes:
        raise AssertionError(f"hub {' '.join(args)} exited {proc.returncode}:\n{out[-3000:]}\n{err[-3000:]}")
    return out


def engine_of(url: str) -> sa.Engine:
    from hub.store.engine import make_engine

    return make_engine(url)


def runs(url: str) -> dict[int, str]:
    """Run id -> status of every run in the store (empty when the store has no schema yet)."""
    engine = engine_of(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.text("SELECT id, status FROM run ORDER BY id")).all())  # type: ignore[arg-type]
    except sa.exc.SQLAlchemyError:
        return {}
    finally:
        engine.dispose()


def wait_for_run(url: str, proc: subprocess.Popen[str], after: int, timeout: float = 300) -> int | None:
    """Poll the store until ``proc`` opened a run with an id above ``after``; its id (None: it ended first)."""
    engine = engine_of(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with engine.connect() as conn:
                    found = conn.execute(sa.text("SELECT max(id) FROM run WHERE id > :a"), {"a": after}).scalar()
                if found:
                    return int(found)
            except sa.exc.SQLAlchemyError:  # the schema is not there yet
                pass
            time.sleep(0.02)
        return None
    finally:
        engine.dispose()


def exports(url: str, out: Path, systems: list[str] | None = None) -> dict[str, bytes]:
    """crosswalk.csv and discrepancies.csv of the store, as ``hub export`` writes them."""
    from hub.export import export

    engine = engine_of(url)
    try:
        export(engine, out, systems or ["crm", "drp"])
    finally:
        engine.dispose()
    return {name: (out / name).read_bytes() for name in EXPORTS}


@dataclass
class KillTally:
    """Kill points tried and how the chains ended."""

    kills: int = 0
    missed: int = 0  #: the process ended before its kill moment
    chains: int = 0
    misses: list[str] = field(default_factory=list)
    diverged: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: KillTally) -> None:
        self.kills += other.kills
        self.missed += other.missed
        self.chains += other.chains
        self.diverged += other.diverged
        self.problems += other.problems
        self.misses += other.misses


def kill_during_run(
    config: Path, args: tuple[str, ...], env: dict[str, str], url: str, rng: random.Random, window: float
) -> tuple[int | None, bool, str]:
    """Start ``hub ARGS``, wait until it opened its run, SIGKILL it ``uniform(0, window)`` s later.

    Returns (the run id it opened, whether the kill landed before the process ended on its own, and how it
    ended when it did: exit code and the end of its stderr).
    """
    before = max(runs(url) or [0])
    proc = hub(config, *args, env=env)
    run_id = wait_for_run(url, proc, before)
    killed = False
    if run_id is not None:
        try:
            proc.wait(timeout=rng.uniform(0.0, window))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
    _, err = proc.communicate()
    return run_id, killed, "" if killed else f"exit {proc.returncode} after run {run_id}: {err[-300:]}"


def timed_run(config: Path, args: tuple[str, ...], env: dict[str, str], url: str) -> float:
    """Run ``hub ARGS`` to success; seconds from its run row to its end (the window kills aim at)."""
    before = max(runs(url) or [0])
    proc = hub(config, *args, env=env)
    if wait_for_run(url, proc, before) is None:
        out, err = proc.communicate()
        raise AssertionError(f"hub {' '.join(args)} opened no run ({proc.returncode}):\n{out[-2000:]}\n{err[-2000:]}")
    start = time.monotonic()
    out, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        raise AssertionError(f"hub {' '.join(args)} exited {proc.returncode}:\n{out[-2000:]}\n{err[-2000:]}")
    return time.monotonic() - start


def interrupted_ok(url: str, killed_runs: list[int]) -> list[str]:
    """Problems with how the killed runs are recorded: each must read ``interrupted`` once a later run started."""
    status = runs(url)
    return [f"run {r} is {status.get(r)!r}, not 'interrupted'" for r in killed_runs if status.get(r) != "interrupted"]


class PgStores:
    """Fresh PostgreSQL stores (one schema each) in one database; everything is dropped by ``close``."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.schemas: list[str] = []

    def new(self, extra: str = "") -> str:
        schema = f"r_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(self.base)
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
        self.schemas.append(schema)
        return f"{self.base}?options=-csearch_path%3D{schema}{extra}"

    def close(self) -> None:
        engine = sa.create_engine(self.base)
        with engine.begin() as conn:
            for s in self.schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{s}" CASCADE'))
        engine.dispose()


@contextmanager
def pg_database(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A throw-away PostgreSQL database (SQLAlchemy URL), dropped on exit."""
    import psycopg

    name = f"hub_rel_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Stores:
    """Fresh stores of one backend: SQLite files under a folder, or PostgreSQL schemas."""

    def __init__(self, backend: str, tmp: Path, pg_base: str | None = None) -> None:
        self.backend, self.tmp = backend, tmp
        self.pg = PgStores(pg_base) if backend == "postgresql" and pg_base else None
        self.n = 0

    def new(self, extra: str = "") -> str:
        self.n += 1
        if self.pg is not None:
            return self.pg.new(extra)
        return f"sqlite:///{self.tmp / f'store{self.n}.db'}"

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()


def run_kill_chain(
    world: Path, url: str, rng: random.Random, kills: int, window: float, ref: dict[str, bytes], out: Path
) -> KillTally:
    """Kill ``hub run channelco`` ``kills`` times in a row on one store, run it to the end, compare with ``ref``.

    Each kill lands ``uniform(0, window)`` seconds after the run opened its run row."""
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}
    tally = KillTally(chains=1)
    left_running: list[int] = []
    for _ in range(2 * kills):  # a run that ends before its kill moment is one more try, up to twice as many
        if tally.kills == kills:
            break
        run_id, killed, how = kill_during_run(CHANNELCO, ("run", "channelco"), env, url, rng, window)
        if not killed or run_id is None:
            tally.missed += 1
            tally.misses.append(how)
            continue
        tally.kills += 1
        if runs(url).get(run_id) == "running":
            left_running.append(run_id)
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    tally.problems += interrupted_ok(url, left_running)
    got = exports(url, out)
    tally.problems += [f"{name} differs from a clean run's" for name in EXPORTS if got[name] != ref[name]]
    tally.diverged = int(bool(tally.problems))
    return tally


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set for the block (the live config interpolates the servers' addresses)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


LIVE_PIPELINE = "channelco_live"
PUSHED_ACCOUNT_FIELDS = (
    "ERP_Customer_Code__c",
    "Credit_Limit__c",
    "Open_Receivables__c",
    "Overdue_Amount__c",
    "Open_Invoices__c",
    "Last_Payment_Date__c",
    "Channel_Stock__c",
)


def target_state(sf: object, drp: object) -> dict[str, object]:
    """What the push leaves in both test servers: DRP customers, the pushed fields of CRM Accounts."""
    customers = sorted(
        (str(c.get("customerCode")), str(c.get("customerName")), str(c.get("creditLimit")))
        for c in drp.store.rows("customers")
    )  # type: ignore[attr-defined]
    accounts = sorted(
        (a["Id"], tuple(str(a.get(f)) for f in PUSHED_ACCOUNT_FIELDS)) for a in sf.org.records["Account"].values()
    )  # type: ignore[attr-defined]
    return {"customers": customers, "accounts": accounts}


def push_chain(
    world: Path,
    tmp: Path,
    url: str,
    rng: random.Random | None,
    kills: int,
    window: float,
    ref: dict[str, object] | None,
) -> tuple[KillTally, dict[str, object], float]:
    """Fresh servers and store: pull (in-process), ``hub push`` killed ``kills`` times, then two whole pushes.

    Returns the tally (diverged when exports or the servers' records differ from ``ref``, or a create was made
    twice), what the chain ended with (exports and server records) and the seconds of the last push's work.
    """
    from hub.config import load_config
    from hub.runner import open_store
    from testkit.servers.channelco import server_env, start_servers
    from tests.helpers.channelco import write_live_config
    from tests.push.helpers import run_without_push

    tmp.mkdir(parents=True, exist_ok=True)
    sf, drp = start_servers(world)
    tally = KillTally(chains=1)
    try:
        env = {**server_env(sf, drp), "HUB_DATABASE_URL": url}
        cfg = write_live_config(tmp)
        with environ(env):
            config = load_config(cfg)
            engine = open_store(config)
            try:
                run_without_push(config, engine)
            finally:
                engine.dispose()
        left_running: list[int] = []
        for _ in range(2 * kills):
            if tally.kills == kills or rng is None:
                break
            run_id, killed, how = kill_during_run(cfg, ("push", LIVE_PIPELINE), env, url, rng, window)
            if not killed or run_id is None:
                tally.missed += 1
                tally.misses.append(how)
                continue
            tally.kills += 1
            if runs(url).get(run_id) == "running":
                left_running.append(run_id)
        took = timed_run(cfg, ("push", LIVE_PIPELINE), env, url)
        # one more push settles what the first one created (codes the DRP gave new customers go to the CRM):
        # a push never killed reaches the same fixed point
        hub_ok(cfg, "push", LIVE_PIPELINE, env=env)
        tally.problems += interrupted_ok(url, left_running)
        state = {**target_state(sf, drp), **exports(url, tmp / "out")}
    finally:
        drp.stop()
        sf.stop()
    names = [c[1] for c in state["customers"]]  # type: ignore[union-attr]
    twice = sorted({n for n in names if names.count(n) > 1})
    if ref is not None:
        ref_names = [c[1] for c in ref["customers"]]  # type: ignore[union-attr]
        twice = [n for n in twice if names.count(n) > ref_names.count(n)]
        tally.problems += [f"{k} differs from a push never killed" for k in ref if state[k] != ref[k]]
    tally.problems += [f"DRP customer created twice: {n}" for n in twice]
    tally.diverged = int(bool(tally.problems))
    return tally, state, took
