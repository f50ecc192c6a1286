"""Outputs people read: golden lineage names the run that changed a value; explain, review and
discrepancy listings speak in words, and say how many of how many they show."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from hub.cli.reconcile import EXPLAIN_COLUMNS
from hub.cli.reconcile_facts import REVIEW_COLUMNS
from hub.config import load_config
from hub.reconcile.matcher import PairMatch, Signal
from hub.reconcile.store.golden import read_lineage
from hub.runner import open_store, run_pipeline
from hub.store.models import MODELS, CrosswalkLink, Discrepancy, ReviewItem
from tests.helpers.channelco import CONFIG, ROOT, channelco_store

DRP_CUSTOMERS, DRP_ENC = "drp/customers.csv", "gb18030"


def _set_drp_phone(world: Path, code: str, phone: str) -> None:
    path = world / DRP_CUSTOMERS
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(DRP_ENC), newline="")))
    col = rows[0].index("电话")
    hit = [r for r in rows[1:] if r[0] == code]
    assert len(hit) == 1, code
    hit[0][col] = phone
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(DRP_ENC))


def _wide(env: dict[str, str], *args: str) -> str:
    """``hub`` output on a terminal wide enough that no table cell wraps."""
    out = subprocess.run(
        [sys.executable, "-m", "hub", "-c", str(CONFIG), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "COLUMNS": "2000"},
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def _lineage(engine, cid: str) -> dict[str, tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        stored = read_lineage(conn, "party", [cid]).get(cid, {})
    return {f: (s, e, r) for f, (s, e, _rule, r) in stored.items()}


def test_lineage_names_the_run_that_changed_the_winning_value(world: Path, monkeypatch, store_url: str) -> None:
    config, engine = channelco_store(monkeypatch, world, store_url)
    first = run_pipeline(config, "channelco", engine=engine)
    cw = CrosswalkLink.__table__
    with engine.connect() as conn:
        # a CRM-DRP pair linked with room to spare, so a changed phone cannot unlink it
        drp_ext, cid = conn.execute(
            select(cw.c.external_id, cw.c.canonical_id)
            .where(
                cw.c.entity == "party",
                cw.c.system == "drp",
                cw.c.score >= 30,
                cw.c.explanation["with"].as_string().like("crm:%"),
            )
            .order_by(cw.c.external_id)
        ).first()
    before = _lineage(engine, cid)
    assert before["phone"] == ("drp", drp_ext, first.run_id)
    assert {r for _, _, r in before.values()} == {first.run_id}

    _set_drp_phone(world, drp_ext, "02150000000")
    second = run_pipeline(config, "channelco", engine=engine)
    assert second.run_id != first.run_id
    after = _lineage(engine, cid)
    assert after["phone"] == ("drp", drp_ext, second.run_id)  # the run that changed the value
    t = MODELS["party"].__table__
    with engine.connect() as conn:
        assert (
            conn.execute(select(t.c.phone).where(t.c.system == "golden", t.c.external_id == cid)).scalar_one()
            == "02150000000"
        )
    for field, (system, ext, run) in after.items():  # every other field keeps the run it came from
        if field != "phone":
            assert (system, ext, run) == before[field], field

    third = run_pipeline(config, "channelco", engine=engine)  # nothing changed: nothing moves
    assert third.run_id != second.run_id and _lineage(engine, cid) == after


def _drp_customer_with_crm_partner(engine) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    cw = CrosswalkLink.__table__
    with engine.connect() as conn:
        ext, cid, partner = conn.execute(
            select(cw.c.external_id, cw.c.canonical_id, cw.c.explanation["with"].as_string())
            .where(cw.c.entity == "party", cw.c.system == "drp", cw.c.explanation["with"].as_string().like("crm:%"))
            .order_by(cw.c.external_id)
        ).first()
    return ext, cid, partner.split(":", 1)[1]


def _names(engine, *keys: tuple[str, str]) -> list[str]:  # type: ignore[no-untyped-def]
    t = MODELS["party"].__table__
    with engine.connect() as conn:
        return [
            conn.execute(select(t.c.name).where(t.c.system == s, t.c.external_id == e)).scalar_one() for s, e in keys
        ]


def test_explain_speaks_in_words_and_in_csv_and_json(hub_env, hub_cli, world: Path) -> None:
    hub_cli("run", "channelco")
    _set_drp_phone(world, "C000012", "02150000001")
    hub_cli("run", "channelco")
    engine = open_store(load_config(CONFIG))
    drp_ext, cid, crm_ext = _drp_customer_with_crm_partner(engine)
    drp_name, crm_name = _names(engine, ("drp", drp_ext), ("crm", crm_ext))

    table = _wide(hub_env, "explain", "customer", f"drp:{drp_ext}")
    assert f"drp {drp_ext} {drp_name}" in table and f"crm {crm_ext} {crm_name}" in table
    assert "linked by" in table and "agree: " in table and "at or above the link mark 12" in table
    assert "golden record" in table and "system of record for this field" in table and "run 1 (" in table
    assert '{"' not in table and "('crm'" not in table  # no JSON blobs or Python tuples

    rows = list(csv.DictReader(io.StringIO(hub_cli("explain", "customer", f"drp:{drp_ext}", "--format", "csv").stdout)))
    assert rows and list(rows[0]) == EXPLAIN_COLUMNS
    members = [r for r in rows if r["section"] == "member"]
    assert {(r["system"], r["external_id"], r["name"]) for r in members} >= {
        ("drp", drp_ext, drp_name),
        ("crm", crm_ext, crm_name),
    }
    golden = {r["field"]: r for r in rows if r["section"] == "golden"}
    assert (
        golden["name"]["system"]
        and golden["name"]["rule"]
        and golden["name"]["run_id"] == "1"
        and golden["name"]["run_at"]
    )

    data = json.loads(hub_cli("explain", "customer", f"drp:{drp_ext}", "--format", "json").stdout)
    assert [d["canonical_id"] for d in data] == [cid]
    member = next(m for m in data[0]["members"] if m["external_id"] == drp_ext)
    assert (
        member["name"] == drp_name
        and member["evidence"]
        and all({"name", "level", "weight", "text"} <= set(s) for s in member["signals"])
    )

    # the changed phone names run 2, the untouched name still run 1
    changed = json.loads(hub_cli("explain", "customer", "drp:C000012", "--format", "json").stdout)[0]["golden"]
    by_field = {g["field"]: g for g in changed}
    assert by_field["phone"]["value"] == "02150000001" and by_field["phone"]["run_id"] == 2
    assert by_field["phone"]["system"] == "drp" and by_field["phone"]["external_id"] == "C000012"
    assert by_field["tax_id"]["run_id"] == 1


def test_review_list_names_both_records_and_the_evidence(hub_env, hub_cli) -> None:
    config = load_config(CONFIG)
    engine = open_store(config)
    run_pipeline(config, "channelco", engine=engine)
    drp_ext, _cid, crm_ext = _drp_customer_with_crm_partner(engine)
    drp_name, crm_name = _names(engine, ("drp", drp_ext), ("crm", crm_ext))
    signals = (
        Signal("phone", "phone", "exact", 9.0),
        Signal("name", "company_name", "brand_only", -6.0),
        Signal("address", "address", "exact", 5.0),
    )
    pm = PairMatch(("crm", crm_ext), ("drp", drp_ext), 8.0, "score", "review", signals)
    with engine.begin() as conn:
        for i, score in enumerate((8.0, 7.0, 6.5)):
            conn.execute(
                ReviewItem.__table__.insert().values(
                    entity="party",
                    system_a="crm",
                    id_a=crm_ext if i == 0 else f"{crm_ext}-{i}",
                    system_b="drp",
                    id_b=drp_ext,
                    score=score,
                    explanation={"explain": pm.explain(), "decision": pm.decision},
                    status="open",
                    first_run=1,
                    last_run=1,
                )
            )

    table = _wide(hub_env, "review", "list", "--limit", "1")
    assert (
        f"crm:{crm_ext}~drp:{drp_ext}" in table
        and f"crm {crm_ext} {crm_name}" in table
        and f"drp {drp_ext} {drp_name}" in table
    )
    assert "score 8: between the review mark 6 and the link mark 12" in table
    assert "agree: same phone (+9), same address (+5); disagree: only the brand names agree (-6)" in table
    assert "1 of 3 shown (use --limit to see more)" in table
    assert "('crm'" not in table

    rows = list(csv.DictReader(io.StringIO(hub_cli("review", "list", "--format", "csv").stdout)))
    assert list(rows[0]) == REVIEW_COLUMNS and len(rows) == 3
    assert (rows[0]["name_a"], rows[0]["name_b"], rows[0]["score"], rows[0]["status"]) == (
        crm_name,
        drp_name,
        "8.0",
        "open",
    )
    data = json.loads(hub_cli("review", "list", "--format", "json").stdout)
    assert [d["score"] for d in data] == [8.0, 7.0, 6.5]
    assert [s["text"] for s in data[0]["signals"]] == [
        "same phone (+9)",
        "only the brand names agree (-6)",
        "same address (+5)",
    ]


def test_discrepancy_list_counts_and_duplicate_messages(hub_env, hub_cli) -> None:
    hub_cli("run", "channelco")
    engine = open_store(load_config(CONFIG))
    d = Discrepancy.__table__
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(d).where(d.c.status == "open")).scalar_one()
        kind, n = conn.execute(
            select(d.c.kind, func.count()).where(d.c.status == "open").group_by(d.c.kind).order_by(func.count().desc())
        ).first()
        dups = conn.execute(
            select(d.c.system, d.c.external_id, d.c.other_external_id, d.c.message).where(
                d.c.kind == "duplicate_customer"
            )
        ).all()
    assert total > 2 and n > 1
    assert f"2 of {total:,} shown (use --limit to see more)" in hub_cli("discrepancies", "list", "--limit", "2").stdout
    by_kind = hub_cli("discrepancies", "list", "--kind", kind, "--limit", str(n - 1)).stdout
    assert f"{n - 1:,} of {n:,} shown (use --limit to see more)" in by_kind
    all_of_kind = hub_cli("discrepancies", "list", "--kind", kind, "--limit", "1000").stdout
    assert f"{n:,} of {n:,} shown" in all_of_kind and "--limit to see more" not in all_of_kind
    assert "no discrepancies match" in hub_cli("discrepancies", "list", "--status", "acknowledged").stdout

    assert dups, "the demo world has within-system duplicates"
    for system, a, b, message in dups:
        name_a, name_b = _names(engine, (system, a), (system, b))
        assert message.startswith(f"possible duplicate in {system}: {a} {name_a} and {b} {name_b} (")
        assert "score " in message and ("same" in message or "similar" in message), message
