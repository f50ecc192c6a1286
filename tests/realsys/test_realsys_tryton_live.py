"""The Tryton connector against a real trytond 8.2 seeded with the ChannelCo slice (slow: builds once, then ~1 min)."""

from __future__ import annotations

import pytest

from connectors.tryton.client import TrytonClient
from connectors.tryton.config import TrytonConfig
from connectors.tryton.connector import TrytonConnector
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, ClientError, DiscoveryError, RateLimitError

# the first session builds the cached venvs and templates inside fixture set-up (minutes)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def erp(tryton_server):
    creds = tryton_server.credentials
    config = TrytonConfig(url=tryton_server.url, database=creds["database"], username=creds["username"], batch_size=7)
    connector = TrytonConnector(config, ConnectorContext("erp", ".", {"password": creds["password"]}))
    yield connector
    connector.close()


def _read_all(connector, stream, state=None):
    records, last = [], None
    for batch in connector.read(stream, state):
        records += batch.records
        last = batch
    assert last is not None and last.final
    return records, last.state


def test_check_logs_in_and_reads_every_model(erp):
    checks = erp.check()
    assert all(c.ok for c in checks), checks
    assert checks[0].name == "login"


def test_full_read_of_every_stream_matches_the_seed(erp, tryton_meta):
    counts = tryton_meta["counts"]
    parties, state = _read_all(erp, "parties")
    seeded = [p for p in parties if p.data["code"].startswith("C")]
    assert len(seeded) == counts["parties"] and state["since"].endswith("Z")
    assert len({p.key for p in parties}) == len(parties)  # keyset paging: no repeats across pages
    sample = next(p.data for p in seeded if p.data["tax_id"])
    assert sample["tax_id_type"] == "cn_vat" and sample["city"] and sample["phone"] and sample["country"] == "CN"
    products, _ = _read_all(erp, "products")
    assert sorted(p.data["sku"] for p in products) == [f"SKU-100{i}" for i in range(1, counts["products"] + 1)]
    stock, _ = _read_all(erp, "stock")
    assert len(stock) == counts["products"] and all(float(s.data["quantity"]) > 0 for s in stock)
    assert stock[0].key == f"WH|{stock[0].data['sku']}"
    sales, _ = _read_all(erp, "sales")
    assert len(sales) >= counts["sales"]
    states = {s.data["state"] for s in sales}
    assert {"draft", "quotation", "processing"} <= states
    assert all(s.data["lines"] and s.data["lines"][0]["sku"] for s in sales)
    line_total = sum(float(line["amount"]) for line in sales[0].data["lines"])
    assert abs(line_total - float(sales[0].data["untaxed_amount"])) < 0.01
    invoices, _ = _read_all(erp, "invoices")
    posted = [i.data for i in invoices if i.data["state"] in ("posted", "paid")]
    assert len(posted) == counts["invoices"]
    assert any(i["state"] == "paid" and i["amount_to_pay"] in ("0", "0.00") for i in posted)
    assert all(i["due_date"] and i["sale_id"] for i in posted)
    payments, _ = _read_all(erp, "payments")
    assert len(payments) == counts["payments"]
    assert all(p.data["invoice_number"] and p.data["reconciled"] for p in payments)


def test_incremental_read_returns_only_changed_rows(erp):
    _, state = _read_all(erp, "parties")
    again, same_state = _read_all(erp, "parties", state)
    assert again == [] and same_state == state
    target = erp.client.search_read("party.party", [("code", "=", "C000101")], ["id"])[0]["id"]
    erp.client.write("party.party", [target], {"name": "上海 renamed for the incremental test"})
    changed, new_state = _read_all(erp, "parties", state)
    assert [r.key for r in changed] == [str(target)]
    assert changed[0].data["name"] == "上海 renamed for the incremental test"
    assert new_state["since"] > state["since"]


def test_write_party_then_draft_sale(erp):
    party_change = Change(
        "upsert", None,
        {"code": "C009001", "name": "杭州测试贸易有限公司", "tax_id": "91330100MA2H0Q0E3R", "phone": "+86 571 5555 0101",
         "email": "ops@test.example.cn", "street": "测试路1号", "city": "杭州", "postal_code": "310000", "country": "CN"},
        "party-1", match_field="code",
    )  # fmt: skip
    (created,) = erp.write("parties", [party_change])
    assert created.ok and created.created, created.error
    (updated,) = erp.write(
        "parties",
        [
            Change(
                "upsert",
                None,
                {"code": "C009001", "name": "杭州测试贸易有限公司(更新)", "city": "杭州市"},
                "party-2",
                match_field="code",
            )
        ],
    )
    assert updated.ok and not updated.created and updated.external_id == created.external_id
    row = erp.client.search_read(
        "party.party", [("id", "=", int(created.external_id))], ["name", "tax_identifier.code", "addresses"]
    )[0]
    assert row["name"].endswith("(更新)") and row["tax_identifier."]["code"] == "91330100MA2H0Q0E3R"
    sale = Change("create", None, {"party_code": "C009001", "sale_date": "2026-03-30", "reference": "HUB-1",
                                   "lines": [{"sku": "SKU-1001", "quantity": 4}, {"sku": "SKU-1002", "quantity": 1, "unit_price": "6.00"}]}, "sale-1")  # fmt: skip
    bad = Change("create", None, {"party_code": "C009001", "lines": [{"sku": "NOPE", "quantity": 1}]}, "sale-2")
    ok, failed = erp.write("sales", [sale, bad])
    assert ok.ok and ok.created
    assert not failed.ok and "NOPE" in str(failed.error) and failed.error.stream == "sales"
    (sale_row,) = erp.client.search_read(
        "sale.sale", [("id", "=", int(ok.external_id))], ["state", "total_amount", "invoice_address"]
    )
    assert sale_row["state"] == "draft" and str(sale_row["total_amount"]) == "56.00" and sale_row["invoice_address"]


def test_invalid_tax_id_is_a_per_record_client_error(erp):
    good = Change("create", None, {"name": "Good Co", "code": "C009002"}, "k-good")
    bad = Change("create", None, {"name": "Bad Co", "code": "C009003", "tax_id": "123"}, "k-bad")
    r_good, r_bad = erp.write("parties", [good, bad])
    assert r_good.ok
    assert not r_bad.ok and isinstance(r_bad.error, ClientError)
    assert "Chinese Unified Social Credit Code" in str(r_bad.error) and r_bad.error.fault_code == "UserError"


def test_app_error_on_read_carries_the_server_message(erp):
    with pytest.raises(ClientError, match="don't exist"):
        erp.client.call("party.party", "read", [999999], ["name"])


def test_bad_session_is_auth_error(tryton_server):
    creds = tryton_server.credentials
    client = TrytonClient(tryton_server.url, creds["database"], creds["username"], None)
    client.set_session(1, "0" * 64)
    with pytest.raises(AuthError) as info:
        client.call("party.party", "search_count", [])
    assert info.value.status == 401


def test_wrong_password_then_throttling(tryton_server):
    creds = tryton_server.credentials
    seen = []
    for _ in range(4):  # the test server throttles after 1 failed attempt (conftest)
        client = TrytonClient(tryton_server.url, creds["database"], "throttled-user", "wrong")
        try:
            client.login()
        except (AuthError, RateLimitError) as exc:
            seen.append(type(exc))
    assert seen[0] is AuthError and RateLimitError in seen


def test_unknown_stream_is_discovery_error(erp):
    with pytest.raises(DiscoveryError, match="parties"):
        list(erp.read("orders", None))
    with pytest.raises(DiscoveryError, match="writable"):
        list(erp.write("invoices", []))
