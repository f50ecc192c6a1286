"""A fake django-crm (BottleCRM) API, injected as the client's HTTP session (no socket).

It answers like the real API: ``Authorization: Bearer <personal access token>``, limit/offset
paging applied to every row list, each endpoint's own wrapper shape (``active_accounts.open_accounts``
+ ``closed_accounts.close_accounts``, ``results``, ``open_leads``/``close_leads``, ``opportunities``, ``tasks``),
an RFC 1123 ``Date`` header, ``{"detail": ...}`` error bodies, POST creating (reply ``{"id": ...}``)
and PATCH updating ``/<path>/<uuid>/``. Time is a clock the test moves (whole seconds, like ``Date``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FakeDjangoCrm", "TOKEN"]

TOKEN = "bcrm_pat_conformance"
UTC = dt.UTC


class FakeResponse:
    """The part of ``requests.Response`` the client reads."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.content = (
            (body if isinstance(body, str) else json.dumps(body)).encode("utf-8") if body is not None else b""
        )
        self.text = self.content.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.content)


def _iso(ts: dt.datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


class FakeDjangoCrm:
    """Rows per endpoint path; a fault switch for HTTP statuses."""

    def __init__(self, now: dt.datetime = dt.datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)) -> None:
        self.now = now
        self.rows: dict[str, list[dict[str, Any]]] = {
            p: [] for p in ("accounts", "contacts", "leads", "opportunities", "invoices", "tasks")
        }
        self.fault_status: int | None = None
        self.verify = True

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    def add_contact(self, first: str, last: str, email: str) -> str:
        ts = _iso(self.tick())
        row = {
            "id": str(uuid.uuid4()),
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": None,
            "account": None,
            "is_active": True,
            "created_at": ts,
            "updated_at": ts,
        }
        self.rows["contacts"].append(row)
        return row["id"]

    def touch_contact(self, contact_id: str, **values: Any) -> None:
        row = next(r for r in self.rows["contacts"] if r["id"] == contact_id)
        row.update(values, updated_at=_iso(self.tick()))
        self.tick()  # the change lies strictly before the next request's Date

    # -- the HTTP session the client uses --------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> FakeResponse:
        date = {"Date": format_datetime(self.now, usegmt=True)}
        if self.fault_status is not None:
            return FakeResponse(self.fault_status, {"detail": f"fault {self.fault_status}"}, date)
        if (headers or {}).get("Authorization") != f"Bearer {TOKEN}":
            return FakeResponse(401, {"detail": "Invalid token."}, date)
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if len(parts) < 2 or parts[0] != "api" or parts[1] not in self.rows:
            return FakeResponse(404, {"detail": "Not found."}, date)
        kind = parts[1]
        if method == "GET" and len(parts) == 2:
            return FakeResponse(
                200, self._page(kind, int((params or {}).get("offset", 0)), int((params or {}).get("limit", 10))), date
            )
        if method == "POST" and len(parts) == 2 and kind == "contacts":
            if not (json or {}).get("first_name"):
                return FakeResponse(400, {"error": True, "errors": {"first_name": ["This field is required."]}}, date)
            new_id = self.add_contact(json["first_name"], json.get("last_name", ""), json.get("email", ""))
            return FakeResponse(200, {"error": False, "message": "Contact created Successfully", "id": new_id}, date)
        if method in ("PATCH", "PUT") and len(parts) == 3 and kind == "contacts":
            if not any(r["id"] == parts[2] for r in self.rows["contacts"]):
                return FakeResponse(404, {"detail": "Not found."}, date)
            self.touch_contact(parts[2], **(json or {}))
            return FakeResponse(200, {"error": False, "message": "Contact updated Successfully"}, date)
        return FakeResponse(405, {"detail": f'Method "{method}" not allowed.'}, date)

    def _page(self, kind: str, offset: int, limit: int) -> dict[str, Any]:
        rows = self.rows[kind][offset : offset + limit]
        following = offset + limit if offset + limit < len(self.rows[kind]) else None
        if kind == "accounts":
            return {
                "active_accounts": {
                    "offset": following,
                    "open_accounts": rows,
                    "open_accounts_count": len(self.rows[kind]),
                },
                "closed_accounts": {"offset": 0, "close_accounts": [], "close_accounts_count": 0},
                "contacts": [],
            }
        if kind == "leads":
            return {
                "open_leads": {"leads_count": len(self.rows[kind]), "open_leads": rows, "offset": following},
                "close_leads": {"leads_count": 0, "close_leads": [], "offset": 0},
            }
        if kind == "opportunities":
            return {
                "opportunities_count": len(self.rows[kind]),
                "offset": following,
                "opportunities": rows,
                "accounts_list": [],
            }
        if kind == "tasks":
            return {"tasks_count": len(self.rows[kind]), "offset": following, "tasks": rows}
        return {"count": len(self.rows[kind]), "offset": following, "results": rows}

    def close(self) -> None:
        return None


def seed(server: FakeDjangoCrm) -> list[str]:
    """Five ChannelCo contacts, created a second apart."""
    return [
        server.add_contact(first, last, f"{first.lower()}@channelco.example.cn")
        for first, last in [("Wei", "Wang"), ("Li", "Na"), ("Zhang", "Min"), ("Chen", "Jie"), ("Liu", "Yang")]
    ]
