"""Review decisions win over the matcher on the next run; explain and discrepancy commands show why."""

from __future__ import annotations

import json

from sqlalchemy import select

from hub.config import load_config
from hub.runner import open_store, run_pipeline
from hub.store.models import CrosswalkLink, Discrepancy, ReviewItem
from tests.helpers.channelco import CONFIG


def _cid(engine, system: str, ext: str) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(
            select(CrosswalkLink.canonical_id).where(
                CrosswalkLink.entity == "party", CrosswalkLink.system == system, CrosswalkLink.external_id == ext
            )
        ).scalar_one()


def test_rejecting_a_linked_pair_splits_it_and_accepting_links_it(hub_env, hub_cli) -> None:
    config = load_config(CONFIG)
    engine = open_store(config)
    run_pipeline(config, "channelco", engine=engine)
    with engine.connect() as conn:
        links = conn.execute(
            select(CrosswalkLink.canonical_id, CrosswalkLink.system, CrosswalkLink.external_id)
            .where(CrosswalkLink.entity == "party")
            .order_by(CrosswalkLink.canonical_id)
        ).all()
    by_cid: dict[str, dict[str, list[str]]] = {}
    for cid, system, ext in links:
        by_cid.setdefault(cid, {}).setdefault(system, []).append(ext)
    pair = next(
        (v["crm"][0], v["drp"][0]) for v in by_cid.values() if len(v.get("crm", [])) == 1 and len(v.get("drp", [])) == 1
    )
    loner_crm = next(v["crm"][0] for v in by_cid.values() if list(v) == ["crm"] and len(v["crm"]) == 1)
    loner_drp = next(v["drp"][0] for v in by_cid.values() if list(v) == ["drp"] and len(v["drp"]) == 1)

    with engine.begin() as conn:
        for ia, ib in ((pair[0], pair[1]), (loner_crm, loner_drp)):
            conn.execute(
                ReviewItem.__table__.insert().values(
                    entity="party",
                    system_a="crm",
                    id_a=ia,
                    system_b="drp",
                    id_b=ib,
                    score=0.0,
                    status="open",
                    first_run=1,
                    last_run=1,
                )
            )
    out = hub_cli("review", "reject", f"crm:{pair[0]}~drp:{pair[1]}")
    assert "rejected" in out.stdout
    hub_cli("review", "accept", f"drp:{loner_drp}~crm:{loner_crm}")  # either order
    bad = hub_cli("review", "accept", "crm:nope~drp:nope", check=False)
    assert bad.returncode == 2 and "no review item" in bad.stderr

    run_pipeline(config, "channelco", engine=engine)
    assert _cid(engine, "crm", pair[0]) != _cid(engine, "drp", pair[1])
    assert _cid(engine, "crm", loner_crm) == _cid(engine, "drp", loner_drp)
    # decisions persist: a further run keeps them
    run_pipeline(config, "channelco", engine=engine)
    assert _cid(engine, "crm", loner_crm) == _cid(engine, "drp", loner_drp)

    explained = hub_cli("explain", "customer", f"crm:{loner_crm}", "--format", "json").stdout
    members = {(m["system"], m["external_id"]): m for m in json.loads(explained)[0]["members"]}
    assert ("drp", loner_drp) in members and members[("crm", loner_crm)]["rule"] == "decision"
    assert members[("crm", loner_crm)]["how"].startswith("linked by a review decision: a person accepted the pair")
    table = hub_cli("explain", "customer", f"crm:{loner_crm}").stdout
    assert loner_drp in table and "golden record" in table


def test_discrepancy_lifecycle_commands(hub_env, hub_cli) -> None:
    hub_cli("run", "channelco")
    engine = open_store(load_config(CONFIG))
    with engine.connect() as conn:
        d = conn.execute(
            select(Discrepancy).where(Discrepancy.status == "open").order_by(Discrepancy.kind, Discrepancy.key)
        ).first()
    assert d is not None
    listed = hub_cli("discrepancies", "list", "--kind", d.kind, "--limit", "500").stdout
    assert d.key in listed
    hub_cli("discrepancies", "ack", d.kind, d.key)
    with engine.connect() as conn:
        row = conn.execute(select(Discrepancy).where(Discrepancy.kind == d.kind, Discrepancy.key == d.key)).one()
    assert row.status == "acknowledged" and row.acknowledged_by
    hub_cli("run", "channelco")  # still present: stays acknowledged
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(Discrepancy.status).where(Discrepancy.kind == d.kind, Discrepancy.key == d.key)
            ).scalar_one()
            == "acknowledged"
        )
    acked = hub_cli("discrepancies", "list", "--status", "acknowledged").stdout
    assert d.kind in acked
