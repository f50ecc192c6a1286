"""The django-crm connector against a real django-crm 1.35 seeded with the ChannelCo slice (slow)."""

from __future__ import annotations

import pytest

from connectors.djangocrm.client import DjangoCrmClient
from connectors.djangocrm.config import DjangoCrmConfig
from connectors.djangocrm.connector import DjangoCrmConnector
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, ClientError

# the first session builds the cached venvs and templates inside fixture set-up (minutes)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def crm(djangocrm_server):
    config = DjangoCrmConfig(url=djangocrm_server.url, page_size=7)
    connector = DjangoCrmConnector(
        config, ConnectorContext("crm", ".", {"token": djangocrm_server.credentials["token"]})
    )
    yield connector
    connector.close()


def _read_all(connector, stream, state=None):
    records, last = [], None
    for batch in connector.read(stream, state):
        records += batch.records
        last = batch
    assert last is not None and last.final
    return records, last.state


def test_check_reads_every_endpoint(crm):
    assert all(c.ok for c in crm.check())


def test_full_read_of_every_stream_matches_the_seed(crm, djangocrm_meta):
    counts = djangocrm_meta["counts"]
    for stream in ("accounts", "contacts", "leads", "opportunities", "invoices"):
        records, _ = _read_all(crm, stream)
        assert len(records) == counts[stream], stream
        assert len({r.key for r in records}) == len(records), f"{stream}: paging repeated rows"
    accounts, _ = _read_all(crm, "accounts")
    assert any(a.data.get("cf_tax_id") for a in accounts) and any(a.data.get("cf_erp_code") for a in accounts)
    assert all(a.data["country"] == "CN" and a.data["phone"] for a in accounts)
    contacts, state = _read_all(crm, "contacts")
    assert all(c.data["account"] for c in contacts) and state["updated_after"].endswith("Z")
    deals, _ = _read_all(crm, "opportunities")
    assert all(d.data["account_id"] and d.data["stage"] for d in deals)


def test_incremental_read_returns_only_changed_contacts(crm):
    contacts, state = _read_all(crm, "contacts")
    again, _ = _read_all(crm, "contacts", state)
    assert again == []
    target = contacts[3]
    (result,) = crm.write("contacts", [Change("update", target.key, {"title": "Head of Purchasing"}, "c-upd")])
    assert result.ok, result.error
    changed, new_state = _read_all(crm, "contacts", state)
    assert [r.key for r in changed] == [target.key]
    assert changed[0].data["title"] == "Head of Purchasing"
    assert new_state["updated_after"] > state["updated_after"]


def test_write_account_contact_and_opportunity_update(crm):
    acc = Change("create", None, {"name": "Hangzhou Ceshi Trading Co., Ltd.", "phone": "+86 571 5555 0101", "city": "Hangzhou",
                                  "country": "CN", "cf_tax_id": "91330100MA2H0Q0E3R", "cf_erp_code": "C009001"}, "acc-1")  # fmt: skip
    dup = Change("create", None, {"name": "hangzhou ceshi trading co., ltd."}, "acc-2")
    created, duplicate = crm.write("accounts", [acc, dup])
    assert created.ok and created.created and created.external_id
    assert not duplicate.ok and isinstance(duplicate.error, ClientError) and duplicate.error.status == 400
    assert "already exists" in str(duplicate.error)
    (contact,) = crm.write("contacts", [Change("create", None, {"first_name": "Wei", "last_name": "Wang", "email": "wei.wang@ceshi.example.cn",
                                                                  "account": created.external_id}, "con-1")])  # fmt: skip
    assert contact.ok and contact.created
    accounts, _ = _read_all(crm, "accounts")
    mine = next(a.data for a in accounts if a.key == created.external_id)
    assert mine["cf_tax_id"] == "91330100MA2H0Q0E3R" and mine["cf_erp_code"] == "C009001"
    contacts, _ = _read_all(crm, "contacts")
    assert next(c.data for c in contacts if c.key == contact.external_id)["account"] == created.external_id
    deals, _ = _read_all(crm, "opportunities")
    deal = next(d for d in deals if d.data["stage"] != "CLOSED_WON")
    (upd,) = crm.write(
        "opportunities", [Change("update", deal.key, {"stage": "CLOSED_WON", "amount": "12345.00"}, "opp-1")]
    )
    assert upd.ok and not upd.created and upd.external_id == deal.key
    deals, _ = _read_all(crm, "opportunities")
    after = next(d.data for d in deals if d.key == deal.key)
    assert after["stage"] == "CLOSED_WON" and after["amount"] == "12345.00"


def test_update_of_missing_record_is_per_record_client_error(crm):
    (result,) = crm.write(
        "opportunities", [Change("update", "00000000-0000-4000-8000-000000000000", {"stage": "PROPOSAL"}, "opp-x")]
    )
    assert not result.ok and isinstance(result.error, ClientError) and result.error.status == 404


def test_bad_token_is_auth_error(djangocrm_server):
    client = DjangoCrmClient(djangocrm_server.url, "bcrm_pat_not-a-real-token")
    with pytest.raises(AuthError) as info:
        client.get("/api/contacts/", {"limit": 1})
    assert info.value.status in (401, 403)
    assert "not-a-real-token" not in str(info.value)
