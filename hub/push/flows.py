"""Run the channel flows of the push rules (orders with the credit check, tasks, commission) after the entity pushes.

Each flow opens the connectors it needs once (closed at the end); a flow that fails is named in
``failed`` and the others still run. Returns the per-flow detail the push stage records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from hub.connector import Connector
from hub.errors import HubError
from hub.push.config import PushRules

__all__ = ["run_flows"]


class _Connectors:
    """Connectors by system, built on first use and closed together."""

    def __init__(self, build: Callable[[str], Connector]) -> None:
        self.build = build
        self.open: dict[str, Connector] = {}

    def __call__(self, system: str) -> Connector:
        if system not in self.open:
            self.open[system] = self.build(system)
        return self.open[system]

    def close(self) -> None:
        for c in self.open.values():
            c.close()


def run_flows(
    engine: Engine,
    run_id: int,
    rules: PushRules,
    build: Callable[[str], Connector],
    dry_run: bool = False,
    approve: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(detail per flow, failures per flow) of every configured flow."""
    from hub.push.order_flow import run_orders

    flows = rules.flows
    detail: dict[str, Any] = {}
    failed: dict[str, str] = {}
    if flows is None:
        return detail, failed
    connectors = _Connectors(build)
    try:
        orders = None
        if flows.orders is not None:
            try:
                orders = run_orders(engine, run_id, rules, connectors, dry_run, approve)
                detail["orders"] = orders.summary()
                if orders.failed:
                    failed["flows/orders"] = (
                        f"{len(orders.failed)} write(s) failed, e.g. {next(iter(orders.failed.values()))}"
                    )
            except HubError as exc:
                failed["flows/orders"] = str(exc)
        if flows.tasks is not None:
            from hub.push.task_flow import run_tasks

            try:
                detail["tasks"] = run_tasks(engine, run_id, rules, connectors, orders, dry_run)
                if detail["tasks"].get("failed"):
                    failed["flows/tasks"] = (
                        f"{len(detail['tasks']['failed'])} write(s) failed, e.g. "
                        f"{next(iter(detail['tasks']['failed'].values()))}"
                    )
            except HubError as exc:
                failed["flows/tasks"] = str(exc)
        if flows.commission is not None:
            from hub.push.commission_flow import run_commission

            try:
                detail["commission"] = run_commission(engine, run_id, rules, connectors, dry_run)
                if detail["commission"].get("failed"):
                    failed["flows/commission"] = f"{len(detail['commission']['failed'])} write(s) failed"
            except HubError as exc:
                failed["flows/commission"] = str(exc)
    finally:
        connectors.close()
    return detail, failed
