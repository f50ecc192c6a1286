"""Order linking and discrepancy detection inside the reconcile stage, over the canonical store.

Work is done per bucket of customers (see :mod:`hub.reconcile.store.scopes`): a bucket's CRM, DRP
and EDI orders and lines, invoices, payments, 820 remittance lines and credit limits are read
from the store, orders are linked within each customer, every enabled rule runs, and the
bucket's order crosswalk and discrepancies are written before the next bucket is read, so
memory holds one bucket whatever the size of the store. Only three things span customers and
are prepared once: which DRP orders came from which EDI 850 (:func:`find_edi_origins`), the
CRM product -> DRP SKU map, and channel inventory (few rows, checked as a whole).

An incremental run passes the scopes (customers) its changes touch; everything else keeps
the links and discrepancies the last run wrote. System roles (which configured system is the
CRM, the DRP, the EDI feed) come from the rule file's ``roles``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

from sqlalchemy import Connection, select, text

from hub.helper import own_connection, remote_for, shared_map
from hub.reconcile.cashapp import (
    Invoice,
    Payment,
    apply_payments,
    as_invoice,
    as_payment,
    as_remittance_line,
)
from hub.reconcile.config import Roles
from hub.reconcile.crosswalk import Cluster, prune_crosswalk, write_crosswalk
from hub.reconcile.discrepancy_rules import linked_pairs
from hub.reconcile.orders import (
    ORDER_ROW,
    EdiOrigin,
    OrderLine,
    clean_str,
    coerce_decimal,
    find_edi_origins,
    link_orders,
    order_from_row,
    stored_date,
    stored_text,
)
from hub.reconcile.rule_registry import RULE_KINDS, RULES, kinds_in, rules_in
from hub.reconcile.rules_config import RulesConfig
from hub.reconcile.store.bucket_reads import BUCKET_READERS, BucketContext
from hub.reconcile.store.lifecycle import write_findings
from hub.reconcile.store.reads import live_rows
from hub.reconcile.store.reads import memo_rows as stream_rows
from hub.reconcile.store.reads import memo_tuples as stream_tuples
from hub.reconcile.store.scopes import ScopeTable, customer_scopes, order_scopes, scope_rows, scope_table
from hub.store.fast import decimal_positions as _decimals
from hub.store.keyset import key_table
from hub.store.models import CrosswalkLink, Discrepancy
from hub.store.stats import analyze

__all__ = ["detect", "SCOPED_KINDS", "STORE_KINDS", "RULE_KINDS"]

#: the kinds found per customer, and those checked over the whole store (channel inventory)
SCOPED_KINDS = kinds_in(scope="customer")
STORE_KINDS = kinds_in(scope="store")
#: tables the buckets write and read back
LINK_TABLES = (CrosswalkLink.__tablename__, Discrepancy.__tablename__)
#: what the fork server of the stage's helper imports once (its units run here and in golden)
_PRELOAD = (__name__, "hub.reconcile.store.golden")
#: scope of the links of 850 POs no DRP order came from, and of inventory findings
EDI_SCOPE = "*edi"
INVENTORY_SCOPE = "*inventory"

_LINE_FIELDS = ("order_ref", "line_no", "product_ref", "sku", "quantity", "amount")


def _rows(conn: Connection, entity: str, system: str, fields: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every live row of one system, ordered by external id."""
    return live_rows(conn, entity, system, list(fields))


def _bucket_tuples(
    conn: Connection,
    st: ScopeTable,
    bucket: int,
    entity: str,
    system: str,
    party_system: str,
    fields: Iterable[str],
    party_column: str = "party_ref",
) -> Iterator[Sequence[Any]]:
    """Live rows of one system whose customer (``party_column``, a ``party_system`` id) is in the bucket,
    as (scope, external_id, *fields) rows. A NULL customer reads as the empty id (an orphan scope)."""
    names = ["external_id", *fields]
    cols = ", ".join(f"t.{n}" for n in names)
    # CROSS JOIN fixes the join order on SQLite: the bucket's customers first, then their rows by index
    base = (
        f"SELECT s.scope, {cols} FROM {st.name} s CROSS JOIN {entity} t WHERE s.bucket = ? AND s.system = ? "
        f"AND t.system = ? AND t.deleted = ? AND "
    )
    sql = (
        f"{base}t.{party_column} = s.party_ref UNION ALL {base}s.party_ref = '' AND t.{party_column} IS NULL ORDER BY 2"
    )
    params = [bucket, party_system, system, False] * 2
    return stream_tuples(conn, sql, params, [i + 1 for i in _decimals(entity, names)])


def _bucket_lines(conn: Connection, st: ScopeTable, bucket: int, system: str) -> Iterator[Sequence[Any]]:
    """Live order lines of one system whose order's customer is in the bucket, as :data:`_LINE_FIELDS` rows."""
    cols = ", ".join(f"l.{n}" for n in _LINE_FIELDS)
    base = (
        f"SELECT {cols} FROM {st.name} s CROSS JOIN sales_order o CROSS JOIN order_line l WHERE s.bucket = ? "
        f"AND s.system = ? AND o.system = ? AND o.deleted = ? AND l.system = o.system AND l.order_ref = o.external_id "
        f"AND l.deleted = ? AND "
    )
    sql = f"{base}o.party_ref = s.party_ref UNION ALL {base}s.party_ref = '' AND o.party_ref IS NULL"
    params = [bucket, system, system, False, False] * 2
    return stream_tuples(conn, sql, params, _decimals("order_line", _LINE_FIELDS))


def _sku_of_products(conn: Connection, roles: Roles) -> dict[str, str]:
    """CRM product id -> DRP SKU through the product crosswalk (else the CRM's own SKU field)."""
    cw = CrosswalkLink.__table__
    by_cid: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for system, ext, cid in conn.execute(
        select(cw.c.system, cw.c.external_id, cw.c.canonical_id).where(cw.c.entity == "product")
    ):
        by_cid[cid][system].append(ext)
    out = {}
    for members in by_cid.values():
        drp = sorted(members.get(roles.drp, []))
        for crm_id in members.get(roles.crm, []):
            if drp:
                out[crm_id] = drp[0]
    return out


def _line(system: str, r: Sequence[Any], roles: Roles, crm_sku: dict[str, str]) -> OrderLine | None:
    """The line of an :data:`_LINE_FIELDS` row (None without a quantity)."""
    _order, line_no, product, sku, quantity, amount = r
    if quantity is None:
        return None
    sku = sku or (crm_sku.get(product) if system == roles.crm else product)
    return OrderLine(sku, quantity, amount, line_no)


_INVOICE_ROW = ("party_ref", "amount", "open_amount", "invoice_date", "due_date", "order_ref")
_PAYMENT_ROW = ("party_ref", "amount", "payment_date", "memo", "trace")


def _invoice_of(r: Sequence[Any]) -> Invoice:
    """:func:`~hub.reconcile.cashapp.as_invoice` of a (scope, external_id, *:data:`_INVOICE_ROW`) row."""
    _scope, ext, party, amount, open_amount, day, due, order_ref = r
    if type(ext) is not str or not (ext := ext.strip()) or type(amount) is not Decimal:
        return as_invoice(dict(zip(("external_id", *_INVOICE_ROW), r[1:])))
    if open_amount is not None and type(open_amount) is not Decimal:
        open_amount = coerce_decimal(open_amount, "open_amount", ext)
    return Invoice(
        ext,
        stored_text(party),
        amount,
        open_amount,
        stored_date(day, "invoice_date", ext),
        stored_date(due, "due_date", ext),
        stored_text(order_ref),
    )


def _payment_of(r: Sequence[Any]) -> Payment:
    """:func:`~hub.reconcile.cashapp.as_payment` of a (scope, external_id, *:data:`_PAYMENT_ROW`) row."""
    _scope, ext, party, amount, day, memo, trace = r
    if type(ext) is not str or not (ext := ext.strip()) or type(amount) is not Decimal:
        return as_payment(dict(zip(("external_id", *_PAYMENT_ROW), r[1:])))
    return Payment(
        ext, stored_text(party), amount, stored_date(day, "payment_date", ext), memo or None, stored_text(trace)
    )


class _StoreInputs:
    """What the rules over the whole store read (channel inventory)."""

    def __init__(self, **inputs: list[Any]) -> None:
        self.__dict__.update(inputs)


#: integer parts beyond which a stored amount's may not read back exactly (SQLite clamps to 64 bits)
_WHOLE_LIMIT = 2**62


def _drp_by_amount(conn: Connection, roles: Roles, amounts: set[Decimal]) -> Iterator[dict[str, Any]]:
    """The live DRP orders (by external id) whose amount has the integer part of one of ``amounts``:
    a superset of those with one of the amounts, chosen by the database from a key table (the
    stored decimal text's integer prefix on SQLite, ``trunc`` of the numeric on PostgreSQL),
    instead of every order read and converted here."""
    names = ["external_id", "source_ref", "amount", "order_date"]
    if any(not a.is_finite() or abs(int(a)) >= _WHOLE_LIMIT for a in amounts):
        yield from _rows(conn, "sales_order", roles.drp, names[1:])
        return
    part = "TRUNC(o.amount)" if conn.dialect.name == "postgresql" else "CAST(o.amount AS INTEGER)"
    with key_table(conn, ("whole",), sorted({(str(int(a)),) for a in amounts})) as k:
        sql = (
            f"SELECT {', '.join('o.' + n for n in names)} FROM sales_order o WHERE o.system = ? AND o.deleted = ? "
            f"AND CAST({part} AS TEXT) IN (SELECT whole FROM {k}) ORDER BY o.external_id"
        )
        yield from stream_rows(conn, sql, [roles.drp, False], names, _decimals("sales_order", names))


class _EdiIndex:
    """Which DRP orders came from which 850 PO, over every customer (prepared once per run)."""

    def __init__(self, conn: Connection, roles: Roles, rules: RulesConfig) -> None:
        names = list(_LINE_FIELDS)
        sql = f"SELECT {', '.join(names)} FROM order_line WHERE system = ? AND order_ref = ? AND deleted = ?"
        dec = _decimals("order_line", names)

        def lines(system: str, ext: str) -> list[OrderLine]:
            out = (_line(system, r, roles, {}) for r in stream_tuples(conn, sql, [system, ext, False], dec))
            return [ln for ln in out if ln is not None]

        edi = clean_str(roles.edi) or ""
        edi_sql = (
            f"SELECT {', '.join(ORDER_ROW)} FROM sales_order WHERE system = ? AND deleted = ? ORDER BY external_id"
        )
        edi_orders = [
            order_from_row(edi, r)
            for r in stream_tuples(conn, edi_sql, [roles.edi, False], _decimals("sales_order", ORDER_ROW))
        ]
        self.po_ext = {o.order_number: o.external_id for o in edi_orders if o.order_number}
        self.all_pos = sorted(o.external_id for o in edi_orders)
        refs_sql = (
            "SELECT external_id, source_ref FROM sales_order WHERE system = ? AND deleted = ? "
            "AND source_ref IS NOT NULL ORDER BY external_id"
        )
        self.origins: dict[str, EdiOrigin] = find_edi_origins(
            lambda: (
                {**r, "system": roles.drp}
                for r in _rows(conn, "sales_order", roles.drp, ("source_ref", "amount", "order_date"))
            ),
            edi_orders,
            lines,
            rules.orders.link,
            # the 来源单号 pass reads the orders with a reference, and only that (no amounts or dates to convert)
            drp_refs=lambda: (
                {**r, "system": roles.drp}
                for r in stream_rows(conn, refs_sql, [roles.drp, False], ["external_id", "source_ref"])
            ),
            drp_by_amount=lambda amounts: ({**r, "system": roles.drp} for r in _drp_by_amount(conn, roles, amounts)),
        )
        del edi_orders

    def po_of(self, origin: EdiOrigin) -> str:
        return self.po_ext.get(origin.po_number, origin.po_number)

    def for_buckets(self) -> _EdiIndex:
        """What a bucket reads of the index (origins, PO numbers), without the list of every PO."""
        slim = object.__new__(_EdiIndex)
        slim.po_ext, slim.origins, slim.all_pos = self.po_ext, self.origins, []
        return slim


class _Bucket:
    """One bucket's orders linked and checked: order clusters, findings and each one's scope."""

    def __init__(self, roles: Roles) -> None:
        self.roles = roles
        self.clusters: list[Cluster] = []
        self.cluster_scope: dict[tuple[str, str], str] = {}  # first member -> scope
        self.findings: list[Any] = []
        self.scope: dict[
            tuple[str, ...], str
        ] = {}  # ("order", system, id) / ("payment", id) / ("party", code) -> scope (a rule's keyed_by)
        self.stats: Counter[str] = Counter()
        self.attached: list[str] = []  # 850 POs attached to this bucket's DRP orders

    def scope_of_cluster(self, cl: Cluster) -> str | None:
        """The scope of an order cluster: its first member's."""
        return self.cluster_scope.get(cl.members[0])

    def scope_of(self, f: Any) -> str | None:
        keyed_by = RULES[f.kind].keyed_by
        if keyed_by != "order":
            return self.scope.get((keyed_by, f.key[0]))
        system = {"crm": self.roles.crm, "drp": self.roles.drp}.get(f.system, f.system)
        return self.scope.get(("order", system, f.key[0]))


class _BucketInputs:
    """What the rules of one bucket read: order inputs set by the caller, the rest read on first use."""

    def __init__(
        self, conn: Connection, st: ScopeTable, bucket: int, roles: Roles, rules: RulesConfig, out: _Bucket
    ) -> None:
        self._conn, self._st, self._bucket, self._roles, self._rules, self._out = conn, st, bucket, roles, rules, out
        self.crm_orders: list[Any] = []
        self.drp_orders: list[Any] = []
        self.lines: Any = None
        self.linked_crm_ids: Any = ()
        self.linked_drp_nos: Any = ()
        self.edi_order_nos: Any = ()
        self.known_drp_customers: set[str] = set()
        self.linked_pairs: list[Any] = []
        self.party_canonical: dict[tuple[str, str], str] = {}
        self.party_systems: dict[str, frozenset[str]] = {}

    def _rows(
        self, entity: str, system: str, party_system: str, fields: Sequence[str], **kw: Any
    ) -> Iterator[dict[str, Any]]:
        """:meth:`_tuples` as dicts with ``scope``, ``external_id`` and the fields."""
        names = ["scope", "external_id", *fields]
        return map(dict, map(partial(zip, names), self._tuples(entity, system, party_system, fields, **kw)))

    def __getattr__(self, name: str) -> Any:
        """An input of :data:`BUCKET_READERS`, read the first time a rule asks for it."""
        reader = BUCKET_READERS.get(name)
        if reader is None or name.startswith("_"):
            raise AttributeError(name)
        value = self.__dict__[name] = reader(BucketContext(self._conn, self._roles, self._rows, self))
        return value

    def _tuples(
        self, entity: str, system: str, party_system: str, fields: Sequence[str], **kw: Any
    ) -> Iterator[Sequence[Any]]:
        return _bucket_tuples(self._conn, self._st, self._bucket, entity, system, party_system, fields, **kw)

    @cached_property
    def invoices(self) -> list[Any]:
        drp = self._roles.drp
        rows = self._tuples("invoice", drp, drp, _INVOICE_ROW)
        return [_invoice_of(r) for r in rows]  # the row's scope is not an invoice field: ignored

    @cached_property
    def applications(self) -> list[Any]:
        conn, roles = self._conn, self._roles
        payments = []
        scope = self._out.scope
        for r in self._tuples("payment", roles.drp, roles.drp, _PAYMENT_ROW):
            scope[("payment", r[1])] = r[0]
            payments.append(_payment_of(r))
        payments.sort(key=lambda p: (p.payment_date or dt.date.min, p.external_id))
        remits = [
            as_remittance_line(r)
            for r in self._rows(
                "remittance_line",
                roles.edi,
                roles.drp,
                (
                    "trace",
                    "party_ref",
                    "payment_amount",
                    "payment_date",
                    "invoice_ref",
                    "paid_amount",
                    "invoice_amount",
                ),
            )
        ]
        owner_sql = "SELECT party_ref FROM invoice WHERE system = ? AND external_id = ? AND deleted = ?"

        def invoice_owner(no: str) -> str | None:
            got = next(stream_rows(conn, owner_sql, [roles.drp, no, False], ["party_ref"], []), None)
            return None if got is None else got["party_ref"]

        return list(apply_payments(payments, self.invoices, remits, self._rules.payments, invoice_owner))

    @cached_property
    def drp_parties(self) -> list[dict[str, Any]]:
        drp = self._roles.drp
        out = []
        for r in self._rows(
            "party", drp, drp, ("name", "credit_limit", "channel_level", "parent_ref"), party_column="external_id"
        ):
            self._out.scope[("party", r["external_id"])] = r.pop("scope")
            r["system"] = drp
            out.append(r)
        return out

    @cached_property
    def crm_parties(self) -> list[dict[str, Any]]:
        crm = self._roles.crm
        rows = self._rows("party", crm, crm, ("name", "channel_level", "parent_ref"), party_column="external_id")
        out = []
        for r in rows:
            del r["scope"]
            r["system"] = crm
            out.append(r)
        return out


def _detect_bucket(
    conn: Connection,
    st: ScopeTable,
    bucket: int,
    rules: RulesConfig,
    roles: Roles,
    crm_sku: dict[str, str],
    edi: _EdiIndex,
    known: dict[tuple[str, str], str],
    party_systems: dict[str, frozenset[str]],
) -> _Bucket:
    out = _Bucket(roles)
    parties = st.scopes_of(conn, bucket)
    crm_cust = {ref: sc for s, ref, sc in parties if s == roles.crm and not sc.startswith("?")}
    drp_cust = {ref: sc for s, ref, sc in parties if s == roles.drp and not sc.startswith("?")}

    def orders(system: str) -> list[Any]:
        got = []
        scope, clean = out.scope, clean_str(system) or ""
        for r in _bucket_tuples(conn, st, bucket, "sales_order", system, system, ORDER_ROW[1:]):
            scope[("order", system, r[1])] = r[0]
            got.append(order_from_row(clean, r[1:]))
        return got

    crm_orders, drp_orders = orders(roles.crm), orders(roles.drp)
    lines: dict[tuple[str, str], list[OrderLine]] = defaultdict(list)
    for system in (roles.crm, roles.drp):
        for r in _bucket_lines(conn, st, bucket, system):
            ln = _line(system, r, roles, crm_sku)
            if ln is not None:
                lines[(system, r[0])].append(ln)

    def lookup(system: str, ext: str) -> list[OrderLine]:
        return lines.get((system, ext), [])

    res = link_orders(
        crm_orders,
        drp_orders,
        crm_customers=crm_cust,
        drp_customers=drp_cust,
        lines=lookup,
        config=rules.orders.link,
        origins=edi.origins,
    )

    # crosswalk clusters: linked pairs, DRP orders with the 850 they came from, singletons
    members: dict[str, list[tuple[str, str]]] = {}
    why: dict[tuple[str, str], tuple[str, float | None, dict[str, Any] | None]] = {}
    for lk in res.links:
        a, b = (roles.crm, lk.crm_order_id), (roles.drp, lk.drp_order_no)
        members[lk.drp_order_no] = [a, b]
        why[a] = why[b] = (lk.rule, float(lk.score), {"rule": lk.rule, "explain": lk.explanation})
    for drp_no, origin in res.edi_origins.items():
        po = (roles.edi, edi.po_of(origin))
        out.attached.append(po[1])
        members.setdefault(drp_no, [(roles.drp, drp_no)]).append(po)
        why[po] = (origin.rule, 1.0, {"rule": origin.rule, "po_number": origin.po_number})
        why.setdefault((roles.drp, drp_no), why[po])
    for drp_no, m in members.items():
        cl = Cluster(tuple(sorted(set(m))), {k: why[k] for k in set(m) if k in why})
        out.clusters.append(cl)
        out.cluster_scope[cl.members[0]] = out.scope[("order", roles.drp, drp_no)]
    placed = {k for m in members.values() for k in m}
    for system, os_ in ((roles.crm, crm_orders), (roles.drp, drp_orders)):
        for o in os_:
            if (system, o.external_id) not in placed:
                cl = Cluster(((system, o.external_id),))
                out.clusters.append(cl)
                out.cluster_scope[cl.members[0]] = out.scope[("order", system, o.external_id)]

    crm_by_id = {o.external_id: o for o in crm_orders}
    drp_by_no = {o.external_id: o for o in drp_orders}
    crm_canon = set(crm_cust.values())
    inputs = _BucketInputs(conn, st, bucket, roles, rules, out)
    inputs.crm_orders, inputs.drp_orders, inputs.lines = crm_orders, drp_orders, lookup
    inputs.linked_crm_ids, inputs.linked_drp_nos, inputs.edi_order_nos = (
        res.crm_to_drp(),
        res.drp_to_crm(),
        res.edi_origins,
    )
    inputs.known_drp_customers = {
        code for code, cid in drp_cust.items() if cid in crm_canon
    }  # DRP customers the CRM knows
    inputs.linked_pairs = list(linked_pairs(res.links, crm_by_id, drp_by_no))
    inputs.party_canonical, inputs.party_systems = known, party_systems
    f = out.findings
    for rule in rules_in(scope="customer"):
        f += rule.run(inputs, rules)
    out.stats.update(
        order_links=len(res.links), edi_origins=len(res.edi_origins), rejected_refs=len(res.rejected), findings=len(f)
    )
    return out


def _party_systems(known: dict[tuple[str, str], str]) -> dict[str, frozenset[str]]:
    """Per canonical customer, the systems that hold it."""
    held: dict[str, set[str]] = defaultdict(set)
    for (system, _ref), cid in known.items():
        held[cid].add(system)
    one: dict[frozenset[str], frozenset[str]] = {}  # a handful of distinct sets: each kept once
    out: dict[str, frozenset[str]] = {}
    for cid, systems in held.items():
        fs = frozenset(systems)
        out[cid] = one.setdefault(fs, fs)
    return out


def _registry() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules and bucket inputs this process knows (a helper refuses to work with others)."""
    return tuple(sorted(RULES)), tuple(sorted(BUCKET_READERS))


@contextmanager
def _bucket_helper(
    url: str,
    roles: Roles,
    rows: list[tuple[str, str, str, int]],
    rules: RulesConfig,
    crm_sku: dict[str, str],
    edi: _EdiIndex,
    known: dict[tuple[str, str], str],
    registry: tuple[tuple[str, ...], tuple[str, ...]],
) -> Iterator[Callable[[int], _Bucket]]:
    """In a helper process: buckets linked and checked over its own connection and scope table."""
    if registry != _registry():
        raise RuntimeError("the helper knows other rules than the run")
    party_systems = _party_systems(known)
    with own_connection(url) as conn, scope_table(conn, roles, rows=rows) as st:
        yield lambda bucket: _detect_bucket(conn, st, bucket, rules, roles, crm_sku, edi, known, party_systems)


def detect(
    conn: Connection,
    rules: RulesConfig,
    roles: Roles,
    run_id: int,
    *,
    link: bool,
    scopes: set[str] | None = None,
    changed_pos: Iterable[str] = (),
    inventory: bool = True,
    known: dict[tuple[str, str], str] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    """Link orders (when ``link``: into the crosswalk) and run every enabled rule.

    ``scopes`` None checks every customer, and resolves whatever is no longer found anywhere;
    else only the customers named (an incremental run), plus the 850 POs whose link may have
    changed. ``inventory`` re-checks channel inventory. ``known``: the customer scopes
    (:func:`customer_scopes`) when the caller has read them. ``workers`` 2: a helper process
    links and checks some of the buckets (:func:`~hub.helper.shared_map`); this
    one writes every bucket's results, in bucket order. Returns the stage detail: order links
    (and ``helper_buckets``, those the helper checked), crosswalk changes and the discrepancy
    lifecycle counts.
    """
    crm_sku = _sku_of_products(conn, roles)
    edi = _EdiIndex(conn, roles, rules)
    stats: Counter[str] = Counter()
    xw: Counter[str] = Counter()
    life: Counter[str] = Counter()
    attached: set[str] = set()
    if scopes is not None:  # a changed 850 may now be the origin of a DRP order of a customer not re-checked
        changed = set(changed_pos)
        drp_nos = [dno for dno, o in edi.origins.items() if edi.po_of(o) in changed]
        scopes = scopes | order_scopes(conn, roles.drp, drp_nos) if drp_nos else scopes
    if link:
        xw["links_removed"] += prune_crosswalk(conn, "sales_order", "sales_order")
    known = customer_scopes(conn, roles) if known is None else known
    party_systems = _party_systems(known)
    rows = scope_rows(conn, roles, scopes, known)
    with scope_table(conn, roles, rows=rows) as st:
        growth = _Growth()
        remote = remote_for(conn, _bucket_helper, roles, rows, rules, crm_sku, edi.for_buckets(), known, _registry())
        helped: dict[str, int] = {}

        def local(bucket: int) -> _Bucket:
            return _detect_bucket(conn, st, bucket, rules, roles, crm_sku, edi, known, party_systems)

        for bucket, b in zip(st.buckets, shared_map(st.buckets, local, remote, workers, helped, preload=_PRELOAD)):
            stats.update(b.stats)
            attached.update(b.attached)
            within = (f"d.scope IN (SELECT scope FROM {st.name} WHERE bucket = :b)", {"b": bucket})
            counted = write_findings(conn, b.findings, run_id, SCOPED_KINDS, scope_of=b.scope_of, within=within)
            life.update(counted)
            written = counted["opened"]
            if link:
                links = write_crosswalk(conn, "sales_order", b.clusters, run_id, partial=True, scope=b.scope_of_cluster)
                xw.update(links)
                written += links["links_changed"]
            growth.wrote(conn, written)
        if scopes is None:  # found under no customer any more (or written before scopes existed)
            # NOT EXISTS over an index, not NOT IN: PostgreSQL scans a NOT IN subquery for every
            # row once it outgrows its work memory (a scope per customer record)
            conn.exec_driver_sql(f"CREATE INDEX {st.name}_scope ON {st.name} (scope)")
            orphans = f"d.scope IS NULL OR NOT EXISTS (SELECT s.scope FROM {st.name} s WHERE s.scope = d.scope)"
            life.update(write_findings(conn, [], run_id, SCOPED_KINDS, within=(orphans, {})))
        else:  # customers re-checked that no longer exist (merged away): their findings go
            gone = scopes - set(r[0] for r in conn.execute(text(f"SELECT DISTINCT scope FROM {st.name}")))
            if gone:
                with key_table(conn, ("scope",), ((g,) for g in gone)) as t:
                    life.update(
                        write_findings(
                            conn, [], run_id, SCOPED_KINDS, within=(f"d.scope IN (SELECT scope FROM {t})", {})
                        )
                    )
        if link:
            xw.update(_write_unattached_pos(conn, roles, edi, attached, run_id, scopes, st))
        if helped.get("helper"):
            stats["helper_buckets"] = helped["helper"]
    if inventory:
        locations = list(_rows(conn, "location", roles.drp, ("kind", "owner_ref")))
        stock = list(
            _rows(conn, "inventory", roles.drp, ("location_ref", "party_ref", "sku", "as_of", "on_hand", "report_ref"))
        )
        edi_stock = list(
            _rows(conn, "inventory", roles.edi, ("location_ref", "party_ref", "sku", "as_of", "on_hand", "report_ref"))
        )
        whole = _StoreInputs(locations=locations, drp_stock=stock, edi_stock=edi_stock)
        found = [d for rule in rules_in(scope="store") for d in rule.run(whole, rules)]
        stats["findings"] += len(found)
        life.update(write_findings(conn, found, run_id, STORE_KINDS, scope_of=lambda _f: INVENTORY_SCOPE))
    return {
        "orders": dict(stats),
        "crosswalk": dict(xw),
        "discrepancies": {k: life.get(k, 0) for k in ("opened", "changed", "resolved")},
    }


class _Growth:
    """Fresh planner statistics for the tables the buckets fill while the next ones read them.

    The stage analyses its tables when it starts; on a first run the discrepancies and order
    links are then empty, and PostgreSQL, planning each bucket's read of them as if they still
    were, joins them row by row against the bucket's customers (seconds per bucket). They are
    analysed again each time they have doubled since (a handful of times per run).
    """

    def __init__(self) -> None:
        self.rows = 0
        self.analysed = 0

    def wrote(self, conn: Connection, rows: int) -> None:
        self.rows += rows
        if self.rows >= 2 * self.analysed + 1000:
            analyze(conn, LINK_TABLES)
            self.analysed = self.rows


def _write_unattached_pos(
    conn: Connection,
    roles: Roles,
    edi: _EdiIndex,
    attached: set[str],
    run_id: int,
    scopes: set[str] | None,
    st: ScopeTable,
) -> Counter[str]:
    """850 POs no DRP order came from, as singletons: all of them, or (incremental) those whose
    link was written under a re-checked customer or that changed."""
    if scopes is None:
        todo = [po for po in edi.all_pos if po not in attached]
    else:
        rows = conn.execute(
            text(
                f"SELECT c.external_id FROM crosswalk c WHERE c.entity = 'sales_order' AND c.system = :s AND "
                f"(c.scope IN (SELECT scope FROM {st.name}) OR c.scope IS NULL)"
            ),
            {"s": roles.edi},
        )
        linked_before = {r[0] for r in rows}
        current = set(edi.all_pos)
        todo = sorted(po for po in linked_before if po in current and po not in attached)
        todo += [po for po in _missing_links(conn, roles.edi, edi.all_pos) if po not in attached]
    xw: Counter[str] = Counter()
    for start in range(0, len(todo), 10_000):
        clusters = [Cluster(((roles.edi, po),)) for po in todo[start : start + 10_000]]
        xw.update(write_crosswalk(conn, "sales_order", clusters, run_id, partial=True, scope=lambda _c: EDI_SCOPE))
    return xw


def _missing_links(conn: Connection, system: str, ids: list[str]) -> list[str]:
    """Which of ``ids`` have no crosswalk link yet (new POs)."""
    with key_table(conn, ("external_id",), ((i,) for i in ids)) as k:
        sql = (
            f"SELECT k.external_id FROM {k} k LEFT JOIN crosswalk c ON c.entity = 'sales_order' AND c.system = :s "
            "AND c.external_id = k.external_id WHERE c.external_id IS NULL"
        )
        return sorted(r[0] for r in conn.execute(text(sql), {"s": system}))
