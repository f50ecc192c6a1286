"""The conformance suite every connector must pass: a standard test class per connector, built from hooks.

Every connector kind the hub ships has one class in this folder (``test_conformance_<kind>.py`` or,
for the HTTP connectors, in ``test_<kind>.py``); ``test_conformance_coverage.py`` fails when a
built-in connector kind has none. Use it (``from conformance import ...``)::

    class TestMyConnector(ConnectorConformance):   # or StandardConnectorTests for file connectors
        readable_stream = "customers"
        writable_stream = "customers"          # None when the connector cannot write

        @pytest.fixture
        def conformance_server(self):          # a fresh server / folder / fake transport per test
            handle = start_server(port=0)
            yield handle
            handle.stop()

        def make_connector(self, server, **overrides): ...   # a ready connector (fast retries!)
        def config_model(self): ...                          # the pydantic config class
        def valid_config(self, server): ...                  # a dict that validates
        def invalid_configs(self, server): ...               # dicts that must not validate
        def make_changes(self, server): ...                  # change or add rows at the source; return their keys
        def write_changes(self, server): ...                 # (changes, idempotency keys that must fail)
        def bad_input(self, server): ...                     # break the source; return the error class expected
        def fault(self, server, status): ...                 # (HTTP only) every later request answers `status`

Checks: config validation, discovery, check(), unique non-empty keys, a state that resumes once
its batches are committed (their ``on_commit`` actions run, as the runner does) and returns only
changed rows, typed hub errors on bad input (raised, or carried by a quarantined record) and,
for HTTP connectors, on 4xx/5xx; one write result per change.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from hub.connector import Batch, Change, Connector, Record
from hub.errors import AuthError, ClientError, ConfigError, DiscoveryError, HubError, TransientError

__all__ = ["StandardConnectorTests", "ConnectorConformance", "read_all", "commit"]


def read_all(connector: Connector, stream: str, state: dict[str, Any] | None) -> tuple[list[Record], list[Batch]]:
    """Every record and batch of one read."""
    batches = list(connector.read(stream, state))
    return [r for b in batches for r in b.records], batches


def commit(batches: list[Batch]) -> dict[str, Any]:
    """Do what the runner does once batches are committed (their ``on_commit`` actions); the state to resume from.

    A read with nothing new may yield no batch at all: then there is no new state ({}).
    """
    for batch in batches:
        for action in batch.on_commit:
            action()
    return batches[-1].state if batches else {}


def _errors(connector: Connector, stream: str) -> tuple[list[HubError], list[Record]]:
    """The hub errors of one read (raised or carried by records) and the good records read before or besides them."""
    found: list[HubError] = []
    good: list[Record] = []
    try:
        for batch in connector.read(stream, None):
            for r in batch.records:
                if r.error is not None:
                    found.append(r.error)
                else:
                    good.append(r)
    except HubError as exc:
        found.append(exc)
    return found, good


class StandardConnectorTests:
    """The standard tests of every connector; subclasses supply the hooks below."""

    readable_stream: ClassVar[str]
    writable_stream: ClassVar[str | None] = None

    # --- hooks ---------------------------------------------------------------------------
    def make_connector(self, server: Any, **overrides: Any) -> Connector:
        raise NotImplementedError

    def config_model(self) -> type[BaseModel]:
        raise NotImplementedError

    def valid_config(self, server: Any) -> dict[str, Any]:
        raise NotImplementedError

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def make_changes(self, server: Any) -> set[str]:
        raise NotImplementedError

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        raise NotImplementedError

    def bad_input(self, server: Any) -> type[HubError]:
        raise NotImplementedError

    # --- fixtures ------------------------------------------------------------------------
    @pytest.fixture
    def connector(self, conformance_server: Any):
        conn = self.make_connector(conformance_server)
        try:
            yield conn
        finally:
            conn.close()

    # --- the suite -----------------------------------------------------------------------
    def test_config_validation(self, conformance_server: Any) -> None:
        model = self.config_model()
        model.model_validate(self.valid_config(conformance_server))
        bad = self.invalid_configs(conformance_server)
        assert bad, "give at least one invalid config"
        for config in bad:
            with pytest.raises((ValidationError, ConfigError)):
                model.model_validate(config)

    def test_check_reports_every_line_ok(self, connector: Connector) -> None:
        checks = connector.check()
        assert checks, "check() must report at least one line"
        assert all(c.ok for c in checks), [c for c in checks if not c.ok]

    def test_discover_offers_streams(self, connector: Connector) -> None:
        infos = {s.name: s for s in connector.discover()}
        assert self.readable_stream in infos
        assert infos[self.readable_stream].key_fields, "a stream must declare its key fields"
        if self.writable_stream:
            assert infos[self.writable_stream].writable

    def test_unknown_stream_is_a_discovery_error(self, connector: Connector) -> None:
        with pytest.raises(DiscoveryError):
            list(connector.read("no_such_stream_xyz", None))

    def test_full_read_has_unique_non_null_keys(self, connector: Connector) -> None:
        records, batches = read_all(connector, self.readable_stream, None)
        assert records, "the test source must hold records"
        assert batches[-1].final, "the last batch must be final"
        keys = [r.key for r in records]
        assert all(isinstance(k, str) and k.strip() for k in keys), "keys must be non-empty strings"
        assert len(keys) == len(set(keys)), "keys must be unique within one read"
        assert all(r.stream == self.readable_stream and r.error is None for r in records)
        assert all(isinstance(b.state, dict) for b in batches)

    def test_cursor_advances_and_resumes(self, conformance_server: Any, connector: Connector) -> None:
        first, batches = read_all(connector, self.readable_stream, None)
        state = commit(batches)
        assert state, "an incremental stream must return a cursor state"
        again, batches = read_all(connector, self.readable_stream, state)
        assert again == [], "nothing changed: a read from the committed state must not repeat committed records"
        state = commit(batches) or state
        changed = self.make_changes(conformance_server)
        assert changed
        records, batches2 = read_all(connector, self.readable_stream, state)
        assert {r.key for r in records} == changed, "only the changed rows must come back"
        assert len(records) == len(changed), "no record twice"
        resumed = commit(batches2)
        assert resumed != state, "the cursor must advance"
        after, _ = read_all(connector, self.readable_stream, resumed)
        assert after == []

    def test_bad_input_gives_typed_error(self, conformance_server: Any) -> None:
        conn = self.make_connector(conformance_server)
        try:
            expected = self.bad_input(conformance_server)
            found, good = _errors(conn, self.readable_stream)
        finally:
            conn.close()
        assert found, "bad input must surface as a hub error"
        assert any(isinstance(e, expected) for e in found), (
            f"expected {expected.__name__}, got {[type(e).__name__ for e in found]}"
        )
        assert all(type(e) is not HubError for e in found), "errors must be typed (a subclass of HubError)"
        assert all(str(e).strip() for e in found)
        assert all(r.key.strip() for r in good)

    def test_write_gives_one_result_per_change(self, conformance_server: Any, connector: Connector) -> None:
        if not self.writable_stream:
            pytest.skip("connector is read-only")
        changes, must_fail = self.write_changes(conformance_server)
        results = list(connector.write(self.writable_stream, changes))
        assert [r.idempotency_key for r in results] == [c.idempotency_key for c in changes]
        failed = {r.idempotency_key for r in results if not r.ok}
        assert failed == must_fail
        for r in results:
            if r.ok:
                assert r.external_id
            else:
                assert isinstance(r.error, HubError) and str(r.error)


class ConnectorConformance(StandardConnectorTests):
    """The standard tests plus HTTP failures: every status maps to its typed hub error (after retries)."""

    #: HTTP status → hub error class the connector must raise (after its retries)
    expected_errors: ClassVar[dict[int, type[HubError]]] = {
        400: ClientError,
        401: AuthError,
        403: AuthError,
        404: ClientError,
        500: TransientError,
        503: TransientError,
    }

    def fault(self, server: Any, status: int) -> None:
        raise NotImplementedError

    def bad_input(self, server: Any) -> type[HubError]:
        """By default, a request the server refuses as bad (400)."""
        self.fault(server, 400)
        return self.expected_errors[400]

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 503])
    def test_http_failure_raises_typed_error(self, conformance_server: Any, status: int) -> None:
        conn = self.make_connector(conformance_server)
        try:
            self.fault(conformance_server, status)
            with pytest.raises(HubError) as info:
                read_all(conn, self.readable_stream, None)
            assert isinstance(info.value, self.expected_errors[status]), (
                f"{status} gave {type(info.value).__name__}: {info.value}"
            )
            assert info.value.status == status
        finally:
            conn.close()
