"""The hand-built report scenario (figures computed by hand in test_report_sections.py) and shared helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from hub.store.migrate import upgrade
from hub.store.models import MODELS, CrosswalkLink, Discrepancy, Quarantine, ReviewItem, Run

AS_OF = dt.date(2026, 3, 31)
UTC = dt.UTC
D = Decimal

#: a DRP customer name that would be a formula in a spreadsheet
EVIL_NAME = '=HYPERLINK("http://evil.example/x","点我")'
EVIL_MEMO = "=cmd|' /C calc'!A0"


def renderer_manager() -> Any:
    """A plugin manager with the built-in renderers (until they are in BUILTIN_PLUGINS, registered here)."""
    import hub.report.renderers as module
    from hub.plugins import _new_manager, load_plugins

    pm = _new_manager()
    load_plugins(pm)
    if not pm.is_registered(module) and pm.get_plugin("hub.report.renderers") is None:
        pm.register(module, name="hub.report.renderers")
    return pm


def _put(conn: Any, entity: str, system: str, ext: str, **fields: Any) -> None:
    conn.execute(
        insert(MODELS[entity].__table__).values(
            system=system, external_id=ext, row_hash=f"h-{ext}", run_id=1, deleted=False, **fields
        )
    )


def _link(conn: Any, entity: str, system: str, ext: str, cid: str) -> None:
    conn.execute(
        insert(CrosswalkLink.__table__).values(
            entity=entity, system=system, external_id=ext, canonical_id=cid, rule="test", first_run=1, changed_run=1
        )
    )


def _disc(
    conn: Any,
    kind: str,
    key: str,
    severity: str,
    status: str,
    first: int,
    resolved: int | None = None,
    system: str = "drp",
    details: dict[str, Any] | None = None,
    message: str = "",
) -> None:
    parts = key.split("|")
    ext, other = (
        (parts[1], parts[2]) if kind == "duplicate_customer" else (parts[0], parts[1] if len(parts) > 1 else None)
    )
    conn.execute(
        insert(Discrepancy.__table__).values(
            kind=kind,
            key=key,
            system=system,
            external_id=ext,
            other_external_id=other,
            severity=severity,
            message=message or f"{kind} {key}",
            details=details or {},
            status=status,
            first_run=first,
            last_run=resolved or 2,
            resolved_run=resolved,
        )
    )


def build_small_store(engine: Engine) -> None:
    """The hand-built scenario whose figures tests/report/test_sections.py computes by hand (as of 2026-03-31)."""
    upgrade(engine)
    t0 = dt.datetime(2026, 3, 31, 1, 0, tzinfo=UTC)
    with engine.begin() as c:
        for i, status in ((1, "succeeded"), (2, "succeeded"), (3, "failed")):
            c.execute(
                insert(Run.__table__).values(
                    id=i,
                    pipeline="channelco",
                    status=status,
                    trigger="test",
                    started_at=t0 + dt.timedelta(hours=i),
                    finished_at=t0 + dt.timedelta(hours=i, minutes=5),
                )
            )
        # salespeople: S1 (East, 2 %) is linked to CRM user U1; S2 (North, 1.5 %)
        _put(c, "salesperson", "drp", "S1", name="王芳", team="华东大区", commission_rate=D("0.02"))
        _put(c, "salesperson", "drp", "S2", name="Li Lei", team="华北大区", commission_rate=D("0.015"))
        _put(c, "salesperson", "crm", "U1", name="Wang Fang", team="East Region", employee_code="S1")
        for system, ext, cid in (("crm", "U1", "SP1"), ("drp", "S1", "SP1"), ("drp", "S2", "SP2")):
            _link(c, "salesperson", system, ext, cid)
        # customers
        _put(c, "party", "drp", "C1", name="上海华信贸易有限公司", credit_limit=D("10000"), owner_ref="S1")
        _put(c, "party", "drp", "C2", name=EVIL_NAME, credit_limit=D("50000"), owner_ref="S2")
        _put(c, "party", "drp", "C3", name="北京远大商贸有限公司", credit_limit=None, owner_ref="S1")
        _put(c, "party", "crm", "A1", name="Shanghai Huaxin Trading", owner_ref="U1")
        _put(c, "party", "crm", "A2", name="Beijing Yuanda", owner_ref="U1")
        for system, ext, cid in (
            ("crm", "A1", "P1"),
            ("drp", "C1", "P1"),
            ("drp", "C2", "P2"),
            ("crm", "A2", "P3"),
            ("drp", "C3", "P4"),
        ):
            _link(c, "party", system, ext, cid)
        _put(c, "party", "golden", "P1", name="上海华信贸易有限公司")
        # orders
        for ext, party, day, status, src, amount in (
            ("SO1", "C1", "2026-03-25", "approved", "已审核", "4000"),
            ("SO2", "C2", "2026-03-28", "approved", "已审核", "2000"),
            ("SO3", "C1", "2026-01-05", "completed", "已完成", "6000"),
            ("SO4", "C3", "2026-02-10", "cancelled", "已关闭", "700"),
        ):
            _put(
                c,
                "sales_order",
                "drp",
                ext,
                party_ref=party,
                order_number=ext,
                order_date=dt.date.fromisoformat(day),
                status=status,
                source_status=src,
                amount=D(amount),
            )
        for ext, party, number, day, status, src, amount in (
            ("O1", "A1", "00000001", "2026-03-25", "approved", "Activated", "4100"),
            ("O2", "A2", "00000002", "2026-02-01", "shipped", "Shipped", "1500"),
            ("O3", "A1", "00000003", "2026-03-30", "draft", "Draft", "999"),
        ):
            _put(
                c,
                "sales_order",
                "crm",
                ext,
                party_ref=party,
                order_number=number,
                order_date=dt.date.fromisoformat(day),
                status=status,
                source_status=src,
                amount=D(amount),
            )
        for system, ext, cid in (("crm", "O1", "SO-1"), ("drp", "SO1", "SO-1"), ("drp", "SO2", "SO-2")):
            _link(c, "sales_order", system, ext, cid)
        # invoices (DRP): number, customer, invoice date, due date, amount, open
        for ext, party, inv, due, amount, open_ in (
            ("I1", "C1", "2026-01-10", "2026-02-09", "6000", "6000"),
            ("I2", "C1", "2026-03-20", "2026-04-19", "3000", "1000"),
            ("I3", "C2", "2025-11-01", "2025-12-01", "20000", "5000"),
            ("I4", "C2", "2026-02-25", "2026-03-27", "4000", "0"),
            ("I5", "C3", "2026-03-01", "2026-03-10", "2500", "2500"),
            ("I6", "C3", "2025-12-15", "2026-01-14", "1000", "1000"),
        ):
            _put(
                c,
                "invoice",
                "drp",
                ext,
                party_ref=party,
                invoice_date=dt.date.fromisoformat(inv),
                due_date=dt.date.fromisoformat(due),
                amount=D(amount),
                open_amount=D(open_),
            )
        _put(
            c,
            "payment",
            "drp",
            "P1",
            party_ref="C3",
            payment_date=dt.date(2026, 3, 15),
            amount=D("1000"),
            memo=EVIL_MEMO,
        )
        # channel inventory
        _put(c, "location", "drp", "W1", name="华信寄售仓", kind="consignment", owner_ref="C1")
        _put(c, "location", "drp", "W2", name="Consignment C2", kind="consignment", owner_ref="C2")
        _put(c, "location", "drp", "W3", name="中心仓", kind="central")
        _put(c, "product", "drp", "SKU-A", sku="SKU-A", name="洗碗块", list_price=D("12.50"))
        _put(c, "product", "drp", "SKU-B", sku="SKU-B", name="保鲜膜", list_price=D("8.00"))
        for loc, sku, day, qty in (
            ("W1", "SKU-A", "2026-03-30", "100"),
            ("W1", "SKU-A", "2026-03-23", "90"),
            ("W1", "SKU-B", "2026-03-30", "50"),
            ("W2", "SKU-A", "2026-03-30", "10"),
            ("W3", "SKU-A", "2026-03-30", "999"),
        ):
            _put(
                c,
                "inventory",
                "drp",
                f"{loc}|{sku}|{day}",
                location_ref=loc,
                sku=sku,
                as_of=dt.date.fromisoformat(day),
                on_hand=D(qty),
            )
        for party, sku, day, qty in (
            ("C1", "SKU-A", "2026-03-30", "95"),
            ("C1", "SKU-B", "2026-03-30", "50"),
            ("C1", "SKU-A", "2026-03-23", "80"),
            ("C2", "SKU-A", "2026-03-20", "10"),
        ):
            _put(
                c,
                "inventory",
                "edi",
                f"{party}|{sku}|{day}",
                party_ref=party,
                sku=sku,
                as_of=dt.date.fromisoformat(day),
                on_hand=D(qty),
                report_ref=f"BIA-{party}-{day}",
            )
        # discrepancies: alive at run 2 = 5 (2 high, 3 medium); at run 1 = 3
        _disc(c, "order_amount_mismatch", "O1|SO1", "high", "open", 1, system="crm")
        _disc(c, "order_missing_in_crm", "SO2", "medium", "open", 2)
        _disc(c, "order_missing_in_drp", "O2", "high", "resolved", 1, resolved=2, system="crm")
        _disc(
            c,
            "unapplied_payment",
            "P1",
            "medium",
            "open",
            2,
            details={"reason": "names no invoice and matches no invoice amount of the customer", "invoice_refs": []},
        )
        _disc(c, "duplicate_customer", "drp|C2|C3", "medium", "acknowledged", 1)
        _disc(c, "credit_exceeded", "C1", "high", "open", 2)
        # review queue: 2 open, 1 decided
        for a, b, status, score in (
            ("A1", "C2", "open", 6.5),
            ("A2", "C3", "open", 7.25),
            ("A2", "C1", "rejected", 5.0),
        ):
            c.execute(
                insert(ReviewItem.__table__).values(
                    entity="party",
                    system_a="crm",
                    id_a=a,
                    system_b="drp",
                    id_b=b,
                    score=score,
                    status=status,
                    first_run=1,
                    last_run=2,
                )
            )
        # quarantine: 3 open (2 x MappingError credit_limit, 1 x ParseError), 1 resolved
        for system, stream, stage, key, etype, field, resolved in (
            ("drp", "customers", "map", "C9", "MappingError", "credit_limit", None),
            ("drp", "customers", "map", "C8", "MappingError", "credit_limit", None),
            ("crm", "Account", "extract", "Account.csv:7", "ParseError", None, None),
            ("drp", "payments", "map", "PX", "MappingError", "amount", 2),
        ):
            c.execute(
                insert(Quarantine.__table__).values(
                    system=system,
                    stream=stream,
                    stage=stage,
                    record_key=key,
                    error_type=etype,
                    field=field,
                    reason=f"bad {field or 'row'}",
                    first_run=1,
                    last_run=2,
                    resolved_run=resolved,
                    created_at=t0,
                )
            )
