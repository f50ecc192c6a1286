"""Salespeople, their teams and which customers they own (DRP actuals), shared by sales and receivables."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from hub.report.query import stream

UNASSIGNED = "(unassigned)"


@dataclass(frozen=True, slots=True)
class Seller:
    code: str
    name: str
    team: str
    rate: Decimal | None


def sellers(conn: Connection, drp: str) -> dict[str, Seller]:
    """DRP salesperson code -> Seller."""
    return {
        r["external_id"]: Seller(
            r["external_id"], r["name"] or r["external_id"], r["team"] or UNASSIGNED, r["commission_rate"]
        )
        for r in stream(conn, "salesperson", drp, ["name", "team", "commission_rate"])
    }


def team_of(owner: str | None, people: dict[str, Seller]) -> str:
    """The team of a customer's salesperson, or ``(unassigned)``."""
    seller = people.get(owner or "")
    return seller.team if seller else UNASSIGNED


def in_teams(owner: str | None, people: dict[str, Seller], teams: tuple[str, ...] | None) -> bool:
    """Whether a customer owned by ``owner`` is in the audience's teams (always, without a team filter)."""
    return teams is None or team_of(owner, people) in teams
