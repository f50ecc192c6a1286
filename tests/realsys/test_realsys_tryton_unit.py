"""Unit tests of the Tryton connector that need no server: JSON-RPC encoding, error mapping, flattening."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from connectors.tryton.client import TrytonClient, dumps, loads, map_error
from connectors.tryton.streams import OUT_FIELDS, STREAMS, party_create_values, sale_create_values, stock_rows
from hub.errors import AuthError, ClientError, MappingError, RateLimitError, ServerError, TransientError


def test_decimal_and_dates_encode_as_tryton_class_objects():
    payload = {
        "d": Decimal("12.50"),
        "day": dt.date(2026, 3, 31),
        "ts": dt.datetime(2026, 3, 31, 8, 15, 2, 123),
        "t": dt.time(9, 30),
        "span": dt.timedelta(hours=1),
        "raw": b"\x00\xff",
    }
    wire = json.loads(dumps(payload))
    assert wire["d"] == {"__class__": "Decimal", "decimal": "12.50"}
    assert wire["day"] == {"__class__": "date", "year": 2026, "month": 3, "day": 31}
    assert wire["ts"] == {
        "__class__": "datetime", "year": 2026, "month": 3, "day": 31,
        "hour": 8, "minute": 15, "second": 2, "microsecond": 123,
    }  # fmt: skip
    assert wire["t"]["__class__"] == "time" and wire["span"] == {"__class__": "timedelta", "seconds": 3600.0}
    assert loads(dumps(payload)) == payload


def test_decode_keeps_plain_dicts_and_nested_values():
    text = '{"result": [{"id": 1, "amount": {"__class__": "Decimal", "decimal": "-0.01"}, "x": {"__class__": "Other", "v": 1}}]}'
    row = loads(text)["result"][0]
    assert row["amount"] == Decimal("-0.01") and isinstance(row["amount"], Decimal)
    assert row["x"] == {"__class__": "Other", "v": 1}


def test_unencodable_value_is_a_type_error():
    with pytest.raises(TypeError, match="object"):
        dumps({"x": object()})


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, AuthError),
        (403, AuthError),
        (429, RateLimitError),
        (404, ClientError),
        (503, TransientError),
        (500, TransientError),
    ],
)
def test_http_status_maps_to_error_tree(status, kind):
    err = map_error(status=status, method="model.party.party.read", system="erp", body="nope")
    assert type(err) is kind
    assert err.status == status and err.system == "erp"


def test_rate_limit_carries_retry_after():
    err = map_error(status=429, method="common.db.login", retry_after="30")
    assert isinstance(err, RateLimitError) and err.retry_after == 30.0


def test_user_error_maps_to_client_error_with_message():
    err = map_error(
        error=["UserError", ["The code must be unique.", "Party C1", None]], method="model.party.party.create"
    )
    assert isinstance(err, ClientError)
    assert "The code must be unique." in str(err) and err.fault_code == "UserError"
    assert err.fault_string == "The code must be unique."


def test_unexpected_exception_maps_to_server_error():
    err = map_error(error=["division by zero", "Traceback ..."], method="model.sale.sale.quote")
    assert isinstance(err, ServerError) and "division by zero" in str(err)


def test_concurrency_is_transient():
    assert isinstance(map_error(error=["ConcurrencyException", "Records were modified"], method="m"), TransientError)


def test_client_repr_hides_password():
    client = TrytonClient("http://127.0.0.1:1", "db", "admin", "s3cret-pass")
    assert "s3cret" not in repr(client)


def test_login_without_password_is_auth_error():
    with pytest.raises(AuthError, match="no password"):
        TrytonClient("http://127.0.0.1:1", "db", "admin", None).login()


def _ts(s):
    return dt.datetime(2026, 1, 2, 3, 4, s)


def test_party_flattening_has_the_documented_fields():
    row = {
        "id": 7, "code": "C000107", "name": "上海华信贸易有限公司", "active": True, "phone": "021-1", "mobile": "",
        "email": "a@b.cn", "addresses": [3], "contact_mechanisms": [5, 6], "create_date": _ts(1), "write_date": None,
        "tax_identifier.": {"id": 1, "code": "91310000MA1K000000", "type": "cn_vat"},
    }  # fmt: skip
    kids = {
        "addresses": {3: {"address_id": 3, "street": "华信路1号", "city": "上海", "postal_code": "200001", "country": "CN", "subdivision": None}},
        "contact_mechanisms": {5: {"mechanism_id": 5, "type": "phone", "value": "021-1"}, 6: {"mechanism_id": 6, "type": "website", "value": "https://x.cn"}},
    }  # fmt: skip
    data = STREAMS["parties"].flatten(row, kids)
    assert tuple(data) == OUT_FIELDS["parties"]
    assert data["tax_id"] == "91310000MA1K000000" and data["city"] == "上海" and data["website"] == "https://x.cn"
    assert data["updated_at"] == "2026-01-02T03:04:01Z"  # write_date empty: the create date counts


@pytest.mark.parametrize("stream", ["products", "sales", "sale_lines", "invoices", "payments"])
def test_every_stream_flattens_to_its_documented_fields(stream):
    row = {"id": 1, "create_date": _ts(1), "write_date": _ts(2), "quantity": 2.0, "lines": [], "lines_to_pay": []}
    data = STREAMS[stream].flatten(row, {"lines": {}, "lines_to_pay": {}})
    assert tuple(data) == OUT_FIELDS[stream]
    assert data["updated_at"] == "2026-01-02T03:04:02Z"


def test_sale_lines_and_amounts_are_strings():
    row = {
        "id": 2,
        "lines": [10],
        "total_amount": Decimal("75.00"),
        "sale_date": dt.date(2026, 3, 1),
        "create_date": _ts(0),
    }
    line = {10: {"line_id": 10, "sale_id": 2, "line_no": None, "product_id": 4, "sku": "SKU-1", "description": None,
                 "quantity": "3.0", "unit": "Unit", "unit_price": "25.00", "amount": "75.00"}}  # fmt: skip
    data = STREAMS["sales"].flatten(row, {"lines": line})
    assert data["total_amount"] == "75.00" and data["sale_date"] == "2026-03-01"
    assert data["lines"][0]["line_no"] == 1 and data["lines"][0]["sku"] == "SKU-1"


def test_stock_rows_skip_zero_and_key_by_location_and_sku():
    rows = stock_rows({"id": 5, "code": "WH", "name": "Warehouse"},
                      [{"id": 1, "code": "SKU-1", "quantity": 12.0, "forecast_quantity": 10.0},
                       {"id": 2, "code": "SKU-2", "quantity": 0, "forecast_quantity": 0}], dt.date(2026, 3, 31))  # fmt: skip
    assert [k for k, _ in rows] == ["WH|SKU-1"]
    assert rows[0][1]["quantity"] == "12.0" and rows[0][1]["as_of"] == "2026-03-31"


def test_party_create_values_builds_one2many_commands():
    values = party_create_values({"name": "X", "code": "C1", "tax_id": "913", "phone": "021", "city": "上海"}, 9)
    assert values["identifiers"] == [["create", [{"type": "cn_vat", "code": "913"}]]]
    assert values["contact_mechanisms"] == [["create", [{"type": "phone", "value": "021"}]]]
    assert values["addresses"] == [["create", [{"city": "上海", "country": 9}]]]
    with pytest.raises(MappingError, match="name"):
        party_create_values({"code": "C1"}, None)


def test_sale_values_carry_unit_price_and_addresses_because_no_on_change_runs():
    party = {"id": 3, "code": "C1", "addresses": [8]}
    products = {
        "SKU-1": {"id": 4, "name": "Soap", "default_uom.": {"id": 1}, "template.": {"list_price": Decimal("6.80")}}
    }
    values = sale_create_values(
        {"party_code": "C1", "sale_date": "2026-03-01", "lines": [{"sku": "SKU-1", "quantity": "2"}]}, party, products
    )
    (line,) = values["lines"][0][1]
    assert values["invoice_address"] == values["shipment_address"] == 8
    assert line == {
        "type": "line",
        "product": 4,
        "unit": 1,
        "quantity": 2.0,
        "unit_price": Decimal("6.80"),
        "description": "Soap",
    }
    assert values["sale_date"] == dt.date(2026, 3, 1)
    with pytest.raises(MappingError, match="unknown product"):
        sale_create_values({"lines": [{"sku": "NOPE", "quantity": 1}]}, party, products)
    with pytest.raises(ClientError, match="no address"):
        sale_create_values({"lines": [{"sku": "SKU-1", "quantity": 1}]}, {"id": 3, "addresses": []}, products)


def test_writes_to_one_database_share_one_reentrant_lock():
    from connectors.tryton.client import write_lock

    a, b = write_lock("http://h:1/", "db"), write_lock("http://h:1", "db")
    assert a is b and write_lock("http://h:1", "other") is not a
    with a:
        assert a.acquire(blocking=False)  # re-entrant: a create inside a locked upsert does not deadlock
        a.release()
