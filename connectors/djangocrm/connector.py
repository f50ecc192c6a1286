"""The django-crm backend adapter: limit/offset paging, updated_at comparison, account/contact/opportunity/task writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from hub.connector import Batch, Change, Check, ConnectorContext, Record, StreamInfo, WriteResult
from hub.errors import ClientError, DataError, DiscoveryError, HubError, ParseError, ServerError

from .client import DjangoCrmClient, api_message
from .config import DjangoCrmConfig
from .streams import (
    ENDPOINTS,
    KEY_FIELDS,
    account_body,
    contact_body,
    extract_rows,
    flatten,
    opportunity_body,
    task_body,
)


def _parse(ts: str | None) -> dt.datetime | None:
    if not ts:
        return None
    value = dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _fmt(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class DjangoCrmConnector:
    """Reads accounts, contacts, leads, opportunities, invoices, tasks; writes accounts, contacts, opportunity updates,
    tasks."""

    def __init__(
        self, config: DjangoCrmConfig, context: ConnectorContext, client: DjangoCrmClient | None = None
    ) -> None:
        self.config = config
        self.system = context.system
        token = context.secrets.get("token") or (config.token.get_secret_value() if config.token else None)
        self.client = client or DjangoCrmClient(
            config.url, token, timeout=config.timeout, verify_tls=config.verify_tls, system=self.system
        )

    def check(self) -> list[Check]:
        checks = []
        for stream, endpoint in ENDPOINTS.items():
            try:
                body, _ = self.client.get(endpoint.path, {"limit": 1, "offset": 0})
                extract_rows(stream, body)
                checks.append(Check(f"read {stream}", True, endpoint.path))
            except HubError as exc:
                checks.append(Check(f"read {stream}", False, str(exc)))
                if type(exc).__name__ == "AuthError":
                    break
        return checks

    def discover(self) -> list[StreamInfo]:
        return [
            StreamInfo(
                name=s,
                key_fields=("id",),
                fields=KEY_FIELDS[s],
                cursor_field="updated_at" if e.has_updated_at else None,
                writable=bool(e.writable),
                description=e.description,
            )  # fmt: skip
            for s, e in ENDPOINTS.items()
        ]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        endpoint = ENDPOINTS.get(stream)
        if endpoint is None:
            raise DiscoveryError(f"unknown stream {stream!r}; streams: {', '.join(ENDPOINTS)}", system=self.system)
        state = dict(state or {})
        since = _parse(state.get("updated_after")) if endpoint.has_updated_at else None
        newest: dt.datetime | None = None
        started: dt.datetime | None = None
        limit, offset = self.config.page_size, 0
        while True:
            body, headers = self.client.get(endpoint.path, {"limit": limit, "offset": offset})
            if started is None and headers.get("Date"):
                started = parsedate_to_datetime(headers["Date"])
            lists = extract_rows(stream, body)
            records = []
            for n, row in enumerate(r for rows in lists for r in rows):
                try:
                    data = flatten(stream, row)
                except DataError as exc:
                    records.append(
                        Record(
                            stream, f"offset {offset}+{n}", {}, location=endpoint.path, error=exc, raw=str(row)[:2000]
                        )
                    )
                    continue
                changed = _parse(data.get("updated_at")) if endpoint.has_updated_at else None
                if changed is not None:
                    newest = changed if newest is None or changed > newest else newest
                if since is not None and changed is not None and changed <= since:
                    continue
                if endpoint.detail:
                    data = self._detail(stream, data["id"])
                records.append(Record(stream, str(data["id"]), data, location=f"{endpoint.path}{data['id']}/"))
            last = all(len(rows) < limit for rows in lists)
            if last:
                yield Batch(records, self._final_state(endpoint.has_updated_at, state, newest, started), final=True)
                return
            yield Batch(records, state)
            offset += limit

    @staticmethod
    def _final_state(
        incremental: bool, state: dict[str, Any], newest: dt.datetime | None, started: dt.datetime | None
    ) -> dict[str, Any]:
        if not incremental or newest is None:
            return state
        # a row changed while we paged past it may carry a time before `newest`: never move the
        # cursor past the start of this read (rows in between are re-read next time, harmlessly)
        cursor = min(newest, started) if started is not None else newest
        previous = _parse(state.get("updated_after"))
        if previous is not None and previous > cursor:
            cursor = previous
        return {"updated_after": _fmt(cursor)}

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        endpoint = ENDPOINTS.get(stream)
        if endpoint is None or not endpoint.writable:
            writable = [s for s, e in ENDPOINTS.items() if e.writable]
            raise DiscoveryError(
                f"stream {stream!r} is not writable; writable: {', '.join(writable)}", system=self.system, stream=stream
            )
        for change in changes:
            try:
                op = "update" if change.op == "upsert" and change.key else change.op
                if op == "upsert":
                    op = "create"  # tasks: matched on change.match_field first (see _write_task)
                if op not in endpoint.writable:
                    raise ClientError(
                        f"{stream} supports {', '.join(endpoint.writable)}; got {change.op!r}", field="op"
                    )
                if op == "update" and not change.key:
                    raise ClientError("an update needs the record id as key", field="key")
                external_id, created = self._apply(stream, op, change)
                yield WriteResult(change.idempotency_key, True, external_id=external_id, created=created)
            except (ClientError, ServerError, DataError) as exc:
                exc.stream = exc.stream or stream
                exc.system = exc.system or self.system
                exc.external_id = exc.external_id or change.key
                yield WriteResult(change.idempotency_key, False, external_id=change.key, error=exc)

    def _detail(self, stream: str, record_id: Any) -> dict[str, Any]:
        endpoint = ENDPOINTS[stream]
        body, _ = self.client.get(f"{endpoint.path}{record_id}/")
        row = body.get(endpoint.detail) if isinstance(body, dict) and endpoint.detail else None
        if not isinstance(row, dict):
            raise ParseError(
                f"{endpoint.path}{record_id}/: response has no object at {endpoint.detail!r}",
                stream=stream,
                field=endpoint.detail,
            )
        return flatten(stream, row)

    def _find_task(self, data: dict[str, Any], field: str) -> str | None:
        """The id of the one task whose ``cf_<key>`` custom field equals ``data[field]``.

        The list's own ``cf_<key>`` filter needs a JSON ``contains`` lookup that django-crm on SQLite
        cannot run (HTTP 500), so candidates are narrowed by the task's account and title, and each
        one's custom field is read from its detail.
        """
        if not field.startswith("cf_"):
            raise ClientError(f"tasks are matched on a custom field (cf_<key>), not {field!r}", field=field)
        value = data.get(field)
        path, limit, offset = ENDPOINTS["tasks"].path, self.config.page_size, 0
        params: dict[str, Any] = {"slim": "true", "limit": limit}
        if data.get("account"):
            params["account"] = data["account"]
        if data.get("title"):
            params["title"] = data["title"]
        found: list[str] = []
        while True:
            body, _ = self.client.get(path, {**params, "offset": offset})
            rows = [r for rows in extract_rows("tasks", body) for r in rows]
            found += [str(r["id"]) for r in rows if self._detail("tasks", r["id"]).get(field) == value]
            if len(rows) < limit:
                break
            offset += limit
        if len(found) > 1:
            raise ClientError(f"tasks: {len(found)} tasks carry {field} = {value!r}", field=field)
        return found[0] if found else None

    def _write_task(self, op: str, change: Change) -> tuple[str, bool]:
        """Tasks: an upsert on a custom field (the hub's key) finds the task first; the create reply names no id,
        so the new task is found by that field."""
        path = ENDPOINTS["tasks"].path
        match = change.match_field
        value = change.data.get(match) if match else None
        existing = change.key or (self._find_task(change.data, match) if match and value else None)
        if existing:
            reply = self.client.patch(f"{path}{existing}/", task_body(change.data, create=False))
            if isinstance(reply, dict) and reply.get("error") is True:
                raise ClientError(f"PATCH {path}{existing}/: {api_message(reply)}", system=self.system)
            return existing, False
        reply = self.client.post(path, task_body(change.data, create=True))
        if isinstance(reply, dict) and reply.get("error") is True:
            raise ClientError(f"POST {path}: {api_message(reply)}", system=self.system)
        found = self._find_task(change.data, match) if match and value else None
        if found is None:
            raise ServerError(
                f"POST {path}: created, but the reply names no id and no {match or 'cf_<key>'} finds it; "
                "give tasks a key custom field (match_field)",
                system=self.system,
            )
        return found, True

    def _apply(self, stream: str, op: str, change: Change) -> tuple[str, bool]:
        path = ENDPOINTS[stream].path
        if stream == "tasks":
            return self._write_task(op, change)
        if stream == "accounts":
            body = account_body(change.data, create=op == "create")
        elif stream == "contacts":
            body = contact_body(change.data, create=op == "create")
        else:
            body = opportunity_body(change.data)
        if op == "create":
            reply = self.client.post(path, body)
            new_id = reply.get("id") if isinstance(reply, dict) else None
            if not new_id:
                raise ServerError(
                    f"POST {path}: created but the reply names no id: {str(reply)[:200]}", system=self.system
                )
            return str(new_id), True
        reply = self.client.patch(f"{path}{change.key}/", body)
        if isinstance(reply, dict) and reply.get("error") is True:
            raise ClientError(
                f"PATCH {path}{change.key}/: {reply.get('errors') or reply.get('message')}", system=self.system
            )
        return str(change.key), False

    def close(self) -> None:
        self.client.close()


def build(config: DjangoCrmConfig, context: ConnectorContext) -> DjangoCrmConnector:
    """Factory registered for the ``djangocrm`` kind."""
    return DjangoCrmConnector(config, context)
