"""Streams over SOAP operations: request templates, paging by request parameters, cursors, records and writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.soap.client import SoapClient
from connectors.soap.config import FieldSpec, StreamConfig
from hub.connector import Batch, Change, Record, WriteResult
from hub.errors import ClientError, ConfigError, DataError, HubError, MappingError, ServerError

__all__ = ["StreamReader", "StreamWriter", "get_path", "set_path"]


def get_path(data: Any, path: str | None) -> Any:
    """Value at a dotted path; lists met on the way are walked item by item (results flattened)."""
    if not path:
        return data
    values = [data]
    for part in path.split("."):
        nxt: list[Any] = []
        for v in values:
            if isinstance(v, list):
                v_items = v
            else:
                v_items = [v]
            for item in v_items:
                if isinstance(item, dict) and item.get(part) is not None:
                    nxt.append(item[part])
        values = nxt
    if len(values) == 1:
        return values[0]
    return values or None


def _items(data: Any, path: str) -> list[Any]:
    found = get_path(data, path)
    if found is None:
        return []
    if isinstance(found, list):
        out: list[Any] = []
        for f in found:
            out.extend(f if isinstance(f, list) else [f])
        return out
    return [found]


def set_path(params: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at a dotted parameter path, creating nested dicts."""
    parts = path.split(".")
    node = params
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"request parameter {path!r} crosses a non-mapping value", field=path)
    node[parts[-1]] = value


def _plain(value: Any, stringify: bool, fmt: str | None = None) -> Any:
    """A JSON-friendly value: Decimal and dates become text; with ``stringify`` every scalar does."""
    if isinstance(value, dict):
        return {k: _plain(v, stringify) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, stringify) for v in value]
    if isinstance(value, (datetime, date)):
        if fmt:
            return value.strftime(fmt)
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if stringify and isinstance(value, bool):
        return "true" if value else "false"
    if stringify and isinstance(value, (int, float)):
        return str(value)
    return value


def _cursor_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (datetime, date)) else str(value)


def _cursor_value(text: str, kind: str) -> Any:
    if kind == "datetime":
        return datetime.fromisoformat(text)
    if kind == "date":
        return date.fromisoformat(text)
    return text


def _kind(value: Any) -> str:
    return "datetime" if isinstance(value, datetime) else "date" if isinstance(value, date) else "str"


class StreamReader:
    """Reads one configured stream page by page; each page is one Batch."""

    def __init__(
        self, client: SoapClient, name: str, cfg: StreamConfig, system: str | None = None, today: date | None = None
    ) -> None:
        self.client, self.name, self.cfg, self.system = client, name, cfg, system
        self.today = today

    # -- pages -----------------------------------------------------------------------------
    def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.cfg.operation
        return self.client.call(self.cfg.operation, params, stream=self.name)

    def _pages(self, base: dict[str, Any]) -> Iterator[tuple[list[Any], bool, str]]:
        paging, op = self.cfg.paging, self.cfg.operation
        if paging.page is not None:
            pg = paging.page
            number = pg.start
            while True:
                params = dict(base)
                set_path(params, pg.param, number)
                if pg.size_param:
                    set_path(params, pg.size_param, pg.size)
                resp = self._call(params)
                items = _items(resp, self.cfg.result_path or "")
                count = get_path(resp, pg.page_count_path) if pg.page_count_path else None
                last = (
                    not items
                    or (pg.size_param is not None and len(items) < pg.size)
                    or (isinstance(count, int) and number - pg.start + 1 >= count)
                )
                yield items, last, f"{op} page {number}"
                if last:
                    return
                number += 1
        elif paging.token is not None:
            tk = paging.token
            token: Any = None
            seen: set[str] = set()
            n = 0
            while True:
                n += 1
                params = dict(base)
                if token is not None:
                    set_path(params, tk.param, token)
                if tk.size_param:
                    set_path(params, tk.size_param, tk.size)
                resp = self._call(params)
                items = _items(resp, self.cfg.result_path or "")
                token = get_path(resp, tk.response_path)
                if token in ("", []):
                    token = None
                if token is not None:
                    if str(token) in seen:
                        raise ServerError(
                            f"{op} returned the same continuation token twice; stopping",
                            system=self.system,
                            stream=self.name,
                        )
                    seen.add(str(token))
                yield items, token is None, f"{op} page {n}"
                if token is None:
                    return
        else:
            resp = self._call(dict(base))
            yield _items(resp, self.cfg.result_path or ""), True, f"{op}"

    # -- read --------------------------------------------------------------------------------
    def read(self, state: dict[str, Any] | None) -> Iterator[Batch]:
        """Batches of records after ``state``; the cursor moves only in batches that complete a unit."""
        state = dict(state or {})
        base = {k: v for k, v in self.cfg.request.items()}
        if self.cfg.paging.window is not None:
            yield from self._read_windows(base, state)
            return
        inc = self.cfg.incremental
        cursor, kind, keys_at = None, "datetime", set()
        if inc is not None:
            if state.get("cursor") is not None:
                kind = state.get("cursor_kind", "datetime")
                cursor = _cursor_value(state["cursor"], kind)
                keys_at = set(state.get("cursor_keys", []))
            elif inc.start is not None:
                cursor = inc.start
            if cursor is not None:
                set_path(base, inc.param, cursor)
        top, top_keys = cursor, set(keys_at)
        for items, last, where in self._pages(base):
            records = []
            for i, item in enumerate(items):
                for rec, raw in self._records(item, f"{where} item {i + 1}"):
                    if inc is not None and rec.error is None:
                        value = raw.get(inc.field)
                        if value is not None:
                            if (
                                cursor is not None
                                and _comparable(value, cursor)
                                and (value < cursor or (value == cursor and rec.key in keys_at))
                            ):
                                continue  # already delivered at this cursor
                            if top is None or (_comparable(value, top) and value > top):
                                top, top_keys, kind = value, {rec.key}, _kind(value)
                            elif value == top:
                                top_keys.add(rec.key)
                    records.append(rec)
            if last and inc is not None and top is not None:
                new_state = {"cursor": _cursor_text(top), "cursor_kind": kind, "cursor_keys": sorted(top_keys)}
            else:
                new_state = dict(state)
            yield Batch(records=records, state=new_state, final=last)

    def _read_windows(self, base: dict[str, Any], state: dict[str, Any]) -> Iterator[Batch]:
        win = self.cfg.paging.window
        assert win is not None
        today = self.today or date.today()
        end = win.end or today + timedelta(days=1)
        start = (
            date.fromisoformat(state["window_start"]) - timedelta(days=win.lookback_days)
            if state.get("window_start")
            else win.start
        )
        start = max(start, win.start)
        yielded = False
        while start < end:
            stop = min(start + timedelta(days=win.days), end)
            params = dict(base)
            set_path(params, win.from_param, start)
            set_path(params, win.to_param, stop)
            for items, last, where in self._pages(params):
                records = [
                    rec
                    for i, item in enumerate(items)
                    for rec, _ in self._records(item, f"{where} [{start}, {stop}) item {i + 1}")
                ]
                final = last and stop >= end
                # never move past today: records of today may still arrive
                new_state = {"window_start": min(stop, today).isoformat()} if last else dict(state)
                if last:
                    state = new_state
                yielded = True
                yield Batch(records=records, state=new_state, final=final)
            start = stop
        if not yielded:
            yield Batch(records=[], state=dict(state), final=True)

    # -- records -----------------------------------------------------------------------------
    def _records(self, item: Any, where: str) -> Iterator[tuple[Record, dict[str, Any]]]:
        cfg = self.cfg
        if not isinstance(item, dict):
            item = {"value": item}
        if cfg.explode:
            parents = {k: item.get(k) for k in cfg.inherit}
            subs = _items(item, cfg.explode)
            raws = [{**parents, **(s if isinstance(s, dict) else {"value": s})} for s in subs]
        else:
            raws = [item]
        for j, raw in enumerate(raws):
            loc = f"{where}.{j + 1}" if cfg.explode else where
            missing = [k for k in cfg.key if raw.get(k) in (None, "")]
            data = self._output(raw)
            if missing:
                err = DataError(
                    f"record has no value for key field {missing[0]}",
                    system=self.system,
                    stream=self.name,
                    field=cfg.out_name(missing[0]),
                )
                yield Record(self.name, "", data, location=loc, error=err, raw=repr(raw)[:2000]), raw
                continue
            key = "|".join(_plain(raw[k], True) for k in cfg.key)
            yield Record(self.name, key, data, location=loc), raw

    def _output(self, raw: dict[str, Any]) -> dict[str, Any]:
        cfg, out = self.cfg, {}
        for element, value in raw.items():
            if element in cfg.exclude:
                continue
            spec = cfg.fields.get(element)
            fmt = spec.format if isinstance(spec, FieldSpec) else None
            out[cfg.out_name(element)] = cfg.null_value if value is None else _plain(value, cfg.stringify, fmt)
        return out


def _comparable(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    return True


class StreamWriter:
    """Sends changes through the stream's write operations, one call and one result per change."""

    def __init__(self, client: SoapClient, name: str, cfg: StreamConfig, system: str | None = None) -> None:
        self.client, self.name, self.cfg, self.system = client, name, cfg, system
        self._back = {
            cfg.out_name(e): (e, s.format if isinstance(s, FieldSpec) else None) for e, s in cfg.fields.items()
        }

    def write(self, changes: Iterable[Change]) -> Iterator[WriteResult]:
        for change in changes:
            yield self._one(change)

    def _one(self, change: Change) -> WriteResult:
        op = self.cfg.writes.get(change.op)  # type: ignore[call-overload]
        loc = {"system": self.system, "stream": self.name, "external_id": change.key}
        if op is None:
            err: HubError = ClientError(f"stream {self.name} has no {change.op!r} write configured", **loc)
            return WriteResult(change.idempotency_key, False, change.key, error=err)
        try:
            data = self._elements(change.data)
        except MappingError as exc:
            return WriteResult(change.idempotency_key, False, change.key, error=exc)
        if op.send_fields is not None:
            data = {k: v for k, v in data.items() if k in op.send_fields}
        params: dict[str, Any] = dict(op.request)
        if op.record_param:
            set_path(params, op.record_param, data)
        else:
            params.update(data)
        if op.key_param:
            if change.key is None:
                err = MappingError(f"{change.op} needs the record's key", field=op.key_param, **loc)
                return WriteResult(change.idempotency_key, False, None, error=err)
            set_path(params, op.key_param, change.key)
        if op.idempotency_param:
            set_path(params, op.idempotency_param, change.idempotency_key)
        # repeating a create is only safe when the service deduplicates by our idempotency key
        safe = op.idempotency_param is not None or change.op in ("update", "delete")
        try:
            resp = self.client.call(op.operation, params, retry=safe, phase="write", **loc)
        except (ClientError, ServerError, DataError) as exc:
            return WriteResult(change.idempotency_key, False, change.key, error=exc)
        ok = bool(get_path(resp, op.ok_path)) if op.ok_path else True
        ext = get_path(resp, op.id_path) if op.id_path else None
        ext_id = str(_plain(ext, True)) if ext not in (None, "", []) else change.key
        details = {"response": _plain(resp, False)}
        if not ok:
            reason = get_path(resp, op.error_path) if op.error_path else None
            err = ClientError(f"{op.operation} rejected the record: {reason or 'no reason given'}", **loc)
            return WriteResult(change.idempotency_key, False, ext_id, error=err, details=details)
        created = bool(get_path(resp, op.created_path)) if op.created_path else change.op == "create"
        return WriteResult(change.idempotency_key, True, ext_id, created=created, details=details)

    def _elements(self, data: dict[str, Any]) -> dict[str, Any]:
        """Record fields (output names) back to elements; formatted dates parsed back."""
        out: dict[str, Any] = {}
        for name, value in data.items():
            element, fmt = self._back.get(name, (name, None))
            if fmt and isinstance(value, str) and value:
                try:
                    parsed = datetime.strptime(value, fmt)
                except ValueError as exc:
                    raise MappingError(
                        f"{value!r} does not match {fmt}: {exc}", system=self.system, stream=self.name, field=name
                    ) from None
                value = parsed if any(c in fmt for c in "HMSIp") else parsed.date()
            if value == "" or value is None:
                continue
            out[element] = value
        return out
