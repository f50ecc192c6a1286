"""ChannelCo contacts, users and salespeople resolved as persons next to their own entities."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.runner import run_pipeline
from hub.store.models import MODELS, CrosswalkLink, StageLog
from testkit.world import generate
from tests.helpers.channelco import channelco_store


def test_users_link_to_drp_salespeople_and_contacts_stay_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = tmp_path / "world"
    generate(world, seed=7, customers=200)
    users = world / "crm" / "User.csv"
    with users.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[-4:-2]:  # two linked users lose their staff number: name and team must do
        row["EmployeeNumber__c"] = ""
    with users.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), quoting=csv.QUOTE_ALL)
        w.writeheader()
        w.writerows(rows)
    config, engine = channelco_store(monkeypatch, world, f"sqlite:///{tmp_path / 'hub.db'}")
    run_pipeline(config, "channelco", engine=engine)

    truth = {
        (u, c) for u, c in json.loads((world / "truth" / "truth.json").read_text(encoding="utf-8"))["salesperson_links"]
    }
    with (world / "crm" / "Contact.csv").open(encoding="utf-8", newline="") as fh:
        contacts = {r["Id"] for r in csv.DictReader(fh)}
    with (world / "crm" / "User.csv").open(encoding="utf-8", newline="") as fh:
        no_code = {r["Id"] for r in csv.DictReader(fh) if not r["EmployeeNumber__c"]}
    with engine.connect() as conn:
        clusters: dict[str, set[tuple[str, str]]] = {}
        for cid, s, e in conn.execute(
            select(CrosswalkLink.canonical_id, CrosswalkLink.system, CrosswalkLink.external_id).where(
                CrosswalkLink.entity == "person"
            )
        ):
            clusters.setdefault(cid, set()).add((s, e))
        salesperson_links = {
            (s, e): cid
            for cid, s, e in conn.execute(
                select(CrosswalkLink.canonical_id, CrosswalkLink.system, CrosswalkLink.external_id).where(
                    CrosswalkLink.entity == "salesperson"
                )
            )
        }
        person = MODELS["person"].__table__
        golden = {
            cid: name
            for cid, name in conn.execute(
                select(person.c.external_id, person.c.full_name).where(person.c.system == "golden")
            )
        }
        detail = conn.execute(
            select(StageLog.detail).where(StageLog.stage == "reconcile").order_by(StageLog.run_id.desc()).limit(1)
        ).scalar_one()
    linked = {
        (crm, drp)
        for members in clusters.values()
        for (s1, crm) in members
        for (s2, drp) in members
        if s1 == "crm" and s2 == "drp"
    }
    assert linked == truth  # every CRM user with its DRP salesperson, nothing else across systems
    assert sum(u in no_code for u, _ in truth) >= 2  # ... including users without a staff number (name and team)
    assert all(len(m) == 1 for m in clusters.values() if any(e in contacts for _, e in m))  # no contact merged
    records = detail["person"]["records"]
    assert sum(len(m) for m in clusters.values()) == records and len(golden) == len(clusters) == records - len(truth)
    for cid, members in clusters.items():  # a salesperson's golden name is the DRP's Chinese one
        if any(s == "drp" for s, _ in members):
            assert "\u4e00" <= golden[cid][0] <= "\u9fff", golden[cid]
    # the salesperson entity (what ownership, commission and push read) is still linked by its keys
    assert all(salesperson_links.get(("crm", u)) == salesperson_links.get(("drp", c)) is not None for u, c in truth)
