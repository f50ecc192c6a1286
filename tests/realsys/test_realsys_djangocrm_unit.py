"""Unit tests of the django-crm connector without a server: response-shape adapter, paging, cursor, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.djangocrm.client import DjangoCrmClient, map_status
from connectors.djangocrm.config import DjangoCrmConfig
from connectors.djangocrm.connector import DjangoCrmConnector
from connectors.djangocrm.streams import ENDPOINTS, account_body, contact_body, extract_rows, flatten, opportunity_body
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, ClientError, MappingError, ParseError, RateLimitError, ServerError, TransientError

SHAPES = {
    "accounts": {"active_accounts": {"offset": None, "open_accounts": [{"id": "a1"}], "open_accounts_count": 1},
                 "closed_accounts": {"offset": 0, "close_accounts": [{"id": "a2"}], "close_accounts_count": 1}, "contacts": []},
    "contacts": {"count": 1, "results": [{"id": "c1"}], "offset": None, "contact_obj_list": [{"id": "c1"}]},
    "leads": {"open_leads": {"leads_count": 1, "open_leads": [{"id": "l1"}], "offset": None},
              "close_leads": {"leads_count": 0, "close_leads": [], "offset": 0}},
    "opportunities": {"opportunities_count": 1, "offset": None, "opportunities": [{"id": "o1"}], "accounts_list": [{"id": "a1"}]},
    "invoices": {"count": 1, "results": [{"id": "i1"}]},
    "tasks": {"tasks_count": 1, "offset": None, "tasks": [{"id": "t1"}], "users": [{"id": "p1"}]},
}  # fmt: skip


@pytest.mark.parametrize("stream", list(ENDPOINTS))
def test_each_endpoint_shape_yields_its_rows_and_only_them(stream):
    ids = [r["id"] for rows in extract_rows(stream, SHAPES[stream]) for r in rows]
    expected = {
        "accounts": ["a1", "a2"],
        "contacts": ["c1"],
        "leads": ["l1"],
        "opportunities": ["o1"],
        "invoices": ["i1"],
        "tasks": ["t1"],
    }
    assert ids == expected[stream]


def test_changed_shape_is_a_parse_error_naming_the_path():
    with pytest.raises(ParseError, match="active_accounts.open_accounts"):
        extract_rows("accounts", {"results": []})


def test_flatten_rules():
    row = {
        "id": "o1", "name": "Deal", "amount": "100.00", "account": {"id": "a1", "name": "Huaxin"},
        "assigned_to": [{"id": "p1", "user_details": {"email": "x@y"}}], "tags": [], "scores": [1, 2],
        "custom_fields": {"tax_id": "913", "erp_code": "C000101"}, "rollups": {"won": 1},
    }  # fmt: skip
    data = flatten("opportunities", row)
    assert data["account_id"] == "a1" and data["account_name"] == "Huaxin"
    assert data["assigned_to_ids"] == ["p1"] and data["tags_ids"] == [] and data["scores"] == [1, 2]
    assert data["cf_tax_id"] == "913" and data["cf_erp_code"] == "C000101"
    assert "rollups" not in data and "custom_fields" not in data
    with pytest.raises(ParseError, match="without id"):
        flatten("contacts", {"name": "x"})


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthError),
        (403, AuthError),
        (429, RateLimitError),
        (400, ClientError),
        (404, ClientError),
        (500, TransientError),
        (503, TransientError),
        (501, ServerError),
    ],
)
def test_status_mapping(status, kind):
    err = map_status(
        status,
        {"error": True, "errors": {"name": ["Account already exists"]}},
        method="POST",
        path="/api/accounts/",
        system="crm",
    )
    assert type(err) is kind and err.status == status
    assert "Account already exists" in str(err)


def test_write_bodies():
    assert account_body({"name": "X", "city": "SH", "cf_tax_id": "913", "cf_erp_code": None}, create=True) == {
        "name": "X",
        "city": "SH",
        "custom_fields": {"tax_id": "913"},
    }
    with pytest.raises(MappingError, match="name"):
        account_body({"city": "SH"}, create=True)
    assert account_body({"city": "SH"}, create=False) == {"city": "SH"}
    with pytest.raises(MappingError, match="last_name"):
        contact_body({"first_name": "Wei"}, create=True)
    assert opportunity_body({"stage": "CLOSED_WON", "amount": 12}) == {"stage": "CLOSED_WON", "amount": "12"}
    with pytest.raises(MappingError, match="nothing to update"):
        opportunity_body({"foo": 1})


class FakeResponse:
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()
        self.headers = headers or {}

    def json(self) -> Any:
        return json.loads(self.content)


class FakeHttp:
    """An injected transport: serves /api/contacts/ from a list with real limit/offset semantics."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []
        self.verify = True

    def request(self, method, url, params=None, json=None, headers=None, timeout=None):
        self.calls.append((method, url, params))
        assert headers["Authorization"].startswith("Bearer ")
        if headers["Authorization"] != "Bearer good":
            return FakeResponse(401, {"detail": "Invalid token."})
        off, lim = int(params["offset"]), int(params["limit"])
        page = self.rows[off : off + lim]
        return FakeResponse(200, {"count": len(self.rows), "results": page}, {"Date": "Sat, 28 Nov 2026 12:00:00 GMT"})

    def close(self) -> None:
        pass


def _connector(http: FakeHttp, token: str = "good", page_size: int = 2) -> DjangoCrmConnector:
    config = DjangoCrmConfig(url="http://crm.invalid", page_size=page_size)
    client = DjangoCrmClient(config.url, token, http=http, system="crm")
    return DjangoCrmConnector(config, ConnectorContext("crm", "."), client=client)


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": f"c{i}", "first_name": "W", "updated_at": f"2026-11-28T10:00:0{i}Z"} for i in range(n)]


def test_paging_reads_all_pages_and_cursor_advances_only_at_the_end():
    http = FakeHttp(_rows(5))
    batches = list(_connector(http).read("contacts", None))
    assert [len(b.records) for b in batches] == [2, 2, 1]
    assert [b.final for b in batches] == [False, False, True]
    assert batches[0].state == {} and batches[-1].state == {"updated_after": "2026-11-28T10:00:04Z"}
    assert [c[2]["offset"] for c in http.calls] == [0, 2, 4]


def test_incremental_read_emits_only_rows_changed_after_the_cursor():
    http = FakeHttp(_rows(5))
    records = [
        r for b in _connector(http).read("contacts", {"updated_after": "2026-11-28T10:00:02Z"}) for r in b.records
    ]
    assert [r.key for r in records] == ["c3", "c4"]


def test_cursor_never_passes_the_server_time_the_read_started():
    rows = _rows(2) + [{"id": "late", "updated_at": "2026-11-28T12:00:05Z"}]
    batches = list(_connector(FakeHttp(rows), page_size=10).read("contacts", None))
    assert batches[-1].state == {"updated_after": "2026-11-28T12:00:00Z"}


def test_bad_token_is_auth_error_and_repr_masks_it():
    http = FakeHttp(_rows(1))
    connector = _connector(http, token="bcrm_pat_wrong")
    with pytest.raises(AuthError, match="Invalid token"):
        list(connector.read("contacts", None))
    assert "bcrm_pat_wrong" not in repr(connector.client)


def test_unwritable_stream_and_unsupported_op():
    connector = _connector(FakeHttp([]))
    from hub.errors import DiscoveryError

    with pytest.raises(DiscoveryError, match="writable"):
        list(connector.write("invoices", []))
    (result,) = connector.write("opportunities", [Change("create", None, {"name": "x"}, "k1")])
    assert not result.ok and isinstance(result.error, ClientError) and "update" in str(result.error)
