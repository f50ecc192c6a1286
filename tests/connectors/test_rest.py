"""The REST connector against the fake REST API on 127.0.0.1: conformance, paging, auth, cursors, faults, writes."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conformance import ConnectorConformance, read_all

from connectors.rest import RestConfig, build_connector, register_connectors
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, ClientError, ConfigError, RateLimitError, TransientError
from testkit.servers.rest.server import start_server

FAST_RETRY = {"max_attempts": 3, "backoff_base": 0.01, "backoff_max": 0.05}


def make(server: Any, stream: dict[str, Any] | None = None, secrets: dict[str, str] | None = None, **top: Any):
    cfg = {
        "base_url": server.url,
        "auth": {"type": "basic", "username": "hub"},
        "retry": FAST_RETRY,
        "streams": {"customers": stream or page_stream()},
    }
    cfg.update(top)
    if server.ca_file and "verify" not in top:
        cfg["verify"] = server.ca_file
    return build_connector(
        RestConfig.model_validate(cfg),
        ConnectorContext("shop", ".", secrets if secrets is not None else {"password": "s3cret-pw"}),
    )


def page_stream(**extra: Any) -> dict[str, Any]:
    stream = {
        "path": "/customers/page",
        "record_path": "data",
        "primary_key": ["id"],
        "pagination": {"type": "page", "page_size": 10},
        "incremental": {"cursor_field": "updated_at", "mode": "param", "param": "updated_since"},
        "write": {"create_path": "/customers", "update_path": "/customers/{key}", "update_method": "PATCH"},
    }
    stream.update(extra)
    return stream


@pytest.fixture
def server():
    handle = start_server(port=0)
    yield handle
    handle.stop()


class TestRestConformance(ConnectorConformance):
    readable_stream = "customers"
    writable_stream = "customers"

    @pytest.fixture
    def conformance_server(self):
        handle = start_server(port=0)
        yield handle
        handle.stop()

    def make_connector(self, server: Any, **overrides: Any):
        return make(server, **overrides)

    def config_model(self):
        return RestConfig

    def valid_config(self, server: Any) -> dict[str, Any]:
        return {"base_url": server.url, "streams": {"customers": page_stream()}}

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        return [
            {"base_url": "ftp://x", "streams": {"c": page_stream()}},
            {"base_url": server.url, "streams": {}},
            {"base_url": server.url, "streams": {"c": page_stream(primary_key=[])}},
            {"base_url": server.url, "streams": {"c": page_stream(pagination={"type": "pages"})}},
            {"base_url": server.url, "auth": {"type": "kerberos"}, "streams": {"c": page_stream()}},
            {"base_url": server.url, "streams": {"c": page_stream(write={"create_path": "/c", "batch_size": 5})}},
        ]

    def make_changes(self, server: Any) -> set[str]:
        server.app.touch(3, name="Changed 3")
        server.app.touch(17, city="Xiamen")
        return {"3", "17"}

    def fault(self, server: Any, status: int) -> None:
        server.faults.status(status, times=1000)

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        changes = [
            Change("create", None, {"name": "New Co", "email": "new@example.com"}, "w1"),
            Change("update", "5", {"city": "Wuhan"}, "w2"),
            Change("create", None, {"name": ""}, "w3"),
            Change("update", "99999", {"city": "Nowhere"}, "w4"),
            Change("update", "6", {"email": "not-an-address"}, "w5"),
        ]
        return changes, {"w3", "w4", "w5"}


ALL_KEYS = {str(i) for i in range(1, 26)}

STYLES = {
    "page": {"path": "/customers/page", "record_path": "data", "pagination": {"type": "page", "page_size": 10}},
    "offset": {"path": "/customers/offset", "record_path": "results", "pagination": {"type": "offset", "page_size": 4}},
    "cursor": {
        "path": "/customers/cursor",
        "record_path": "items",
        "pagination": {"type": "cursor", "page_size": 6, "cursor_path": "meta.next_cursor"},
    },
    "link_header": {"path": "/customers/link", "pagination": {"type": "link_header", "page_size": 9}},
    "next_url": {
        "path": "/customers/next",
        "record_path": "data.records",
        "pagination": {"type": "next_url", "next_url_path": "links.next"},
    },
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_pagination_style_reads_every_record_once(server: Any, style: str) -> None:
    conn = make(server, {"primary_key": ["id"], **STYLES[style]})
    records, batches = read_all(conn, "customers", None)
    assert sorted(r.key for r in records) == sorted(ALL_KEYS)
    assert len(batches) > 2, "several pages expected"
    assert batches[-1].final and not any(b.final for b in batches[:-1])


@pytest.mark.parametrize(
    ("auth", "secrets", "seen"),
    [
        ({"type": "basic", "username": "hub"}, {"password": "s3cret-pw"}, "basic"),
        ({"type": "bearer"}, {"token": "static-token-123"}, "bearer"),
        ({"type": "api_key", "name": "X-API-Key", "in": "header"}, {"api_key": "key-abc-987"}, "api_key_header"),
        ({"type": "api_key", "name": "api_key", "in": "query"}, {"api_key": "key-abc-987"}, "api_key_query"),
        (
            {"type": "oauth2_client_credentials", "token_url": "__URL__/oauth/token", "client_id": "hub-client"},
            {"client_secret": "client-secret-xyz"},
            "oauth2",
        ),
    ],
)
def test_each_auth_style_is_accepted(server: Any, auth: dict[str, Any], secrets: dict[str, str], seen: str) -> None:
    auth = {k: (v.replace("__URL__", server.url) if isinstance(v, str) else v) for k, v in auth.items()}
    conn = make(server, auth=auth, secrets=secrets)
    records, _ = read_all(conn, "customers", None)
    assert len(records) == 25
    assert set(server.app.auth_seen) == {seen}


def test_wrong_credentials_raise_auth_error_without_leaking_the_secret(server: Any) -> None:
    conn = make(server, secrets={"password": "wrong-password-42"})
    with pytest.raises(AuthError) as info:
        read_all(conn, "customers", None)
    assert info.value.status == 401 and info.value.stream == "customers"
    assert "wrong-password-42" not in str(info.value) and "wrong-password-42" not in repr(conn)


def test_api_key_in_query_is_not_shown_in_errors(server: Any) -> None:
    server.faults.status(400, times=5)
    conn = make(server, auth={"type": "api_key", "name": "api_key", "in": "query"}, secrets={"api_key": "key-abc-987"})
    with pytest.raises(ClientError) as info:
        read_all(conn, "customers", None)
    assert "key-abc-987" not in str(info.value)


def test_missing_secret_is_a_config_error(server: Any) -> None:
    with pytest.raises(ConfigError, match="password"):
        make(server, secrets={})


def test_oauth_token_is_refreshed_when_expired_or_revoked() -> None:
    handle = start_server(port=0, token_ttl=2.0)  # long enough that a read on a busy machine ends within it
    try:
        auth = {
            "type": "oauth2_client_credentials",
            "token_url": f"{handle.url}/oauth/token",
            "client_id": "hub-client",
            "refresh_margin": 0.1,
        }
        conn = make(handle, auth=auth, secrets={"client_secret": "client-secret-xyz"})
        read_all(conn, "customers", None)
        assert conn.client.oauth.fetches == 1
        time.sleep(2.0)
        read_all(conn, "customers", None)
        assert conn.client.oauth.fetches == 2, "an expired token must be replaced before use"
        handle.app.expire_tokens()
        records, _ = read_all(conn, "customers", None)
        assert len(records) == 25 and conn.client.oauth.fetches == 3, "a revoked token is replaced after one 401"
    finally:
        handle.stop()


def test_bad_client_secret_is_auth_error(server: Any) -> None:
    auth = {"type": "oauth2_client_credentials", "token_url": f"{server.url}/oauth/token", "client_id": "hub-client"}
    conn = make(server, auth=auth, secrets={"client_secret": "nope"})
    with pytest.raises(AuthError, match="token request rejected"):
        read_all(conn, "customers", None)
    checks = conn.check()
    assert checks[0].name == "login" and not checks[0].ok and "nope" not in checks[0].detail


def test_client_side_filter_with_lookback(server: Any) -> None:
    stream = page_stream(incremental={"cursor_field": "updated_at", "mode": "filter", "lookback_seconds": 2})
    conn = make(server, stream)
    _, batches = read_all(conn, "customers", None)
    state = batches[-1].state
    assert state == {"cursor": "2026-01-01T00:00:25Z"}
    again, _ = read_all(conn, "customers", state)
    assert sorted(r.key for r in again) == ["24", "25"], "the 2-second lookback re-reads the two newest rows"
    server.app.touch(1, name="x")
    again, batches = read_all(conn, "customers", state)
    assert sorted(r.key for r in again) == ["1", "24", "25"]
    assert batches[-1].state == {"cursor": "2026-01-01T00:00:26Z"}


def test_unsorted_stream_moves_cursor_only_in_the_final_batch(server: Any) -> None:
    server.app.touch(2, name="late")
    conn = make(server)
    batches = list(conn.read("customers", {"cursor": "2026-01-01T00:00:00Z"}))
    assert all(b.state == {"cursor": "2026-01-01T00:00:00Z"} for b in batches[:-1])
    assert batches[-1].state == {"cursor": "2026-01-01T00:00:26Z"}


def test_sorted_stream_moves_cursor_every_page_without_skipping_ties(server: Any) -> None:
    stream = page_stream(
        params={"order_by": "updated_at"}, incremental={"cursor_field": "updated_at", "mode": "param", "sorted": True}
    )
    conn = make(server, stream)
    batches = list(conn.read("customers", None))
    assert batches[0].state == {"cursor": "2026-01-01T00:00:09Z"}, "strictly below the page's last value"
    # resuming from the first batch's state re-reads its last row and nothing before it
    resumed, _ = read_all(conn, "customers", batches[0].state)
    assert sorted(int(r.key) for r in resumed) == list(range(10, 26))


def test_retry_after_on_429_is_honoured(server: Any) -> None:
    server.faults.status(429, times=2, retry_after=0.3)
    conn = make(server)
    started = time.monotonic()
    records, _ = read_all(conn, "customers", None)
    assert len(records) == 25
    assert time.monotonic() - started >= 0.6


def test_503_and_dropped_connections_are_retried(server: Any) -> None:
    server.faults.status(503, times=1, retry_after=0.05)
    server.faults.drop(times=1)
    records, _ = read_all(make(server), "customers", None)
    assert len(records) == 25
    assert [kind for kind, _ in server.faults.fired] == ["status", "drop"]


def test_persistent_429_fails_with_rate_limit_error(server: Any) -> None:
    server.faults.status(429, times=100, retry_after=0.01)
    with pytest.raises(RateLimitError) as info:
        read_all(make(server), "customers", None)
    assert info.value.retry_after == pytest.approx(0.01)


def test_slow_response_times_out_as_transient_error(server: Any) -> None:
    server.faults.slow(1.5, times=10)
    conn = make(server, timeout=0.3, retry={"max_attempts": 2, "backoff_base": 0.01})
    with pytest.raises(TransientError, match="timed out"):
        read_all(conn, "customers", None)


def test_tls_is_verified_by_default() -> None:
    handle = start_server(port=0, tls=True)
    try:
        with pytest.raises(ConfigError, match="TLS verification failed"):
            read_all(make(handle, verify=True), "customers", None)
        records, _ = read_all(make(handle), "customers", None)  # with the server's CA bundle
        assert len(records) == 25
    finally:
        handle.stop()


def test_next_link_to_another_origin_is_refused(server: Any) -> None:
    other = start_server(port=0)
    try:
        # the other server's links point at itself: reading it through our base URL must refuse them
        stream = {
            "path": f"{other.url}/customers/next",
            "record_path": "data.records",
            "primary_key": ["id"],
            "pagination": {"type": "next_url"},
        }
        with pytest.raises(ClientError, match="another origin"):
            read_all(make(server, stream), "customers", None)
    finally:
        other.stop()


def test_bad_record_path_names_the_path(server: Any) -> None:
    with pytest.raises(ConfigError, match="record_path 'rows'"):
        read_all(make(server, page_stream(record_path="rows")), "customers", None)


def test_batch_writes_map_results_per_record(server: Any) -> None:
    stream = page_stream(write={"create_path": "/customers", "batch_path": "/customers/batch", "batch_size": 3})
    conn = make(server, stream)
    changes = [
        Change("create", None, {"name": f"Batch {i}"} if i != 2 else {"name": "", "email": "x"}, f"b{i}")
        for i in range(5)
    ]
    results = list(conn.write("customers", changes))
    assert [r.idempotency_key for r in results] == [f"b{i}" for i in range(5)]
    assert [r.ok for r in results] == [True, True, False, True, True]
    assert "name" in str(results[2].error)
    assert len(server.app.records) == 29


def test_write_auth_failure_raises(server: Any) -> None:
    conn = make(server, secrets={"password": "bad"})
    with pytest.raises(AuthError):
        list(conn.write("customers", [Change("create", None, {"name": "A"}, "k1")]))


def test_registers_through_the_hook() -> None:
    found: dict[str, Any] = {}
    register_connectors(lambda kind, model, factory, description="": found.update({kind: (model, factory)}))
    assert found["rest"] == (RestConfig, build_connector)
