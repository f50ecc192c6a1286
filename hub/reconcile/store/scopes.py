"""Units of work for order linking and the discrepancy rules: one canonical customer each.

Everything the order and payment rules compare belongs to one customer: its CRM and DRP
orders and lines, invoices, payments, 820 remittances and credit limit. A *scope* is a
canonical customer id (from the party crosswalk); a record whose customer the crosswalk does
not know gets an orphan scope of its own (``?system:ref``). Scopes are grouped into *buckets*
so that the rules run over a few thousand customers at a time in bounded memory, and an
incremental run re-checks only the scopes its changes touch (:func:`dirty_scopes`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text

from hub.reconcile.config import Roles
from hub.reconcile.crosswalk import canonical_ids
from hub.store.keyset import key_table

__all__ = [
    "ScopeTable",
    "scope_table",
    "scope_rows",
    "orphan_scope",
    "bucket_of",
    "customer_scopes",
    "dirty_scopes",
    "order_scopes",
    "Dirty",
    "BUCKET_CUSTOMERS",
]

#: customers per bucket: the rules hold one bucket's orders, lines, invoices and payments at a time
BUCKET_CUSTOMERS = 2_000

#: (table, system role, party system role): the rule inputs keyed to a customer by ``party_ref``
PARTY_KEYED = (
    ("sales_order", "crm", "crm"),
    ("sales_order", "drp", "drp"),
    ("invoice", "drp", "drp"),
    ("payment", "drp", "drp"),
    ("remittance_line", "edi", "drp"),
)


def orphan_scope(system: str, ref: str | None) -> str:
    """The scope of records whose customer ``ref`` the crosswalk does not know."""
    return f"?{system}:{ref or ''}"


def bucket_of(scope: str, buckets: int) -> int:
    """The bucket of a scope (stable across runs and processes)."""
    return zlib.crc32(scope.encode()) % buckets


def customer_scopes(conn: Connection, roles: Roles) -> dict[tuple[str, str], str]:
    """(system, customer id) -> canonical customer id, for the CRM's and the DRP's customers."""
    out = {}
    for system in (roles.crm, roles.drp):
        out.update(canonical_ids(conn, "party", system))
    return out


@dataclass(frozen=True)
class ScopeTable:
    """A temporary table (system, party_ref, scope, bucket) of the customers of one piece of work."""

    name: str
    buckets: tuple[int, ...]
    scopes: int

    def scopes_of(self, conn: Connection, bucket: int) -> list[tuple[str, str, str]]:
        """(system, party_ref, scope) of one bucket."""
        return [
            tuple(r)
            for r in conn.execute(
                text(f"SELECT system, party_ref, scope FROM {self.name} WHERE bucket = :b"), {"b": bucket}
            )
        ]


def _orphans(conn: Connection, roles: Roles, known: dict[tuple[str, str], str]) -> Iterator[tuple[str, str]]:
    """(party system, party_ref) of rule inputs whose customer the crosswalk does not know."""
    seen: set[tuple[str, str]] = set()
    for table, role, party_role in PARTY_KEYED:
        system, psys = getattr(roles, role), getattr(roles, party_role)
        sql = f"SELECT DISTINCT party_ref FROM {table} WHERE system = :s AND deleted = :f"
        for (ref,) in conn.execute(text(sql), {"s": system, "f": False}):
            key = (psys, ref or "")
            if key not in known and key not in seen:
                seen.add(key)
                yield key


def scope_rows(
    conn: Connection, roles: Roles, scopes: set[str] | None = None, known: dict[tuple[str, str], str] | None = None
) -> list[tuple[str, str, str, int]]:
    """The customers to work on, bucketed: (system, party_ref, scope, bucket) of every customer
    (``scopes`` None) or of those of ``scopes``.

    Orphan scopes (``?system:ref``) are included for every unknown customer ref of the rule
    inputs (all of them, or those named in ``scopes``); a NULL ref reads as ``""``. ``known``:
    :func:`customer_scopes`, when the caller has it already.
    """
    known = customer_scopes(conn, roles) if known is None else known
    rows: list[tuple[str, str, str]] = [(s, e, cid) for (s, e), cid in known.items() if scopes is None or cid in scopes]
    for psys, ref in _orphans(conn, roles, known):
        sc = orphan_scope(psys, ref)
        if scopes is None or sc in scopes:
            rows.append((psys, ref, sc))
    n = max(1, -(-len({r[2] for r in rows}) // BUCKET_CUSTOMERS))
    return [(s, e, sc, bucket_of(sc, n)) for s, e, sc in rows]


@contextmanager
def scope_table(
    conn: Connection,
    roles: Roles,
    scopes: set[str] | None = None,
    known: dict[tuple[str, str], str] | None = None,
    rows: list[tuple[str, str, str, int]] | None = None,
) -> Iterator[ScopeTable]:
    """:func:`scope_rows` (or ``rows`` given) as a temporary table of ``conn``."""
    rows = scope_rows(conn, roles, scopes, known) if rows is None else rows
    with key_table(
        conn, ("system", "party_ref", "scope", "bucket"), rows, primary_key=("system", "party_ref"), index=("bucket",)
    ) as name:
        yield ScopeTable(name, tuple(sorted({r[3] for r in rows})), len({r[2] for r in rows}))


def order_scopes(conn: Connection, system: str, ids: Iterable[str]) -> set[str]:
    """The scopes (customers) of the given orders of ``system``."""
    with key_table(conn, ("external_id",), ((i,) for i in ids)) as k:
        sql = (
            f"SELECT o.party_ref, c.canonical_id FROM {k} k CROSS JOIN sales_order o "
            "LEFT JOIN crosswalk c ON c.entity = 'party' AND c.system = o.system AND c.external_id = o.party_ref "
            "WHERE o.system = :s AND o.external_id = k.external_id"
        )
        return {cid or orphan_scope(system, ref) for ref, cid in conn.execute(text(sql), {"s": system})}


@dataclass(frozen=True)
class Dirty:
    """What an incremental run re-checks: customer scopes, and the 850 POs that changed."""

    scopes: set[str]
    edi_orders: set[str]


def dirty_scopes(
    conn: Connection,
    roles: Roles,
    since: int,
    relinked: Iterable[str] = (),
    known: dict[tuple[str, str], str] | None = None,
) -> Dirty:
    """The scopes a change after run ``since`` can affect.

    Those of changed rule inputs (their customer now), the scopes their orders and findings
    were written under before (a record that moved customer, a deleted one), and ``relinked``
    (customer ids that gained or lost members).
    """
    known = customer_scopes(conn, roles) if known is None else known
    out = set(relinked)
    changed: set[tuple[str, str]] = set()  # (system, external id) of changed rule inputs

    def scope(psys: str, ref: str | None) -> str:
        return known.get((psys, ref or "")) or orphan_scope(psys, ref)

    for table, role, party_role in PARTY_KEYED:
        system, psys = getattr(roles, role), getattr(roles, party_role)
        for ext, ref in conn.execute(
            text(f"SELECT external_id, party_ref FROM {table} WHERE system = :s AND run_id > :r"),
            {"s": system, "r": since},
        ):
            changed.add((system, ext))
            out.add(scope(psys, ref))
    for system in (roles.crm, roles.drp):
        for (ext,) in conn.execute(
            text("SELECT external_id FROM party WHERE system = :s AND run_id > :r"), {"s": system, "r": since}
        ):
            changed.add((system, ext))
            out.add(scope(system, ext))
        sql = (
            "SELECT o.external_id, o.party_ref FROM order_line l JOIN sales_order o ON o.system = l.system "
            "AND o.external_id = l.order_ref WHERE l.system = :s AND l.run_id > :r"
        )
        for ext, ref in conn.execute(text(sql), {"s": system, "r": since}):
            changed.add((system, ext))
            out.add(scope(system, ref))
    # invoice lines count under their invoice's customer; CRM opportunities (the source of DRP orders) under theirs
    sql = (
        "SELECT i.external_id, i.party_ref FROM invoice_line l JOIN invoice i ON i.system = l.system "
        "AND i.external_id = l.invoice_ref WHERE l.system = :s AND l.run_id > :r"
    )
    for ext, ref in conn.execute(text(sql), {"s": roles.drp, "r": since}):
        changed.add((roles.drp, ext))
        out.add(scope(roles.drp, ref))
    sql = "SELECT party_ref FROM opportunity WHERE system = :s AND run_id > :r"
    out.update(scope(roles.crm, ref) for (ref,) in conn.execute(text(sql), {"s": roles.crm, "r": since}))
    sql = "SELECT DISTINCT l.order_ref FROM order_line l WHERE l.system = :s AND l.run_id > :r"
    pos = {ext for (ext,) in conn.execute(text(sql), {"s": roles.edi, "r": since})}
    # a partner's 855/856/810 lines re-check the DRP order of the 850 they answer
    sql = "SELECT DISTINCT l.order_ref FROM fulfilment_line l WHERE l.system = :s AND l.run_id > :r"
    pos.update(ext for (ext,) in conn.execute(text(sql), {"s": roles.edi, "r": since}) if ext)
    pos.update(
        ext
        for (ext,) in conn.execute(
            text("SELECT external_id FROM sales_order WHERE system = :s AND run_id > :r"), {"s": roles.edi, "r": since}
        )
    )
    changed.update((roles.edi, ext) for ext in pos)
    with key_table(conn, ("system", "external_id"), changed) as ids:
        out.update(
            sc
            for (sc,) in conn.execute(
                text(
                    f"SELECT DISTINCT c.scope FROM {ids} k CROSS JOIN crosswalk c WHERE c.entity = 'sales_order' "
                    "AND c.system = k.system AND c.external_id = k.external_id AND c.scope IS NOT NULL"
                )
            )
        )
        out.update(
            sc
            for (sc,) in conn.execute(
                text(
                    f"SELECT DISTINCT d.scope FROM discrepancy d JOIN {ids} k ON k.external_id = d.external_id "
                    "WHERE d.scope IS NOT NULL"
                )
            )
        )
    return Dirty(out, pos)
