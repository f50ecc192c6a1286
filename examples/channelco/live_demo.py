"""The two-way ChannelCo demo: the CRM and the DRP as live services, reconciled and pushed back.

``python -m examples.channelco.live_demo [OUT]`` (from the repository root) generates the demo world
(or reuses OUT/world), starts the Salesforce-compatible test server (seeded from world/crm, with the
custom Account fields the push writes) and the DRP SOAP service (seeded from world/drp) in one helper
process on 127.0.0.1 (``testkit.servers.channelco``), runs the ``channelco_live`` pipeline of
``hub-live.yaml`` with push, shows what landed in both systems, runs it again (nothing to push), and
stops the servers by PID.

``demo.py`` calls :func:`run_live_demo`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PIPELINE = "channelco_live"


def _spawn(world: Path, info: Path) -> subprocess.Popen[bytes]:
    info.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "testkit.servers.channelco", str(world), str(info)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not info.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc.pid)
            raise RuntimeError("the test servers did not start (see the output above)")
        time.sleep(0.1)
    return proc


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.waitpid(pid, os.WNOHANG)
            os.kill(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def run_with_push(config: Any, engine: Any) -> tuple[Any, dict[str, Any]]:
    """One pipeline run (its push stage included); a push held by the circuit breaker is approved here."""
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push
    from hub.runner import run_pipeline

    result = run_pipeline(config, PIPELINE, engine=engine)  # the runner runs the push stage
    pushed = next(s for s in result.stages if s["stage"] == "push")
    if not pushed.get("held"):
        return result, pushed
    ctx = StageContext(config=config, engine=engine, pipeline=PIPELINE, run_id=result.run_id)
    print(
        f"  circuit breaker held {', '.join(pushed['held'])} (first push changes most records); "
        f"approving run {result.run_id} as an operator would with: hub push --approve {result.run_id}"
    )
    return result, push(ctx, approve_run=result.run_id).as_dict()


def _show_push(label: str, detail: dict[str, Any]) -> None:
    for target, t in sorted((detail.get("targets") or {}).items()):
        print(
            f"  {label} {target}: {t['changes']} change(s) ({t['creates']} create(s)), {t.get('written', 0)} written, "
            f"{t['conflicts']} conflict(s), {t['echoes_suppressed']} echo(es) suppressed; breaker: {t['breaker']}"
        )


def run_live_demo(out: Path, world: Path | None = None) -> int:
    """Generate (or reuse) the world, start the servers, run the pipeline with push twice, show, stop."""
    from hub.config import load_config
    from hub.runner import open_store

    out.mkdir(parents=True, exist_ok=True)
    if world is None:
        from testkit.world import generate

        world = out / "world"
        if not (world / "crm").is_dir():
            generate(world, seed=7, customers=200)
    db = out / "hub-live.db"
    db.unlink(missing_ok=True)
    proc = _spawn(world, out / "servers.json")
    try:
        info = json.loads((out / "servers.json").read_text())
        os.environ.update(info["env"])
        os.environ["HUB_DATABASE_URL"] = f"sqlite:///{db}"
        config = load_config(HERE / "hub-live.yaml")
        engine = open_store(config)
        from examples.channelco.flow_demo import book_orders, show_flows

        booked = book_orders(config)
        print(f"  salespeople booked {len(booked)} order(s) in the CRM: {', '.join(booked)}")
        started = time.perf_counter()
        result, detail = run_with_push(config, engine)
        show_flows(detail)
        print(
            f"ChannelHub live demo: run {result.run_id} {result.status} in {time.perf_counter() - started:.1f}s "
            f"(CRM: Salesforce test server {info['env']['CHANNELCO_SF_URL']}, DRP: SOAP {info['env']['CHANNELCO_DRP_WSDL']})"
        )
        _show_push("pushed", detail)
        show_systems(config)
        _, detail2 = run_with_push(config, engine)
        _show_push("second run (the CRM accounts of the customers just created in the DRP get their data)", detail2)
        _, detail3 = run_with_push(config, engine)
        _show_push("rerun (nothing left to push)", detail3)
        print(f"  store: {db}")
    finally:
        _stop(proc.pid)
    return 0


def show_systems(config: Any) -> None:
    """A few Accounts as the CRM now holds them, and the DRP's customer count."""
    from hub.pipeline.connect import build_connector

    crm = build_connector(config, "crm")
    try:
        accounts = [r.data for b in crm.read("Account", None) for r in b.records]
    finally:
        crm.close()
    filled = [a for a in accounts if a.get("Credit_Limit__c") is not None]
    print(f"  CRM: {len(filled)} of {len(accounts)} Accounts carry the DRP credit limit and receivables, e.g.")
    for a in filled[:3]:
        print(
            f"    {a['Name'][:28]:28} ERP {a.get('ERP_Customer_Code__c')}  credit {a.get('Credit_Limit__c'):>12,.2f}  "
            f"open {a.get('Open_Receivables__c') or 0:>12,.2f}  overdue {a.get('Overdue_Amount__c') or 0:>10,.2f}"
        )
    drp = build_connector(config, "drp")
    try:
        customers = sum(len(b.records) for b in drp.read("customers", None))
    finally:
        drp.close()
    print(f"  DRP: {customers} customers, including those only the CRM knew")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else ROOT / "var" / "demo-live"
    return run_live_demo(out)


if __name__ == "__main__":
    raise SystemExit(main())
