"""Reads the report shares or narrows give what the full reads give.

The report's commission table reads the commission base with only the invoice fields it needs,
the base finds each DRP order's CRM order from two key-ordered crosswalk reads, and the sections
share one read of the DRP customers, invoices and orders per report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert

from hub.push.attribution import FRESH_COLUMNS
from hub.push.commission_base import INVOICE_FIELDS, _first_links, read_commission_base
from hub.push.flow_data import crosswalk, raw_records, raw_values
from hub.report.build import build_report, make_scope
from hub.report.config import ReportConfig
from hub.report.query import SHARED_FIELDS, stream
from hub.report.sections import SectionContext
from hub.store.models import CrosswalkLink


def test_narrow_commission_base_is_the_full_one(channelco: dict[str, Any]) -> None:
    with channelco["engine"].connect() as conn:
        full = read_commission_base(conn, "drp", "crm")
        narrow = read_commission_base(conn, "drp", "crm", invoice_fields=("currency",))
    assert full.paid and full.earner and full.people and full.fresh
    assert (narrow.paid, narrow.earner, narrow.people, narrow.fresh) == (
        full.paid,
        full.earner,
        full.people,
        full.fresh,
    )
    keys = ("external_id", *INVOICE_FIELDS, "currency")
    assert narrow.invoices == [{k: inv[k] for k in keys} for inv in full.invoices]


def test_report_read_of_the_commission_base_is_the_push_read_without_attributions(channelco: dict[str, Any]) -> None:
    with channelco["engine"].connect() as conn:
        push = read_commission_base(conn, "drp", "crm")
        report = read_commission_base(conn, "drp", "crm", keep_fresh=False)
    assert push.fresh and report.fresh == []
    assert (report.invoices, report.paid, report.earner, report.people) == (
        push.invoices,
        push.paid,
        push.earner,
        push.people,
    )
    assert all(len(a) == len(FRESH_COLUMNS) for a in push.fresh)


def test_raw_values_are_the_raw_records_as_tuples(channelco: dict[str, Any]) -> None:
    fields = ("AccountId", "OwnerId", "NoSuchField")
    with channelco["engine"].connect() as conn:
        full = raw_records(conn, "crm", "Order", fields)
        compact = raw_values(conn, "crm", "Order", fields)
    assert full and compact == {k: tuple(v[f] for f in fields) for k, v in full.items()}
    owners = [v[1] for v in compact.values() if v[1]]
    assert len({id(o) for o in owners}) == len(set(owners))  # one object per distinct owner id


def test_first_links_are_the_flow_crosswalk(channelco: dict[str, Any]) -> None:
    with channelco["engine"].connect() as conn:
        for entity, source, target in [
            ("sales_order", "drp", "crm"),
            ("sales_order", "crm", "drp"),
            ("salesperson", "crm", "drp"),
            ("party", "drp", "crm"),
        ]:
            links = _first_links(conn, entity, source, target)
            assert links and links == crosswalk(conn, entity, source, target), (entity, source, target)


def test_first_links_take_the_lowest_target_of_a_cluster(small_engine: Engine) -> None:
    t = CrosswalkLink.__table__
    rows = [("drp", "D1", "k1"), ("crm", "C9", "k1"), ("crm", "C2", "k1"), ("drp", "D2", "k2"), ("drp", "D3", "k3")]
    rows += [("crm", "C5", "k3"), ("crm", "C1", "k4")]
    with small_engine.begin() as conn:
        for system, ext, cid in rows:
            conn.execute(
                insert(t).values(
                    entity="widget",
                    system=system,
                    external_id=ext,
                    canonical_id=cid,
                    rule="t",
                    first_run=1,
                    changed_run=1,
                )
            )
    with small_engine.connect() as conn:
        assert _first_links(conn, "widget", "drp", "crm") == {"D1": "C2", "D3": "C5"}
        assert _first_links(conn, "widget", "drp", "crm") == crosswalk(conn, "widget", "drp", "crm")
        assert _first_links(conn, "widget", "crm", "drp") == crosswalk(conn, "widget", "crm", "drp")


def test_shared_rows_are_the_streamed_rows_read_once(small_engine: Engine, report_config: ReportConfig) -> None:
    ctx = SectionContext(scope=make_scope(small_engine, report_config), config=report_config)
    with small_engine.connect() as conn:
        for entity, fields in SHARED_FIELDS.items():
            rows = ctx.rows(conn, entity, "drp")
            assert rows, entity
            assert [r._asdict() for r in rows] == list(stream(conn, entity, "drp", fields))
            assert ctx.rows(conn, entity, "drp") is rows  # one read per report
    report = build_report(small_engine, report_config, make_scope(small_engine, report_config))
    assert report.section("sales").figure("invoiced").value > 0


def test_rows_are_kept_for_later_readers_only(small_engine: Engine, report_config: ReportConfig) -> None:
    scope = make_scope(small_engine, report_config)
    ctx = SectionContext(scope=scope, config=report_config, sections=("summary", "receivables", "hierarchy", "sales"))
    with small_engine.connect() as conn:
        rows = ctx.rows(conn, "invoice", "drp")
        ctx.release_rows("receivables")
        assert ctx.rows(conn, "invoice", "drp") is rows  # hierarchy and sales read them too
        ctx.release_rows("sales")
        assert not ctx.cache  # nothing after sales reads them: freed before the commission base
        alone = SectionContext(scope=scope, config=report_config, sections=("receivables", "quality"))
        alone.rows(conn, "party", "drp")
        alone.release_rows("receivables")
        assert not alone.cache
