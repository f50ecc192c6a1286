"""Reading and writing one REST stream: records, keys, incremental cursor and per-record write results.

Cursor rule: a batch's ``state`` must be safe to save once the batch is committed. For a
stream whose rows arrive in ascending cursor order (``incremental.sorted``) every page moves
the cursor to the largest value *strictly below* the page's last value (rows equal to the last
value may continue on the next page). For unsorted streams only the final batch moves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, cast
from urllib.parse import quote

from connectors.rest.client import RestClient
from connectors.rest.config import IncrementalConfig, StreamConfig, WriteConfig
from connectors.rest.pagination import dig, pages
from hub.connector import Batch, Change, Record, WriteResult
from hub.errors import AuthError, ClientError, ConfigError, DataError, HubError, MappingError, SourceError

__all__ = ["cursor_value", "format_cursor", "read_stream", "write_stream"]


def cursor_value(value: Any) -> dt.datetime | float:
    """A comparable form of a cursor value: an aware datetime or a number."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a cursor value: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _later(a: dt.datetime | float, b: dt.datetime | float) -> bool:
    """``a > b`` for two cursor values of one stream (both datetimes or both numbers)."""
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        return cast(dt.datetime, a) > cast(dt.datetime, b)
    return a > b


def format_cursor(value: dt.datetime | float) -> str:
    """The wire form of a cursor: ISO-8601 UTC with ``Z`` or a plain number."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return text + "Z"
    return f"{value:g}" if value != int(value) else str(int(value))


def _threshold(inc: IncrementalConfig, state: dict[str, Any]) -> dt.datetime | float | None:
    raw = state.get("cursor", inc.start)
    if raw in (None, ""):
        return None
    value = cursor_value(raw)
    if inc.lookback_seconds:
        value = (
            value - dt.timedelta(seconds=inc.lookback_seconds)
            if isinstance(value, dt.datetime)
            else value - inc.lookback_seconds
        )
    return value


def _key(row: dict[str, Any], fields: list[str]) -> str | None:
    parts = [row.get(f) for f in fields]
    if any(p is None or p == "" for p in parts):
        return None
    return "|".join(str(p) for p in parts)


def read_stream(client: RestClient, name: str, cfg: StreamConfig, state: dict[str, Any] | None) -> Iterator[Batch]:
    """Yield one Batch per page; the last one is ``final`` and carries the new cursor."""
    state = dict(state or {})
    inc = cfg.incremental
    try:
        threshold = _threshold(inc, state) if inc else None
    except ValueError as exc:
        raise ConfigError(
            f"saved cursor is unreadable: {exc}", system=client.system, stream=name, field="cursor"
        ) from None
    params: dict[str, Any] = {}
    if inc and inc.mode == "param" and threshold is not None:
        params[inc.param] = format_cursor(threshold)
    best: dt.datetime | float | None = None
    if "cursor" in state:
        best = cursor_value(state["cursor"])
    pending: list[Record] | None = None
    pending_state = dict(state)
    for rows in pages(client, cfg, name, params):
        records: list[Record] = []
        page_values: list[dt.datetime | float] = []
        for index, row in enumerate(rows):
            record, value = _record(client, name, cfg, row, index, threshold)
            if record is None:
                continue
            records.append(record)
            if value is not None:
                page_values.append(value)
                best = value if best is None or _later(value, best) else best
        if pending is not None:
            yield Batch(pending, pending_state)
        pending = records
        if inc and inc.sorted and page_values:
            last = page_values[-1]
            below = [v for v in page_values if _later(last, v)]
            if below:
                pending_state = {**state, "cursor": format_cursor(max(below))}
    final_state = {**state, "cursor": format_cursor(best)} if inc and best is not None else state
    yield Batch(pending or [], final_state, final=True)


def _record(
    client: RestClient, name: str, cfg: StreamConfig, row: Any, index: int, threshold: dt.datetime | float | None
) -> tuple[Record | None, dt.datetime | float | None]:
    """(record, cursor value) for a row; (None, None) when the row is older than the cursor."""
    if not isinstance(row, dict):
        error = MappingError(
            f"record {index} is a {type(row).__name__}, not an object", system=client.system, stream=name
        )
        return Record(name, f"#{index}", {}, error=error, raw=repr(row)[:500]), None
    key = _key(row, cfg.primary_key)
    value = None
    inc = cfg.incremental
    if inc:
        try:
            value = cursor_value(row.get(inc.cursor_field))
        except (ValueError, TypeError):
            error = MappingError(
                f"cursor field has no usable value: {row.get(inc.cursor_field)!r}",
                system=client.system,
                stream=name,
                field=inc.cursor_field,
                external_id=key,
            )
            return Record(name, key or f"#{index}", row, error=error), None
        if threshold is not None and not _later(value, threshold):
            return None, None
    if key is None:
        error = MappingError(
            f"primary key {cfg.primary_key} is missing",
            system=client.system,
            stream=name,
            field=",".join(cfg.primary_key),
        )
        return Record(name, f"#{index}", row, error=error), value
    return Record(name, key, row), value


# --- writes -------------------------------------------------------------------------------


def write_stream(client: RestClient, name: str, cfg: StreamConfig, changes: Iterable[Change]) -> Iterator[WriteResult]:
    """Apply changes; yield one WriteResult per change, in order.

    A rejected record (4xx, validation) becomes a failed result; credentials or configuration
    problems and exhausted retries raise, so a partial write is never mistaken for success.
    """
    if cfg.write is None:
        raise ConfigError(f"stream {name!r} has no write settings", system=client.system, stream=name, field="write")
    w = cfg.write
    group: list[Change] = []
    for change in changes:
        batchable = w.batch_size > 1 and (change.op == "create" or (change.op == "upsert" and not change.key))
        if batchable:
            group.append(change)
            if len(group) >= w.batch_size:
                yield from _write_batch(client, name, w, group)
                group = []
            continue
        if group:
            yield from _write_batch(client, name, w, group)
            group = []
        yield _write_one(client, name, w, change)
    if group:
        yield from _write_batch(client, name, w, group)


def _failed(change: Change, error: HubError) -> WriteResult:
    return WriteResult(change.idempotency_key, ok=False, external_id=change.key, error=error)


def _write_one(client: RestClient, name: str, w: WriteConfig, change: Change) -> WriteResult:
    updating = change.op == "update" or (change.op == "upsert" and change.key)
    if change.op not in ("create", "update", "upsert"):
        return _failed(
            change,
            ClientError(f"operation {change.op!r} is not supported by this stream", system=client.system, stream=name),
        )
    if updating and (not change.key or not w.update_path):
        why = "no key" if not change.key else "no update_path configured"
        return _failed(
            change, ClientError(f"cannot update: {why}", system=client.system, stream=name, external_id=change.key)
        )
    method = w.update_method if updating else w.create_method
    path = w.update_path.format(key=quote(str(change.key), safe="")) if updating and w.update_path else w.create_path
    try:
        response = client.request(method, path, json=change.data, stream=name)
    except (AuthError, ConfigError):
        raise
    except (ClientError, DataError) as exc:
        exc.external_id = exc.external_id or change.key
        return _failed(change, exc)
    body = _json_or_none(response)
    new_id = dig(body, w.id_path) if body is not None else None
    return WriteResult(
        change.idempotency_key,
        ok=True,
        external_id=str(new_id if new_id is not None else change.key),
        created=not updating,
        details={"status": response.status_code},
    )


def _write_batch(client: RestClient, name: str, w: WriteConfig, group: list[Change]) -> Iterator[WriteResult]:
    body = {w.batch_body_key: [c.data for c in group]}
    response = client.request("POST", w.batch_path or w.create_path, json=body, stream=name)
    results = dig(_json_or_none(response), w.results_path)
    if not isinstance(results, list) or len(results) != len(group):
        raise SourceError(
            f"batch response at {w.results_path!r} does not hold one result per record "
            f"({len(results) if isinstance(results, list) else 'none'} for {len(group)})",
            system=client.system,
            stream=name,
            status=response.status_code,
        )
    by_index: dict[int, dict[str, Any]] = {}
    for position, item in enumerate(results):
        index = (
            item.get(w.result_index_field, position) if w.result_index_field and isinstance(item, dict) else position
        )
        by_index[int(index)] = item if isinstance(item, dict) else {}
    for index, change in enumerate(group):
        item = by_index.get(index, {})
        if item.get(w.result_ok_field):
            yield WriteResult(
                change.idempotency_key, ok=True, external_id=str(item.get(w.result_id_field)), created=True
            )
        else:
            reason = item.get(w.result_error_field) or "rejected without a reason"
            yield _failed(
                change,
                ClientError(
                    f"record rejected: {reason}", system=client.system, stream=name, status=response.status_code
                ),
            )


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
