"""The EDI origin index over the store reads DRP orders narrowly and gives what reading them whole gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import hub.reconcile.store.findings as findings
from hub.reconcile.config import Roles
from hub.reconcile.orders import find_edi_origins
from hub.reconcile.rules_config import RulesConfig
from hub.store.bulk import upsert
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import MODELS


def _put(conn: Any, entity: str, rows: list[dict[str, Any]]) -> None:
    upsert(
        conn,
        MODELS[entity].__table__,
        [{**r, "run_id": 1, "deleted": False, "row_hash": str(sorted(r.items()))} for r in rows],
        key=("system", "external_id"),
    )


def _order(system: str, ext: str, amount: str, **kw: Any) -> dict[str, Any]:
    row = {"system": system, "external_id": ext, "amount": Decimal(amount), "party_ref": "C1"}
    return {**row, "order_number": None, "source_ref": None, **kw}


def _line(system: str, order: str, sku: str, qty: str) -> dict[str, Any]:
    return {
        "system": system,
        "external_id": f"{order}-1",
        "order_ref": order,
        "line_no": 1,
        "sku": sku,
        "quantity": Decimal(qty),
    }


def test_content_matches_find_the_drp_order_whatever_the_stored_form_of_its_amount(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.begin() as conn:
        _put(
            conn,
            "sales_order",
            [
                # 850 POs no DRP order names: tied by amount and lines
                _order("edi", "PO1", "12.5", order_number="4500000001"),
                _order("edi", "PO2", "-0.5", order_number="4500000002"),
                _order("edi", "PO3", "7", order_number="4500000003"),
                _order("edi", "PO4", "99", order_number="4500000004"),
                # DRP orders: the same amounts written with other scales, and near misses
                _order("drp", "D1", "12.50"),
                _order("drp", "D2", "-0.50"),
                _order("drp", "D3", "7.000"),
                _order("drp", "D4", "12.49"),
                _order("drp", "D5", "98.99"),
                _order("drp", "D6", "99.00", source_ref="4500000004"),
            ],
        )
        lines = [("PO1", "A"), ("PO2", "B"), ("PO3", "C"), ("PO4", "D"), ("D1", "A"), ("D2", "B"), ("D3", "C")]
        lines += [("D4", "A"), ("D5", "D"), ("D6", "D")]
        _put(conn, "order_line", [_line("edi" if o.startswith("PO") else "drp", o, s, "2") for o, s in lines])
    roles, rules = Roles(), RulesConfig()
    with engine.connect() as conn:
        narrow = findings._EdiIndex(conn, roles, rules)

        def whole(*args: Any, **kw: Any) -> Any:  # every DRP order read and converted, as before
            return find_edi_origins(*args[:4])

        monkeypatch.setattr(findings, "find_edi_origins", whole)
        full = findings._EdiIndex(conn, roles, rules)
    assert list(narrow.origins.items()) == list(full.origins.items())
    assert {d: (o.po_number, o.rule) for d, o in narrow.origins.items()} == {
        "D1": ("4500000001", "content"),
        "D2": ("4500000002", "content"),
        "D3": ("4500000003", "content"),
        "D6": ("4500000004", "source_ref"),
    }
    engine.dispose()
