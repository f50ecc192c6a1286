"""Push against the real test servers: round trips, reruns, dry run, breaker, conflicts, crash safety."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from decimal import Decimal
from pathlib import Path

from helpers import PIPELINE, drp_writes, run, run_without_push, sf_writes, target
from sqlalchemy import func, select

from hub.store.models import CrosswalkLink, Discrepancy, OutboxEntry

REPO = Path(__file__).resolve().parents[2]


def _crm_only(engine) -> set[str]:  # type: ignore[no-untyped-def]
    """Canonical parties with a CRM member and no DRP member."""
    cw = CrosswalkLink.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(cw.c.canonical_id, cw.c.system).where(cw.c.entity == "party")).all()
    systems: dict[str, set[str]] = {}
    for cid, system in rows:
        systems.setdefault(cid, set()).add(system)
    return {cid for cid, s in systems.items() if s == {"crm"}}


def test_round_trip_both_ways_and_rerun_pushes_nothing(live) -> None:  # type: ignore[no-untyped-def]
    engine = live.engine()
    before = live.drp.store.count("customers")
    run_id, counts = run(live, engine)
    crm_only = counts.detail["targets"]["drp/customers"]["creates"]
    assert crm_only > 0 and target(counts, "drp/customers")["written"] == crm_only
    # CRM -> hub -> DRP: the customers only sales knew now exist in the DRP and are bound to their golden record
    assert live.drp.store.count("customers") == before + crm_only
    with engine.connect() as conn:
        bound = conn.execute(
            select(func.count()).select_from(CrosswalkLink).where(CrosswalkLink.rule == "push_create")
        ).scalar()
    assert bound == crm_only
    # DRP -> hub -> CRM: Accounts linked to a DRP customer carry its code, credit limit and receivables
    written = target(counts, "crm/Account")["written"]
    assert written > 0
    accounts = list(live.sf.org.records["Account"].values())
    filled = [a for a in accounts if a.get("Credit_Limit__c") is not None]
    assert len(filled) == written
    for a in filled[:20]:
        drp = live.drp.store.get("customers", a["ERP_Customer_Code__c"])
        assert drp is not None and Decimal(str(a["Credit_Limit__c"])) == drp["creditLimit"]
        assert a["Open_Receivables__c"] is not None
    # the second run carries the new DRP customers' data to their CRM accounts; after that nothing is left
    run(live, engine)
    live.sf.app.requests.clear()
    live.drp.clear_log()
    _, third = run(live, engine)
    for label in ("crm/Account", "drp/customers"):
        assert target(third, label)["changes"] == 0, label
    assert sf_writes(live.sf) == [] and drp_writes(live.drp) == []
    assert target(third, "crm/Account")["echoes_suppressed"] > 0
    assert _crm_only(engine) == set()


def test_dry_run_shows_live_diffs_and_makes_no_write_call(live) -> None:  # type: ignore[no-untyped-def]
    engine = live.engine()
    run_without_push(live.config(), engine)
    live.sf.app.requests.clear()
    live.drp.clear_log()
    some = next(iter(live.sf.org.records["Account"].values()))
    live.sf.org.update("Account", some["Id"], {"ERP_Customer_Code__c": "LIVE-EDIT"})  # only the live record knows
    _, counts = run(live, engine, dry_run=True, pipeline=False)
    assert sf_writes(live.sf) == [] and drp_writes(live.drp) == []
    assert any(m == "GET" for m, _ in live.sf.app.requests), "the live records were fetched"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OutboxEntry)).scalar() == 0
    acc = target(counts, "crm/Account")
    assert acc["plan"] and acc["calls"][0].startswith("1 x PATCH /services/data/v59.0/composite/sobjects")
    edited = [p for p in acc["plan"] if p["external_id"] == some["Id"]]
    if edited:  # the account is linked: its diff starts from the live value, not the extracted one
        assert edited[0]["diff"]["ERP_Customer_Code__c"]["before"] == "LIVE-EDIT"
    drp = target(counts, "drp/customers")
    assert drp["creates"] > 0 and drp["calls"] == [f"{drp['creates']} x SOAP CreateCustomer (one call per record)"]
    assert all(p["op"] == "create" and p["diff"]["客户名称"]["before"] is None for p in drp["plan"])


def test_circuit_breaker_holds_a_mass_change_until_approved(live) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers.channelco import write_live_config

    write_live_config(live.tmp, max_share=0.05, orders=False)
    engine = live.engine()
    run_id, counts = run(live, engine)
    assert set(counts.detail["held"]) == {"crm/Account", "drp/customers"}
    assert sf_writes(live.sf) == [] and drp_writes(live.drp) == []
    with engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == "held")).scalar()
    assert held == target(counts, "crm/Account")["changes"] + target(counts, "drp/customers")["changes"]
    _, approved = run(live, engine, approve=run_id, pipeline=False)
    assert approved.detail["held"] == []
    assert target(approved, "crm/Account")["written"] == target(counts, "crm/Account")["changes"]
    with (
        engine.connect() as conn
    ):  # every held entry went out; the flows' own writes (credit, tasks) follow the approval
        statuses = dict(conn.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all())
    assert statuses.get("held", 0) == 0 and statuses["done"] >= held
    assert target(approved, "drp/customers")["written"] == target(counts, "drp/customers")["changes"]
    assert approved.detail["flows"] and "skipped" not in approved.detail["flows"]
    assert counts.detail["flows"] == {"skipped": "the circuit breaker holds crm/Account, drp/customers"}


def test_conflicting_target_edit_opens_a_discrepancy_and_is_not_overwritten(live) -> None:  # type: ignore[no-untyped-def]
    engine = live.engine()
    run(live, engine)
    run(live, engine)
    account = next(a for a in live.sf.org.records["Account"].values() if a.get("Credit_Limit__c") is not None)
    code = account["ERP_Customer_Code__c"]
    # a salesperson edits the credit limit in the CRM; the DRP changes it too
    live.sf.org.update("Account", account["Id"], {"Credit_Limit__c": 1.0, "Open_Receivables__c": 7.0})
    live.drp.store.update_credit_limit(code, Decimal("888000"))
    _, counts = run(live, engine)
    assert live.sf.org.records["Account"][account["Id"]]["Credit_Limit__c"] == 1.0  # not overwritten
    with engine.connect() as conn:
        found = conn.execute(
            select(Discrepancy).where(Discrepancy.kind == "field_conflict", Discrepancy.status == "open")
        ).all()
    assert [(d.external_id, d.details["column"], d.details["target"], d.details["hub"]) for d in found] == [
        (account["Id"], "Credit_Limit__c", "1", "888000")
    ]
    # the receivables belong to the DRP (system of record): that edit was overwritten
    assert live.sf.org.records["Account"][account["Id"]]["Open_Receivables__c"] != 7.0
    assert target(counts, "crm/Account")["overridden"] == 1


def test_crash_after_send_before_confirm_creates_no_duplicates(live) -> None:  # type: ignore[no-untyped-def]
    engine = live.engine()
    run_id = run_without_push(live.config(), engine)
    before = live.drp.store.count("customers")
    names_before = Counter(c["customerName"] for c in live.drp.store.rows("customers"))
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from hub.push import exporter
        real = exporter.Exporter._settle
        def settle(self, rows, results, failure, result):
            if self.system == "drp":
                os._exit(9)          # killed after the target took the write, before the outbox confirms it
            return real(self, rows, results, failure, result)
        exporter.Exporter._settle = settle
        from hub.config import load_config
        from hub.pipeline.context import StageContext
        from hub.pipeline.push import push
        from hub.runner import open_store
        config = load_config({str(live.config_path)!r})
        push(StageContext(config=config, engine=open_store(config), pipeline={PIPELINE!r}, run_id={run_id}))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], env=os.environ.copy(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 9, proc.stderr[-2000:]
    assert live.drp.store.count("customers") == before + 1  # the one write that landed
    with engine.connect() as conn:
        sending = conn.execute(select(OutboxEntry).where(OutboxEntry.status == "sending")).all()
    assert len(sending) == 1 and sending[0].op == "create"
    _, counts = run(live, engine, pipeline=False)
    creates = target(counts, "drp/customers")["creates"]
    assert target(counts, "drp/customers")["resent_unconfirmed"] == 1
    assert live.drp.store.count("customers") == before + creates  # no duplicate create
    created = Counter(c["customerName"] for c in live.drp.store.rows("customers")) - names_before
    assert sum(created.values()) == creates and max(created.values()) == 1
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status != "done")).scalar()
            == 0
        )
