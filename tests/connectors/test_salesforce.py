"""The Salesforce connector against the Salesforce-compatible test server over real TLS sockets."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from conformance import ConnectorConformance, read_all

from connectors.salesforce import SalesforceConfig, build_connector, register_connectors
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, RateLimitError, TransientError
from testkit.servers.salesforce import start_server

SECRETS = {"password": "pw-123", "security_token": "TOKEN456", "client_secret": "app-secret-789"}


def make(server: Any, secrets: dict[str, str] | None = None, **overrides: Any):
    cfg: dict[str, Any] = {
        "auth": "password",
        "login_url": server.url,
        "username": "integration@channelco.example",
        "client_id": "hub-connected-app",
        "verify": server.ca_file,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "max_attempts": 3,
        "page_size": 200,
        "bulk_poll_interval": 0.02,
        "api_limit_pause": 0.01,
        "objects": {
            "accounts": {"object": "Account", "external_id_field": "ERP_Customer_Code__c"},
            "contacts": {"object": "Contact", "fields": ["Id", "LastName", "Email", "SystemModstamp"]},
        },
    }
    cfg.update(overrides)
    return build_connector(
        SalesforceConfig.model_validate(cfg), ConnectorContext("crm", ".", SECRETS if secrets is None else secrets)
    )


@pytest.fixture
def server():
    handle = start_server(port=0, accounts=450)
    yield handle
    handle.stop()


def account_ids(server: Any) -> list[str]:
    return sorted(server.org.records["Account"])


class TestSalesforceConformance(ConnectorConformance):
    readable_stream = "accounts"
    writable_stream = "accounts"

    @pytest.fixture
    def conformance_server(self):
        handle = start_server(port=0, accounts=60)
        yield handle
        handle.stop()

    def make_connector(self, server: Any, **overrides: Any):
        return make(server, **overrides)

    def config_model(self):
        return SalesforceConfig

    def valid_config(self, server: Any) -> dict[str, Any]:
        return {"auth": "password", "login_url": server.url, "username": "u", "client_id": "c"}

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        return [
            {"auth": "password", "login_url": server.url, "client_id": "c"},  # no username
            {"auth": "session"},  # no instance_url
            {"auth": "password", "login_url": "http://plain.example", "username": "u", "client_id": "c"},
            {"auth": "oauth", "username": "u"},
            {"auth": "client_credentials", "client_id": "c", "api_version": "latest"},
            {"auth": "client_credentials", "client_id": "c", "objects": {"x": {"object": "Account; DROP"}}},
        ]

    def make_changes(self, server: Any) -> set[str]:
        ids = account_ids(server)
        server.org.update("Account", ids[4], {"Name": "Changed"})
        server.org.update("Account", ids[40], {"BillingCity": "Xiamen"})
        return {ids[4], ids[40]}

    def fault(self, server: Any, status: int) -> None:
        server.fault_status(status, times=1000)

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        return [
            Change(
                "upsert",
                None,
                {"ERP_Customer_Code__c": "C000003", "Name": "Upserted"},
                "u1",
                match_field="ERP_Customer_Code__c",
            ),
            Change("upsert", None, {"ERP_Customer_Code__c": "NEW-1", "Name": "Brand new"}, "u2"),
            Change("upsert", None, {"ERP_Customer_Code__c": "NEW-2", "Nam": "typo"}, "u3"),
            Change("create", None, {"Name": "Created"}, "c1"),
            Change("create", None, {"BillingCity": "no name"}, "c2"),
            Change("update", account_ids(server)[7], {"Phone": "+86 10 1234"}, "p1"),
        ], {"u3", "c2"}


def test_rest_paging_resumes_exactly_from_each_batch(server: Any) -> None:
    conn = make(server)
    records, batches = read_all(conn, "accounts", None)
    assert len(records) == 450 and len(batches) == 3
    resumed, _ = read_all(conn, "accounts", batches[0].state)
    assert [r.key for r in resumed] == [r.key for r in records[200:]]


def test_equal_stamps_across_a_page_boundary_are_not_skipped(server: Any) -> None:
    same = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    ids = account_ids(server)[100:400]
    for rid in ids:  # 300 rows with one SystemModstamp: a page boundary falls inside them
        server.org.records["Account"][rid]["SystemModstamp"] = same
    conn = make(server)
    _, batches = read_all(conn, "accounts", None)
    assert (
        batches[0].state["cursor"] == "2026-06-01T00:00:00.000Z"
        or batches[1].state["cursor"] == "2026-06-01T00:00:00.000Z"
    )
    first_with_tie = next(b for b in batches if b.state.get("cursor") == "2026-06-01T00:00:00.000Z" and not b.final)
    resumed, _ = read_all(conn, "accounts", first_with_tie.state)
    all_records, _ = read_all(conn, "accounts", None)
    position = [r.key for r in all_records].index(first_with_tie.state["id"])
    assert [r.key for r in resumed] == [r.key for r in all_records[position + 1 :]]


def test_deletes_propagate_through_query_all(server: Any) -> None:
    conn = make(server)
    _, batches = read_all(conn, "accounts", None)
    victim = account_ids(server)[10]
    server.org.delete("Account", victim)
    records, _ = read_all(conn, "accounts", batches[-1].state)
    assert [(r.key, r.data["IsDeleted"]) for r in records] == [(victim, True)]


def test_upsert_round_trip(server: Any) -> None:
    conn = make(server)
    _, batches = read_all(conn, "accounts", None)
    first = list(
        conn.write("accounts", [Change("upsert", None, {"ERP_Customer_Code__c": "ERP-9", "Name": "Round Trip"}, "r1")])
    )
    assert first[0].ok and first[0].created
    again = list(conn.write("accounts", [Change("upsert", "ERP-9", {"Name": "Round Trip 2"}, "r2")]))
    assert again[0].ok and not again[0].created and again[0].external_id == first[0].external_id
    records, _ = read_all(conn, "accounts", batches[-1].state)
    assert [(r.key, r.data["Name"], r.data["ERP_Customer_Code__c"]) for r in records] == [
        (first[0].external_id, "Round Trip 2", "ERP-9")
    ]


def test_duplicate_external_id_in_org_is_a_per_record_error(server: Any) -> None:
    ids = account_ids(server)
    server.org.update("Account", ids[1], {"ERP_Customer_Code__c": "DUP"})
    server.org.update("Account", ids[2], {"ERP_Customer_Code__c": "DUP"})
    results = list(
        make(server).write(
            "accounts", [Change("upsert", "DUP", {"Name": "x"}, "d1"), Change("upsert", "OK-1", {"Name": "y"}, "d2")]
        )
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error.details["fault_code"] == "DUPLICATE_EXTERNAL_ID"


def test_bulk_query_path_matches_rest_and_resumes(server: Any) -> None:
    rest, _ = read_all(make(server), "accounts", None)
    conn = make(server, bulk_threshold=100, bulk_page_size=170)
    bulk, batches = read_all(conn, "accounts", None)
    assert server.app.bulk.jobs, "a Bulk 2.0 query job must have run"
    assert {r.key: r.data for r in bulk} == {r.key: r.data for r in rest}
    assert all(b.state == {} for b in batches[:-1]), "unordered bulk pages must not move the cursor"
    ids = account_ids(server)
    server.org.update("Account", ids[0], {"Name": "after bulk"})
    changed, _ = read_all(conn, "accounts", batches[-1].state)
    assert [r.key for r in changed] == [ids[0]]


def test_bulk_ingest_upsert_maps_results_per_record(server: Any) -> None:
    conn = make(server, bulk_write_threshold=2)
    changes = [
        Change("upsert", None, {"ERP_Customer_Code__c": f"BULK-{i}", "Name": f"Bulk {i}"}, f"b{i}") for i in range(4)
    ]
    changes.append(Change("upsert", None, {"ERP_Customer_Code__c": "BULK-X", "Name": "bad", "Phone": True}, "bx"))
    changes.append(Change("upsert", None, {"ERP_Customer_Code__c": "BULK-0", "Name": "dup in batch"}, "bd"))
    results = list(conn.write("accounts", changes))
    assert [r.idempotency_key for r in results] == [c.idempotency_key for c in changes]
    assert [r.ok for r in results] == [False, True, True, True, True, False]  # BULK-0 twice: both refused
    assert any(j["_kind"] == "ingest" for j in server.app.bulk.jobs.values())
    assert results[1].created and results[1].external_id.startswith("001")


def test_expired_session_logs_in_again_and_completes(server: Any) -> None:
    conn = make(server)
    read_all(conn, "accounts", None)
    server.fault_expired_session()
    records, _ = read_all(conn, "accounts", None)
    assert len(records) == 450 and conn.client.logins == 2


def test_expired_session_without_credentials_is_auth_error(server: Any) -> None:
    token = server.app.issue_session()
    conn = make(server, secrets={"session_id": token}, auth="session", instance_url=server.url)
    assert len(read_all(conn, "accounts", None)[0]) == 450
    server.fault_expired_session()
    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        read_all(conn, "accounts", None)


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_with_retry_after_is_survived(server: Any, status: int) -> None:
    conn = make(server)
    server.fault_status(status, times=2, retry_after=0.2, path="/queryAll/")
    started = time.monotonic()
    records, _ = read_all(conn, "accounts", None)
    assert len(records) == 450 and time.monotonic() - started >= 0.4


def test_request_limit_exceeded_retried_then_typed_error(server: Any) -> None:
    conn = make(server)
    server.fault_request_limit(times=1)
    assert len(read_all(conn, "accounts", None)[0]) == 450
    server.fault_request_limit(times=100)
    with pytest.raises(RateLimitError, match="REQUEST_LIMIT_EXCEEDED"):
        read_all(conn, "accounts", None)


def test_dropped_connection_mid_paging_retries_the_page(server: Any) -> None:
    conn = make(server)
    server.fault_drop(times=1, path="/queryAll/01g")
    records, _ = read_all(conn, "accounts", None)
    assert len({r.key for r in records}) == 450
    assert ("drop",) == tuple(k for k, _ in server.faults.fired)


def test_slow_responses_within_and_beyond_the_timeout(server: Any) -> None:
    server.fault_slow(0.3, times=2)
    assert len(read_all(make(server), "accounts", None)[0]) == 450
    server.fault_slow(2.0, times=20)
    with pytest.raises(TransientError, match="timed out"):
        read_all(make(server, timeout=0.5, max_attempts=2), "accounts", None)


def test_near_the_api_limit_the_connector_slows_down(server: Any) -> None:
    conn = make(server)
    server.set_api_usage(14_000, 15_000)
    read_all(conn, "accounts", None)
    assert conn.client.slowdowns >= 2


def test_client_credentials_and_session_flows(server: Any) -> None:
    cc = make(server, auth="client_credentials", username=None)
    assert [c.ok for c in cc.check()] == [True] * 5
    token = server.app.issue_session()
    direct = make(server, auth="session", instance_url=server.url, secrets={"session_id": token})
    assert len(read_all(direct, "contacts", None)[1]) == 1


def test_jwt_bearer_flow() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    handle = start_server(port=0, accounts=5, jwt_public_key=public)
    try:
        conn = make(handle, auth="jwt", secrets={"private_key": private})
        assert len(read_all(conn, "accounts", None)[0]) == 5
        assert handle.app.logins == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    finally:
        handle.stop()


def test_check_reports_login_version_and_objects_without_leaking_secrets(server: Any) -> None:
    lines = {c.name: c for c in make(server).check()}
    assert set(lines) == {"login", "api version", "api limits", "object Account", "object Contact"}
    assert "v59.0 offered" in lines["api version"].detail
    bad = make(server, secrets={**SECRETS, "password": "wrong-pass-77"}).check()
    assert [(c.name, c.ok) for c in bad] == [("login", False)]
    assert "wrong-pass-77" not in bad[0].detail and "app-secret-789" not in bad[0].detail
    missing = make(server, objects={"x": {"object": "Account", "external_id_field": "Name"}}).check()
    assert not missing[-1].ok and "not an external id" in missing[-1].detail


def test_unconfigured_objects_are_discovered_and_readable(server: Any) -> None:
    conn = make(server)
    names = {s.name for s in conn.discover()}
    assert {"accounts", "contacts", "Opportunity", "Order", "OrderItem", "User"} <= names
    server.org.insert("Opportunity", {"Name": "Deal", "Amount": 1200.0, "CloseDate": dt.date(2026, 3, 1)})
    (record,), _ = read_all(conn, "Opportunity", None)
    assert record.data["Amount"] == 1200.0 and record.data["CloseDate"] == "2026-03-01"


def test_registers_through_the_hook() -> None:
    found: dict[str, Any] = {}
    register_connectors(lambda kind, model, factory, description="": found.update({kind: (model, factory)}))
    assert found["salesforce"] == (SalesforceConfig, build_connector)
