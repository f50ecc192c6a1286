"""The order push's credit holds as ``credit_hold`` discrepancies, through the discrepancy lifecycle.

The order push decides which CRM orders wait for credit, order by order against the customer's
and its group's available credit, so it is the one place that knows; the registry rule
(``credit_hold``, scope "push") turns its holds into findings and this module writes them. Each
run writes the whole set: an order released (created in the DRP) or no longer sent is resolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.reconcile.crosswalk import canonical_ids
from hub.reconcile.rule_registry import RULES
from hub.reconcile.rules_config import RulesConfig
from hub.reconcile.store.lifecycle import write_findings

__all__ = ["KIND", "hold_rows", "record_holds"]

KIND = "credit_hold"


class _Inputs:
    def __init__(self, holds: list[dict[str, Any]]) -> None:
        self.holds = holds


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def hold_rows(holds: Iterable[Any]) -> list[dict[str, Any]]:
    """The rule's input rows of the push's holds (``Hold``: plan and verdict)."""
    out = []
    for h in holds:
        fig = dict(h.verdict.figures or {})
        out.append(
            {
                "crm_order_id": h.plan.crm_id,
                "order_number": h.plan.order_number,
                "customer": h.plan.customer,
                "amount": h.plan.amount,
                "available": _dec(fig.get("available")),
                "limit": _dec(fig.get("limit")),
                "receivables": _dec(fig.get("receivables")),
                "open_orders": _dec(fig.get("open_orders")),
                "group": fig.get("group"),
            }
        )
    return out


def record_holds(
    engine: Engine, run_id: int, drp_system: str, holds: Iterable[Any], config: RulesConfig | None = None
) -> dict[str, int]:
    """Open, keep or resolve the ``credit_hold`` discrepancies, each under its DRP customer's canonical id;
    returns the lifecycle counts and how many are open."""
    cfg = config or RulesConfig()
    rows = hold_rows(holds)
    with engine.begin() as conn:
        cids = canonical_ids(conn, "party", drp_system)
        found = list(RULES[KIND].run(_Inputs(rows), cfg))
        customer = {r["crm_order_id"]: r["customer"] for r in rows}
        life = write_findings(
            conn, found, run_id, {KIND}, scope_of=lambda f: cids.get((drp_system, customer.get(f.key[0], "")))
        )
    return {**life, "open": len(found)}
