"""A fake trytond JSON-RPC endpoint, injected as the Tryton client's HTTP session (no socket).

It speaks the wire protocol the real server speaks: ``POST /<db>/rpc/`` with
``{"id", "method", "params"}``, ``common.db.login`` returning ``[user_id, session]``, the
``Authorization: Session base64(login:user_id:session)`` header, ``__class__`` objects for
Decimal/date/datetime, ``model.<model>.<method>(*args, context)`` calls with Tryton domains
(``[field, op, value]`` leaves, ``"OR"``/``"AND"`` lists), ``"rel.": {...}`` values for dotted
fields, and errors as HTTP statuses or ``{"error": [name, args]}``. Time is a clock the test
moves, so cursors compare exactly.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from connectors.tryton.client import dumps, loads

__all__ = ["FakeTryton", "PASSWORD", "DATABASE"]

PASSWORD = "s3cret-pw"
DATABASE = "channelco"
#: (model, field) -> related model, for dotted field reads
RELATIONS = {
    ("party.party", "tax_identifier"): "party.identifier",
    ("party.address", "country"): "country.country",
    ("party.address", "subdivision"): "country.subdivision",
}


class FakeResponse:
    """The part of ``requests.Response`` the client reads."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.content = body.encode("utf-8") if isinstance(body, str) else dumps(body).encode("utf-8")
        self.text = self.content.decode("utf-8")


def _matches(row: dict[str, Any], domain: list[Any]) -> bool:
    if not domain:
        return True
    if isinstance(domain[0], str) and domain[0] in ("OR", "AND"):
        parts = [_matches(row, d) for d in domain[1:]]
        return any(parts) if domain[0] == "OR" else all(parts)
    if isinstance(domain[0], str):
        field, op, value = domain
        have = row.get(field)
        if op == "=":
            return have == value
        if op == "!=":
            return have != value
        if op == "in":
            return have in value
        if have is None or value is None:
            return False
        return {">": have > value, "<": have < value, ">=": have >= value, "<=": have <= value}[op]
    return all(_matches(row, d) for d in domain)


class FakeTryton:
    """Models as dicts of rows; a session per login; a fault switch for HTTP statuses."""

    def __init__(self, now: dt.datetime = dt.datetime(2026, 3, 1, 8, 0, 0)) -> None:
        self.now = now
        self.models: dict[str, dict[int, dict[str, Any]]] = {}
        self.sessions: dict[str, int] = {}
        self.fault_status: int | None = None
        self.calls: list[str] = []
        self._next_id = 100
        self.verify = True

    # -- data ----------------------------------------------------------------------------
    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    def add(self, model: str, **values: Any) -> int:
        self._next_id += 1
        row = {"id": self._next_id, "create_date": self.tick(), "write_date": None, "active": True, **values}
        self.models.setdefault(model, {})[row["id"]] = row
        return row["id"]

    def touch(self, model: str, row_id: int, **values: Any) -> None:
        self.models[model][row_id].update(values, write_date=self.tick())

    def _value(self, model: str, row: dict[str, Any], field: str) -> tuple[str, Any]:
        head, _, rest = field.partition(".")
        if not rest:
            return head, row.get(head)
        target_id = row.get(head)
        target = self.models.get(RELATIONS.get((model, head), ""), {}).get(target_id) if target_id else None
        if target is None:
            return head + ".", None
        sub_key, sub_value = self._value(RELATIONS[(model, head)], target, rest)
        return head + ".", {"id": target_id, sub_key: sub_value}

    def _read(self, model: str, rows: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            data: dict[str, Any] = {"id": row["id"]}
            for field in fields:
                key, value = self._value(model, row, field)
                if isinstance(value, dict) and isinstance(data.get(key), dict):
                    data[key].update(value)
                else:
                    data[key] = value
            out.append(data)
        return out

    # -- model methods -------------------------------------------------------------------
    def _model_call(self, model: str, method: str, args: list[Any]) -> Any:
        table = self.models.setdefault(model, {})
        if method == "search_read":
            domain, offset, limit, order, fields = args
            rows = [r for r in table.values() if _matches(r, domain)]
            for fname, direction in reversed(order or [["id", "ASC"]]):
                rows.sort(key=lambda r: (r.get(fname) is None, r.get(fname) or 0), reverse=direction == "DESC")
            rows = rows[offset:][: limit if limit is not None else None]
            return self._read(model, rows, fields)
        if method == "search_count":
            return sum(1 for r in table.values() if _matches(r, args[0]))
        if method == "read":
            ids, fields = args
            return self._read(model, [table[i] for i in ids if i in table], fields)
        if method == "fields_get":
            return {}  # optional modules (account_credit_limit) are not activated
        if method == "create":
            made = []
            for values in args[0]:
                if model == "party.party" and any(r.get("code") == values.get("code") for r in table.values()):
                    raise _UserError("The code on party must be unique.")
                made.append(self.add(model, **{k: v for k, v in values.items() if not isinstance(v, list)}))
            return made
        if method == "write":
            ids, values = args
            for i in ids:
                if i not in table:
                    raise _UserError(f'The record "{i}" of "{model}" does not exist.')
                self.touch(model, i, **{k: v for k, v in values.items() if not isinstance(v, list)})
            return None
        raise _UserError(f"unknown method {model}.{method}")

    # -- the HTTP session the client uses --------------------------------------------------
    def post(self, url: str, data: bytes, headers: dict[str, str], timeout: float | None = None) -> FakeResponse:
        if self.fault_status is not None:
            return FakeResponse(self.fault_status, f"<html>{self.fault_status}</html>")
        if not url.endswith(f"/{DATABASE}/rpc/"):
            return FakeResponse(404, "Not Found")
        request = loads(data)
        method, params = request["method"], request["params"]
        self.calls.append(method)
        if method == "common.db.login":
            username, parameters, _language = params
            if parameters.get("password") != PASSWORD:
                return FakeResponse(401, "Unauthorized")
            session = f"session-{len(self.sessions) + 1}"
            self.sessions[session] = 1
            return FakeResponse(200, {"id": request["id"], "result": [1, session]})
        if not self._authorized(headers.get("Authorization", "")):
            return FakeResponse(401, "Unauthorized")
        if method == "common.db.logout":
            return FakeResponse(200, {"id": request["id"], "result": None})
        if method == "model.res.user.get_preferences":
            return FakeResponse(200, {"id": request["id"], "result": {"company": 1, "language": "en", "locale": {}}})
        _, _, rest = method.partition("model.")
        model, _, name = rest.rpartition(".")
        try:
            result = self._model_call(model, name, params[:-1])  # the context is the last parameter
        except _UserError as exc:
            return FakeResponse(200, {"id": request["id"], "error": ["UserError", [str(exc), "", None]]})
        return FakeResponse(200, {"id": request["id"], "result": result})

    def _authorized(self, header: str) -> bool:
        kind, _, token = header.partition(" ")
        if kind != "Session":
            return False
        try:
            _login, user_id, session = base64.b64decode(token).decode().split(":", 2)
        except (ValueError, UnicodeDecodeError):
            return False
        return self.sessions.get(session) == int(user_id)

    def close(self) -> None:
        return None


class _UserError(Exception):
    """What trytond answers as ``{"error": ["UserError", [message, description, domain]]}``."""


def seed(server: FakeTryton) -> dict[str, int]:
    """A few ChannelCo parties with a tax identifier, an address and contact mechanisms."""
    cn = server.add("country.country", code="CN", name="China")
    ids = {}
    for n, (code, name, city) in enumerate(
        [
            ("C000101", "上海华信贸易有限公司", "上海"),
            ("C000102", "北京德泰商贸", "北京"),
            ("C000103", "Wuhan Delta Trading", "武汉"),
            ("C000104", "Echo Retail", "西安"),
        ],
        1,
    ):
        tax = server.add("party.identifier", type="cn_vat", code=f"9131000{n}MA1K00000{n}")
        address = server.add(
            "party.address", street=f"{n} 华信路", city=city, postal_code="200001", country=cn, subdivision=None
        )
        phone = server.add("party.contact_mechanism", type="phone", value=f"021-5555-000{n}")
        ids[code] = server.add(
            "party.party",
            code=code,
            name=name,
            phone=f"021-5555-000{n}",
            mobile=None,
            email=None,
            tax_identifier=tax,
            addresses=[address],
            contact_mechanisms=[phone],
        )
    return ids
