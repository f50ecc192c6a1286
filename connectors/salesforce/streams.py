"""Reading and writing sObjects: SOQL building, typed records, the (SystemModstamp, Id) cursor, write results.

Reads order by ``cursor_field, Id`` and carry the last ``(cursor, id)`` pair in every batch,
so a run resumed from any committed batch neither skips nor repeats rows with equal stamps.
Bulk 2.0 reads are not ordered: their intermediate batches keep the old cursor and only the
final batch moves it. REST and Bulk records are normalised to the same values (datetimes as
``...sssZ``, numbers as floats, empty CSV cells as None) so switching paths changes no hash.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.config import ObjectConfig, SalesforceConfig
from hub.connector import Batch, Change, Record, WriteResult
from hub.errors import ClientError, MappingError

__all__ = ["build_soql", "normalise", "read_object", "write_object", "soql_datetime"]

_NUMERIC = {"double", "currency", "percent"}
_COMPOUND = {"address", "location"}


def _stamp(value: str) -> dt.datetime:
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def soql_datetime(value: str) -> str:
    """A SOQL datetime literal for a stored cursor value."""
    moment = _stamp(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if not moment.microsecond else _iso(moment)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def normalise(value: Any, ftype: str) -> Any:
    """One field value from REST JSON or Bulk CSV in the connector's canonical form."""
    if value is None or value == "":
        return None
    if ftype == "boolean":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if ftype in _NUMERIC:
        return float(value)
    if ftype == "int":
        return int(float(value))
    if ftype == "datetime":
        return _iso(_stamp(str(value)))
    return value


def select_fields(obj: ObjectConfig, describe: dict[str, Any]) -> dict[str, str]:
    """Field name → type for the fields to read (configured or all non-compound ones)."""
    types = {f["name"]: f["type"] for f in describe.get("fields", [])}
    wanted = obj.fields or [n for n, t in types.items() if t not in _COMPOUND]
    for must in ("Id", obj.cursor_field) + (("IsDeleted",) if obj.include_deleted else ()):
        if must not in wanted and must in types:
            wanted = [*wanted, must]
    unknown = [f for f in wanted if f not in types]
    if unknown:
        from hub.errors import DiscoveryError

        raise DiscoveryError(f"{obj.object} has no field(s) {', '.join(unknown)}", field=unknown[0])
    return {f: types[f] for f in wanted}


def build_soql(obj: ObjectConfig, fields: Iterable[str], state: dict[str, Any], *, ordered: bool = True) -> str:
    """SELECT ... WHERE <after cursor> [AND (<where>)] [ORDER BY cursor, Id]."""
    conditions = []
    if state.get("cursor"):
        stamp = soql_datetime(state["cursor"])
        c = obj.cursor_field
        if state.get("id"):
            conditions.append(f"({c} > {stamp} OR ({c} = {stamp} AND Id > {_quote(state['id'])}))")
        else:
            conditions.append(f"{c} > {stamp}")
    if obj.where:
        conditions.append(f"({obj.where})")
    text = f"SELECT {', '.join(fields)} FROM {obj.object}"
    if conditions:
        text += " WHERE " + " AND ".join(conditions)
    if ordered:
        text += f" ORDER BY {obj.cursor_field} ASC, Id ASC"
    return text


def _record(stream: str, row: dict[str, Any], types: dict[str, str], location: str) -> Record:
    data: dict[str, Any] = {}
    error = None
    for name, ftype in types.items():
        try:
            data[name] = normalise(row.get(name), ftype)
        except (TypeError, ValueError):
            data[name] = row.get(name)
            error = MappingError(
                f"value {row.get(name)!r} is not a {ftype}", stream=stream, field=name, external_id=row.get("Id")
            )
    return Record(stream, str(row.get("Id") or ""), data, location=location, error=error)


def read_object(
    client: SalesforceClient,
    config: SalesforceConfig,
    stream: str,
    obj: ObjectConfig,
    types: dict[str, str],
    state: dict[str, Any] | None,
) -> Iterator[Batch]:
    """Yield batches of one object, through REST paging or Bulk 2.0 above the threshold."""
    state = dict(state or {})
    threshold = obj.bulk_threshold if obj.bulk_threshold is not None else config.bulk_threshold
    use_bulk = threshold == 0
    if not use_bulk:
        count_soql = build_soql(obj, ["COUNT()"], state, ordered=False)
        use_bulk = client.count(count_soql, obj.include_deleted, stream=stream) >= threshold
    if use_bulk:
        yield from _read_bulk(client, config, stream, obj, types, state)
        return
    soql = build_soql(obj, list(types), state)
    pending: Batch | None = None
    for page in client.query_pages(soql, obj.include_deleted, stream=stream):
        records = [_record(stream, row, types, f"{obj.object}/{row.get('Id')}") for row in page]
        if pending is not None:
            yield pending
        if records:
            last = records[-1].data
            state = {**state, "cursor": last[obj.cursor_field], "id": last["Id"]}
        pending = Batch(records, dict(state))
    yield Batch(pending.records if pending else [], dict(state), final=True)


def _read_bulk(
    client: SalesforceClient,
    config: SalesforceConfig,
    stream: str,
    obj: ObjectConfig,
    types: dict[str, str],
    state: dict[str, Any],
) -> Iterator[Batch]:
    soql = build_soql(obj, list(types), state, ordered=False)
    best: tuple[str, str] | None = (state["cursor"], state.get("id", "")) if state.get("cursor") else None
    best_key = (_stamp(best[0]), best[1]) if best else None
    chunk: list[Record] = []
    for text in client.bulk_query_pages(soql, obj.include_deleted, stream=stream):
        for row in csv.DictReader(io.StringIO(text)):
            record = _record(stream, row, types, f"{obj.object}/{row.get('Id')}")
            stamp = record.data.get(obj.cursor_field)
            if stamp:
                key = (_stamp(stamp), record.key)
                if best_key is None or key > best_key:
                    best_key, best = key, (stamp, record.key)
            chunk.append(record)
            if len(chunk) >= config.page_size:
                yield Batch(chunk, dict(state))
                chunk = []
    final_state = {**state, "cursor": best[0], "id": best[1]} if best else state
    yield Batch(chunk, final_state, final=True)


# --- writes --------------------------------------------------------------------------------


def _errors_to_hub(item: dict[str, Any], stream: str, key: str | None) -> ClientError:
    errors = item.get("errors") or [{"statusCode": "UNKNOWN", "message": "rejected without a reason"}]
    first = errors[0]
    code = first.get("statusCode") or first.get("errorCode")
    fields = first.get("fields") or []
    return ClientError(
        f"{code}: {first.get('message')}",
        stream=stream,
        external_id=key,
        field=fields[0] if fields else None,
        fault_code=code,
        fault_string=first.get("message"),
    )


def write_object(
    client: SalesforceClient, config: SalesforceConfig, stream: str, obj: ObjectConfig, changes: Iterable[Change]
) -> Iterator[WriteResult]:
    """Apply changes in order, in runs of the same operation; one WriteResult per change."""
    todo = list(changes)
    bulk_upserts = sum(1 for c in todo if c.op == "upsert") > config.bulk_write_threshold
    run: list[Change] = []
    for change in todo:
        limit = 10_000_000 if (change.op == "upsert" and bulk_upserts) else 200
        if run and (run[0].op != change.op or len(run) >= limit):
            yield from _flush(client, stream, obj, run, bulk_upserts)
            run = []
        run.append(change)
    if run:
        yield from _flush(client, stream, obj, run, bulk_upserts)


def _flush(
    client: SalesforceClient, stream: str, obj: ObjectConfig, run: list[Change], bulk: bool
) -> Iterator[WriteResult]:
    op = run[0].op
    attrs = {"type": obj.object}
    if op == "upsert":
        yield from _upsert(client, stream, obj, run, bulk)
        return
    if op == "create":
        items = client.collections(
            "POST",
            "composite/sobjects",
            {"allOrNone": False, "records": [{"attributes": attrs, **c.data} for c in run]},
            stream=stream,
        )
    elif op == "update":
        missing = [c for c in run if not c.key]
        if missing:
            raise ClientError("update changes need the record Id as key", stream=stream)
        items = client.collections(
            "PATCH",
            "composite/sobjects",
            {"allOrNone": False, "records": [{"attributes": attrs, **c.data, "id": c.key} for c in run]},
            stream=stream,
        )
    elif op == "delete":
        items = client.collections(
            "DELETE",
            "composite/sobjects",
            params={"ids": ",".join(str(c.key) for c in run), "allOrNone": "false"},
            stream=stream,
        )
    else:
        for c in run:
            yield WriteResult(
                c.idempotency_key,
                ok=False,
                external_id=c.key,
                error=ClientError(f"unknown operation {op!r}", stream=stream),
            )
        return
    for change, item in zip(run, items, strict=True):
        if item.get("success"):
            yield WriteResult(
                change.idempotency_key, ok=True, external_id=item.get("id") or change.key, created=op == "create"
            )
        else:
            yield WriteResult(
                change.idempotency_key, ok=False, external_id=change.key, error=_errors_to_hub(item, stream, change.key)
            )


def _upsert(
    client: SalesforceClient, stream: str, obj: ObjectConfig, run: list[Change], bulk: bool
) -> Iterator[WriteResult]:
    field = run[0].match_field or obj.external_id_field
    if not field:
        raise ClientError(
            f"upsert into {obj.object} needs external_id_field (stream config) or Change.match_field", stream=stream
        )
    values: list[str | None] = []
    for c in run:
        value = c.data.get(field, c.key)
        values.append(None if value in (None, "") else str(value))
    seen: dict[str, int] = {}
    for value in values:
        if value is not None:
            seen[value] = seen.get(value, 0) + 1
    ok_rows = [i for i, v in enumerate(values) if v is not None and seen[v] == 1]
    results: dict[int, WriteResult] = {}
    for i, c in enumerate(run):
        value = values[i]
        if value is None:
            results[i] = WriteResult(
                c.idempotency_key,
                ok=False,
                error=ClientError(f"no value for external id {field}", stream=stream, field=field),
            )
        elif seen[value] > 1:
            results[i] = WriteResult(
                c.idempotency_key,
                ok=False,
                external_id=values[i],
                error=ClientError(
                    f"{field} {values[i]!r} appears more than once in one write", stream=stream, field=field
                ),
            )
    if bulk and ok_rows:
        results.update(_bulk_upsert(client, stream, obj, field, run, values, ok_rows))
    else:
        for start in range(0, len(ok_rows), 200):
            part = ok_rows[start : start + 200]
            payload = {
                "allOrNone": False,
                "records": [{"attributes": {"type": obj.object}, **run[i].data, field: values[i]} for i in part],
            }
            items = client.collections("PATCH", f"composite/sobjects/{obj.object}/{field}", payload, stream=stream)
            for i, item in zip(part, items, strict=True):
                if item.get("success"):
                    results[i] = WriteResult(
                        run[i].idempotency_key, ok=True, external_id=item.get("id"), created=bool(item.get("created"))
                    )
                else:
                    results[i] = WriteResult(
                        run[i].idempotency_key,
                        ok=False,
                        external_id=values[i],
                        error=_errors_to_hub(item, stream, values[i]),
                    )
    for i in range(len(run)):
        yield results[i]


def _bulk_upsert(
    client: SalesforceClient,
    stream: str,
    obj: ObjectConfig,
    field: str,
    run: list[Change],
    values: list[str | None],
    rows: list[int],
) -> dict[int, WriteResult]:
    columns: list[str] = [field]
    for i in rows:
        columns += [k for k in run[i].data if k not in columns]
    payload = [{col: _csv_cell(run[i].data.get(col) if col != field else values[i]) for col in columns} for i in rows]
    ok_csv, failed_csv = client.bulk_upsert(obj.object, field, payload, stream=stream)
    by_value = {values[i]: i for i in rows}
    out: dict[int, WriteResult] = {}
    for row in csv.DictReader(io.StringIO(ok_csv)):
        hit = by_value.get(row.get(field))
        if hit is not None:
            out[hit] = WriteResult(
                run[hit].idempotency_key, ok=True, external_id=row["sf__Id"], created=row.get("sf__Created") == "true"
            )
    for row in csv.DictReader(io.StringIO(failed_csv)):
        hit = by_value.get(row.get(field))
        if hit is not None:
            code, _, message = (row.get("sf__Error") or "").partition(":")
            out[hit] = WriteResult(
                run[hit].idempotency_key,
                ok=False,
                external_id=values[hit],
                error=ClientError(f"{code}: {message}", stream=stream, external_id=values[hit], fault_code=code),
            )
    for i in rows:
        if i not in out:  # neither succeeded nor failed: never report it as written
            out[i] = WriteResult(
                run[i].idempotency_key,
                ok=False,
                external_id=values[i],
                error=ClientError("record not processed by the Bulk 2.0 job", stream=stream, external_id=values[i]),
            )
    return out


def _csv_cell(value: Any) -> str:
    if value is None:
        return "#N/A"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
