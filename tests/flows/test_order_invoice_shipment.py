"""Order <-> invoice <-> shipment over the store, on both backends: a partner's 855/856/810 (parsed by the
EDI connector, mapped by the ChannelCo EDI mapping) against the 850 and the DRP order, DRP invoice lines
against the order lines, and DRP orders made from a CRM opportunity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from connectors.edi import transactions, x12
from hub.mapping.loader import load_mappings
from hub.reconcile.config import Roles
from hub.reconcile.crosswalk import Cluster, write_crosswalk
from hub.reconcile.rules_config import load_rules_config
from hub.reconcile.store.findings import detect
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import MODELS, Discrepancy

EDI_MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "channelco" / "edi.yaml"
WHEN = datetime(2026, 3, 2, 9, 0)
PO = "4500700001"


def _put(conn: Connection, entity: str, system: str, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        conn.execute(
            MODELS[entity].__table__.insert(), {"system": system, "row_hash": "h", "run_id": 1, "deleted": False, **r}
        )


def _edi_lines(sku_qty: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"line_no": n, "sku": s, "quantity": q, "unit_price": "10.00"} for n, (s, q) in enumerate(sku_qty, 1)]


def _partner_documents(ack: list[tuple[str, str]], ship: list[tuple[str, str]], inv: list[tuple[str, str]]) -> str:
    """855, 856 and 810 X12 of the partner for the PO, each rendered as the partner would send it."""
    docs = {
        "855": [({"order_number": PO, "order_date": "2026-03-01", "source_status": "AC"}, _edi_lines(ack))],
        "856": [({"order_number": PO, "source_status": "ASN SH77 2026-03-03"}, _edi_lines(ship))],
        "810": [
            (
                {"external_id": "PINV-1", "invoice_date": "2026-03-04", "amount": "150.00", "order_ref": PO},
                _edi_lines(inv),
            )
        ],
    }
    return "\n".join(
        transactions.render_outbound(kind, d, sender="PARTNER", receiver="CHANNELCO", control=i, when=WHEN)
        for i, (kind, d) in enumerate(docs.items(), 1)
    )


def _load_partner_documents(conn: Connection, text: str) -> int:
    """The X12 through the connector's set mapping and the ChannelCo mapping into fulfilment lines."""
    mappings = load_mappings([EDI_MAPPING])
    rows = []
    for ic in x12.read(text):
        for ts, recs in transactions.map_interchange(ic):
            for rec in recs:
                for m, out in mappings.map_record("edi", ts.id, rec):
                    assert m.entity == "fulfilment_line"
                    rows.append(out)
    _put(conn, "fulfilment_line", "edi", rows)
    return len(rows)


def _world(conn: Connection) -> None:
    write_crosswalk(conn, "party", [Cluster((("crm", "001A"), ("drp", "C001")))], 1)
    _put(conn, "party", "crm", [{"external_id": "001A", "name": "华东百货"}])
    _put(conn, "party", "drp", [{"external_id": "C001", "name": "华东百货"}])
    day = date(2026, 3, 1)
    order = {"party_ref": "C001", "order_date": day, "status": "approved", "source_status": "已审核"}
    _put(
        conn,
        "sales_order",
        "drp",
        [
            # from the partner's 850
            {**order, "external_id": "SO-1", "order_number": "SO-1", "amount": Decimal("150"), "source_ref": PO},
            # invoiced line by line
            {**order, "external_id": "SO-2", "order_number": "SO-2", "amount": Decimal("80")},
            # made from a closed-won CRM opportunity (its id is the 来源单号), and one from nowhere
            {**order, "external_id": "SO-3", "order_number": "SO-3", "amount": Decimal("5"), "source_ref": "006OPP1"},
            {**order, "external_id": "SO-4", "order_number": "SO-4", "amount": Decimal("7")},
        ],
    )
    line = {"unit_price": Decimal("10")}
    _put(
        conn,
        "order_line",
        "drp",
        [
            {**line, "external_id": "SO-1|1", "order_ref": "SO-1", "line_no": 1, "sku": "A", "quantity": Decimal(10)},
            {**line, "external_id": "SO-1|2", "order_ref": "SO-1", "line_no": 2, "sku": "B", "quantity": Decimal(5)},
            {**line, "external_id": "SO-2|1", "order_ref": "SO-2", "line_no": 1, "sku": "A", "quantity": Decimal(5)},
            {**line, "external_id": "SO-2|2", "order_ref": "SO-2", "line_no": 2, "sku": "B", "quantity": Decimal(3)},
        ],
    )
    _put(
        conn,
        "sales_order",
        "edi",
        [
            {
                "external_id": PO,
                "order_number": PO,
                "source_ref": PO,
                "party_ref": "C001",
                "order_date": day,
                "amount": Decimal("150"),
            }
        ],
    )
    _put(
        conn,
        "order_line",
        "edi",
        [
            {"external_id": f"{PO}|1", "order_ref": PO, "line_no": 1, "sku": "A", "quantity": Decimal(10)},
            {"external_id": f"{PO}|2", "order_ref": PO, "line_no": 2, "sku": "B", "quantity": Decimal(5)},
        ],
    )
    _put(
        conn,
        "invoice",
        "drp",
        [
            {"external_id": "INV-2", "order_ref": "SO-2", "party_ref": "C001", "amount": Decimal("80")},
            {"external_id": "INV-1", "order_ref": "SO-1", "party_ref": "C001", "amount": Decimal("150")},
        ],
    )
    _put(
        conn,
        "invoice_line",
        "drp",
        [  # B invoiced 4 of 3 ordered, and C, which the order does not hold
            {
                "external_id": "INV-2|1",
                "invoice_ref": "INV-2",
                "line_no": 1,
                "sku": "A",
                "quantity": Decimal(5),
                "amount": Decimal("50"),
            },
            {
                "external_id": "INV-2|2",
                "invoice_ref": "INV-2",
                "line_no": 2,
                "sku": "B",
                "quantity": Decimal(4),
                "amount": Decimal("20"),
            },
            {
                "external_id": "INV-2|3",
                "invoice_ref": "INV-2",
                "line_no": 3,
                "sku": "C",
                "quantity": Decimal(1),
                "amount": Decimal("10"),
            },
        ],
    )
    _put(conn, "opportunity", "crm", [{"external_id": "006OPP1", "party_ref": "001A", "stage": "Closed Won"}])


def _found(conn: Connection) -> dict[tuple[str, str], Any]:
    t = Discrepancy.__table__
    return {(d.kind, d.external_id): d for d in conn.execute(select(t).where(t.c.status == "open"))}


def test_partner_quantities_invoice_lines_and_opportunity_orders(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    rules = load_rules_config({})
    with engine.begin() as conn:
        _world(conn)
        # acknowledged B 4 of 5; shipped A 12 (more than acknowledged), B not at all; invoiced B 4, none shipped
        n = _load_partner_documents(
            conn, _partner_documents([("A", "10"), ("B", "4")], [("A", "12")], [("A", "10"), ("B", "4")])
        )
        assert n == 5
        detect(conn, rules, Roles(), 2, link=True)
        found = _found(conn)
    edi = found[("fulfilment_quantity_mismatch", "SO-1")]
    assert edi.details["po_number"] == PO
    assert edi.details["problems"] == [
        "A: shipped 12, more than the 10 acknowledged",
        "B: acknowledged 4 of 5 ordered",
        "B: invoiced 4, more than the 0 shipped",
    ]
    assert "855, 856, 810" in edi.message and "SH77" in " ".join(edi.details["documents"])
    inv = found[("invoice_line_mismatch", "SO-2")]
    assert inv.details["problems"] == ["B: invoiced 4, ordered 3", "C: invoiced 1, not on the order"]
    assert ("invoice_line_mismatch", "SO-1") not in found  # INV-1 has no lines: nothing to compare
    assert ("order_missing_in_crm", "SO-4") in found
    assert ("order_missing_in_crm", "SO-3") not in found  # made from CRM opportunity 006OPP1


def test_agreeing_documents_find_nothing_and_a_correction_resolves(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    rules = load_rules_config({"fulfilment": {"qty_tolerance": "0"}})
    with engine.begin() as conn:
        _world(conn)
        _load_partner_documents(conn, _partner_documents([("A", "10"), ("B", "5")], [("A", "10")], [("A", "9")]))
        detect(conn, rules, Roles(), 2, link=True)
        assert ("fulfilment_quantity_mismatch", "SO-1") not in _found(conn)  # partial shipment, open order
        # the order completes: B was never shipped, A invoiced short
        conn.execute(
            MODELS["sales_order"]
            .__table__.update()
            .where(MODELS["sales_order"].__table__.c.external_id == "SO-1")
            .values(status="completed", source_status="已完成", run_id=3)
        )
        detect(conn, rules, Roles(), 3, link=True)
        got = _found(conn)[("fulfilment_quantity_mismatch", "SO-1")]
        assert got.details["problems"] == [
            "A: invoiced only 9 of 10 acknowledged",
            "B: shipped only 0 of 5 acknowledged",
            "B: invoiced only 0 of 5 acknowledged",
        ]
        # switched off in the rule file: the finding resolves
        off = load_rules_config({"rules": {"fulfilment_quantity_mismatch": {"enabled": False}}})
        detect(conn, off, Roles(), 4, link=True)
        assert ("fulfilment_quantity_mismatch", "SO-1") not in _found(conn)


def test_an_incremental_run_rechecks_orders_whose_partner_documents_invoice_lines_or_opportunity_arrived(
    store_url: str,
) -> None:
    from hub.reconcile.store.scopes import dirty_scopes

    engine = make_engine(store_url)
    upgrade(engine)
    rules, roles = load_rules_config({}), Roles()
    inv_lines = MODELS["invoice_line"].__table__
    with engine.begin() as conn:
        _world(conn)
        conn.execute(inv_lines.delete())
        conn.execute(MODELS["opportunity"].__table__.delete())
        detect(conn, rules, roles, 2, link=True)
        before = _found(conn)
        assert ("order_missing_in_crm", "SO-3") in before
        assert not {k for k, _ in before} & {"invoice_line_mismatch", "fulfilment_quantity_mismatch"}
        # run 5 brings the partner's documents, SO-2's invoice lines and the opportunity SO-3 was made from
        text = _partner_documents([("A", "10"), ("B", "4")], [("A", "10")], [("A", "10")])
        _load_partner_documents(conn, text)
        conn.execute(MODELS["fulfilment_line"].__table__.update().values(run_id=5))
        _put(
            conn,
            "invoice_line",
            "drp",
            [{"external_id": "INV-2|1", "invoice_ref": "INV-2", "line_no": 1, "sku": "A", "quantity": Decimal(6)}],
        )
        _put(conn, "opportunity", "crm", [{"external_id": "006OPP1", "party_ref": "001A", "stage": "Closed Won"}])
        conn.execute(inv_lines.update().values(run_id=5))
        conn.execute(MODELS["opportunity"].__table__.update().values(run_id=5))
        dirty = dirty_scopes(conn, roles, 4)
        assert PO in dirty.edi_orders and dirty.scopes
        detect(conn, rules, roles, 5, link=True, scopes=dirty.scopes, changed_pos=dirty.edi_orders)
        after = _found(conn)
    assert after[("fulfilment_quantity_mismatch", "SO-1")].details["problems"] == ["B: acknowledged 4 of 5 ordered"]
    assert after[("invoice_line_mismatch", "SO-2")].details["problems"] == ["A: invoiced 6, ordered 5"]
    assert ("order_missing_in_crm", "SO-3") not in after and ("order_missing_in_crm", "SO-4") in after
