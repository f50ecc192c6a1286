"""The Tryton backend adapter: check, discover, incremental reads by change window, party and draft-sale writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from hub.connector import Batch, Change, Check, ConnectorContext, Record, StreamInfo, WriteResult
from hub.errors import ClientError, ConfigError, DataError, DiscoveryError, HubError, ServerError

from .client import TrytonClient, write_lock
from .config import TrytonConfig
from .streams import (
    OUT_FIELDS,
    STOCK_FIELDS,
    STOCK_STREAM,
    STREAMS,
    StreamSpec,
    party_create_values,
    sale_create_values,
    stock_rows,
    updated_at,
)


def _ts_after(ts: dt.datetime) -> list[Any]:
    return ["OR", [("write_date", ">", ts)], [("write_date", "=", None), ("create_date", ">", ts)]]


def _ts_upto(ts: dt.datetime) -> list[Any]:
    return ["OR", [("write_date", "<=", ts)], [("write_date", "=", None), ("create_date", "<=", ts)]]


def _parse_ts(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.rstrip("Z")) if value else None


def _fmt_ts(value: dt.datetime) -> str:
    return value.isoformat() + "Z"


class TrytonConnector:
    """Reads parties, products, stock, sales, sale lines, invoices and payments; writes parties and draft sales."""

    def __init__(self, config: TrytonConfig, context: ConnectorContext, client: TrytonClient | None = None) -> None:
        self.config = config
        self.system = context.system
        password = context.secrets.get("password") or (config.password.get_secret_value() if config.password else None)
        self.client = client or TrytonClient(
            config.url, config.database, config.username, password,
            timeout=config.timeout, verify_tls=config.verify_tls, language=config.language,
            context=config.context, system=self.system,
        )  # fmt: skip

    # -- protocol ------------------------------------------------------------------------
    def check(self) -> list[Check]:
        checks: list[Check] = []
        try:
            self.client.login()
            checks.append(Check("login", True, f"user id {self.client.user_id} on {self.config.database}"))
        except HubError as exc:
            return [Check("login", False, str(exc))]
        for spec in STREAMS.values():
            try:
                self.client.call(spec.model, "search_count", list(spec.domain))
                checks.append(Check(f"read {spec.model}", True))
            except HubError as exc:
                checks.append(Check(f"read {spec.model}", False, str(exc)))
        return checks

    def discover(self) -> list[StreamInfo]:
        infos = [
            StreamInfo(
                name=s.name,
                key_fields=("id",),
                fields=OUT_FIELDS[s.name],
                cursor_field="updated_at",
                writable=s.writable,
                description=s.description,
            )  # fmt: skip
            for s in STREAMS.values()
        ]
        infos.append(
            StreamInfo(
                STOCK_STREAM,
                ("location_code", "sku"),
                STOCK_FIELDS,
                None,
                False,
                "quantity per location and product (snapshot)",
            )
        )
        return infos

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        if stream == STOCK_STREAM:
            yield from self._read_stock()
            return
        spec = STREAMS.get(stream)
        if spec is None:
            raise DiscoveryError(
                f"unknown stream {stream!r}; streams: {', '.join([*STREAMS, STOCK_STREAM])}", system=self.system
            )
        yield from self._read_window(spec, dict(state or {}))

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        if stream == "parties":
            apply = self._write_party
        elif stream == "sales":
            apply = self._write_sale
        else:
            raise DiscoveryError(
                f"stream {stream!r} is not writable; writable: parties, sales", system=self.system, stream=stream
            )
        lock = write_lock(self.client.url, self.client.database)
        for change in changes:
            try:
                with lock:  # look-up and create/update of one change happen as one serialized step
                    external_id, created = apply(change)
                yield WriteResult(change.idempotency_key, True, external_id=external_id, created=created)
            except (ClientError, ServerError, DataError) as exc:
                exc.stream = exc.stream or stream
                exc.system = exc.system or self.system
                exc.external_id = exc.external_id or change.key
                yield WriteResult(change.idempotency_key, False, external_id=change.key, error=exc)

    def close(self) -> None:
        self.client.close()

    # -- reads ---------------------------------------------------------------------------
    def _latest_change(self, spec: StreamSpec) -> dt.datetime | None:
        latest: dt.datetime | None = None
        for fname in ("write_date", "create_date"):
            rows = self.client.search_read(
                spec.model, [*spec.domain, (fname, "!=", None)], [fname], limit=1, order=[(fname, "DESC")]
            )
            if rows and rows[0][fname] and (latest is None or rows[0][fname] > latest):
                latest = rows[0][fname]
        return latest

    def _read_window(self, spec: StreamSpec, state: dict[str, Any]) -> Iterator[Batch]:
        since = _parse_ts(state.get("since"))
        until = _parse_ts(state.get("until")) or self._latest_change(spec)
        after_id = int(state.get("after_id") or 0)
        if until is None:  # the model is empty
            yield Batch([], {"since": state.get("since")}, final=True)
            return
        window: list[Any] = [*spec.domain, _ts_upto(until)]
        if since is not None:
            window.append(_ts_after(since))
        size = self.config.batch_size
        fields = [*spec.fields, *self._present(spec)]
        while True:
            rows = self.client.search_read(
                spec.model, [*window, ("id", ">", after_id)], fields, limit=size, order=[("id", "ASC")]
            )
            kids = self._children(spec, rows)
            records = [
                Record(spec.name, str(r["id"]), spec.flatten(r, kids), location=f"{spec.model},{r['id']}")
                for r in rows
                if updated_at(r) is not None
            ]
            if len(rows) < size:
                yield Batch(records, {"since": _fmt_ts(until)}, final=True)
                return
            after_id = rows[-1]["id"]
            yield Batch(records, {"since": state.get("since"), "until": _fmt_ts(until), "after_id": after_id})

    def _present(self, spec: StreamSpec) -> list[str]:
        """The optional fields of ``spec`` the server's model has (asked once per connector)."""
        if not spec.optional:
            return []
        cache = self.__dict__.setdefault("_optional", {})
        if spec.name not in cache:
            found = self.client.call(spec.model, "fields_get", list(spec.optional))
            cache[spec.name] = [f for f in spec.optional if f in (found or {})]
        return cache[spec.name]

    def _children(self, spec: StreamSpec, rows: list[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
        out: dict[str, dict[int, dict[str, Any]]] = {}
        for child in spec.children:
            ids = sorted({i for r in rows for i in (r.get(child.ids_field) or [])})
            found = self.client.call(child.model, "read", ids, list(child.fields)) if ids else []
            out[child.name] = {row["id"]: child.flatten(row) for row in found}
        return out

    def _read_stock(self) -> Iterator[Batch]:
        domain: list[Any] = (
            [("code", "in", self.config.stock_locations)]
            if self.config.stock_locations
            else [("type", "=", "warehouse")]
        )
        locations = self.client.search_read("stock.location", domain, ["code", "name", "type"], order=[("id", "ASC")])
        if self.config.stock_locations and len(locations) < len(set(self.config.stock_locations)):
            missing = set(self.config.stock_locations) - {loc["code"] for loc in locations}
            raise ConfigError(f"stock locations not found in Tryton: {', '.join(sorted(missing))}", system=self.system)
        today = dt.date.today()
        for loc in locations:
            ctx = {"locations": [loc["id"]], "with_childs": True, "stock_date_end": today}
            after_id = 0
            while True:
                products = self.client.search_read(
                    "product.product", [("type", "=", "goods"), ("id", ">", after_id)],
                    ["code", "quantity", "forecast_quantity"], limit=self.config.batch_size, order=[("id", "ASC")], context=ctx,
                )  # fmt: skip
                records = [
                    Record(STOCK_STREAM, key, data, location=f"stock.location,{loc['id']}")
                    for key, data in stock_rows(loc, products, today)
                ]
                if records:
                    yield Batch(records, {})
                if len(products) < self.config.batch_size:
                    break
                after_id = products[-1]["id"]
        yield Batch([], {"as_of": today.isoformat()}, final=True)

    # -- writes --------------------------------------------------------------------------
    def _country_id(self, code: str | None) -> int | None:
        if not code:
            return None
        rows = self.client.search_read("country.country", [("code", "=", code.upper())], ["id"], limit=1)
        if not rows:
            raise ClientError(f"unknown country code {code!r}", field="country")
        return rows[0]["id"]

    def _find_party(self, change: Change) -> dict[str, Any] | None:
        if change.key:
            rows = self.client.search_read(
                "party.party", [("id", "=", int(change.key))], ["code", "addresses", "contact_mechanisms"]
            )
            if not rows:
                raise ClientError(f"party {change.key} does not exist", external_id=change.key)
            return rows[0]
        match = change.match_field or "code"
        value = change.data.get(match)
        if change.op == "upsert" and value:
            rows = self.client.search_read(
                "party.party", [(match, "=", value)], ["code", "addresses", "contact_mechanisms"], limit=1
            )
            return rows[0] if rows else None
        return None

    def _write_party(self, change: Change) -> tuple[str, bool]:
        if change.op not in ("create", "update", "upsert"):
            raise ClientError(f"unsupported operation {change.op!r} on parties", field="op")
        existing = None if change.op == "create" else self._find_party(change)
        if change.op == "update" and existing is None:
            raise ClientError("update needs the party id as key", field="key")
        country_id = self._country_id(change.data.get("country"))
        if existing is None:
            (new_id,) = self.client.create("party.party", [party_create_values(change.data, country_id)])
            return str(new_id), True
        values: dict[str, Any] = {"name": change.data["name"]} if change.data.get("name") else {}
        if change.data.get("code") and change.data["code"] != existing.get("code"):
            values["code"] = change.data["code"]  # Tryton refuses this once set; its error is the answer
        address: dict[str, Any] = {k: change.data[k] for k in ("street", "city", "postal_code") if k in change.data}
        if country_id:
            address["country"] = country_id
        if address:
            if existing["addresses"]:
                values["addresses"] = [["write", existing["addresses"][:1], address]]
            else:
                values["addresses"] = [["create", [address]]]
        mechanisms = (
            self.client.call("party.contact_mechanism", "read", existing["contact_mechanisms"], ["type"])
            if existing["contact_mechanisms"]
            else []
        )
        ops: list[Any] = []
        for kind in ("phone", "email", "website"):
            if change.data.get(kind):
                same = [m["id"] for m in mechanisms if m["type"] == kind]
                ops.append(
                    ["write", same[:1], {"value": change.data[kind]}]
                    if same
                    else ["create", [{"type": kind, "value": change.data[kind]}]]
                )
        if ops:
            values["contact_mechanisms"] = ops
        if values:
            self.client.write("party.party", [existing["id"]], values)
        return str(existing["id"]), False

    def _write_sale(self, change: Change) -> tuple[str, bool]:
        if change.op != "create":
            raise ClientError(f"only draft sales can be created over RPC; got {change.op!r}", field="op")
        data = change.data
        if data.get("party_id"):
            party_domain: list[Any] = [("id", "=", int(data["party_id"]))]
        elif data.get("party_code"):
            party_domain = [("code", "=", data["party_code"])]
        else:
            raise DataError("a sale needs party_id or party_code", field="party_code")
        parties = self.client.search_read("party.party", party_domain, ["code", "addresses"], limit=1)
        if not parties:
            raise ClientError(f"party {data.get('party_code') or data.get('party_id')} not found", field="party_code")
        if data.get("reference"):  # idempotent: a live sale of this party with this reference is the one asked for
            same = self.client.search_read(
                "sale.sale",
                [("party", "=", parties[0]["id"]), ("reference", "=", data["reference"]), ("state", "!=", "cancelled")],
                ["id"],
                limit=1,
            )
            if same:
                return str(same[0]["id"]), False
        skus = sorted({line.get("sku") for line in data.get("lines") or [] if line.get("sku")})
        products = self.client.search_read(
            "product.product", [("code", "in", skus)], ["code", "name", "default_uom.id", "template.list_price"]
        ) if skus else []  # fmt: skip
        values = sale_create_values(data, parties[0], {p["code"]: p for p in products})
        (new_id,) = self.client.create("sale.sale", [values])
        return str(new_id), True


def build(config: TrytonConfig, context: ConnectorContext) -> TrytonConnector:
    """Factory registered for the ``tryton`` kind."""
    return TrytonConnector(config, context)
