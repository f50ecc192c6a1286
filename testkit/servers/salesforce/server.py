"""Start the Salesforce-compatible test server (HTTPS on 127.0.0.1) and switch its faults on.

``start_server(port=0, seed_crm=DIR, accounts=N) -> SalesforceServer`` runs it in a thread.
It always serves TLS with a fresh self-signed certificate: simple-salesforce builds every URL
as ``https://<instance>``, so clients trust ``handle.ca_file`` instead of turning checks off.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testkit.servers.rest.kit import FaultPlan, ServerHandle, serve
from testkit.servers.salesforce.app import SalesforceApp
from testkit.servers.salesforce.store import Org, seed_from_channelco

__all__ = ["SalesforceServer", "start_server"]


@dataclass
class SalesforceServer:
    """A running server: ``url``, ``ca_file``, ``app`` (credentials in ``app.creds``), ``org``, fault switches."""

    handle: ServerHandle
    app: SalesforceApp

    @property
    def url(self) -> str:
        return self.handle.url

    @property
    def ca_file(self) -> str:
        assert self.handle.ca_file
        return self.handle.ca_file

    @property
    def org(self) -> Org:
        return self.app.org

    @property
    def faults(self) -> FaultPlan:
        return self.handle.faults

    def stop(self) -> None:
        self.handle.stop()

    # --- fault switches --------------------------------------------------------------------
    def fault_expired_session(self) -> None:
        """Invalidate every session: the next API call gets 401 INVALID_SESSION_ID."""
        self.app.expire_sessions()

    def fault_status(
        self, status: int, times: int = 1, retry_after: float | None = None, path: str = "/services/data/"
    ) -> None:
        """Answer ``times`` API calls with ``status`` (e.g. 429/503) and an optional Retry-After."""
        code = {429: "REQUEST_LIMIT_EXCEEDED", 503: "SERVER_UNAVAILABLE"}.get(
            status, "UNKNOWN_EXCEPTION" if status >= 500 else "INVALID_REQUEST"
        )
        if status in (401, 403) and code == "INVALID_REQUEST":
            code = "INVALID_SESSION_ID" if status == 401 else "INSUFFICIENT_ACCESS"
        body = [{"message": f"injected HTTP {status}", "errorCode": code}]
        self.faults.status(status, times=times, retry_after=retry_after, path=path, body=body)

    def fault_request_limit(self, times: int = 1, path: str = "/services/data/") -> None:
        """403 REQUEST_LIMIT_EXCEEDED, as when the org's API request limit is used up."""
        body = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        self.faults.status(403, times=times, path=path, body=body)

    def fault_slow(self, delay: float, times: int = 1, path: str = "/services/data/") -> None:
        self.faults.slow(delay, times=times, path=path)

    def fault_drop(self, times: int = 1, path: str = "/services/data/") -> None:
        """Close the connection without an answer."""
        self.faults.drop(times=times, path=path)

    def set_api_usage(self, used: int, maximum: int | None = None) -> None:
        """Pretend the org has used ``used`` of its daily API requests."""
        self.app.api_used = used
        if maximum is not None:
            self.app.api_max = maximum

    def __enter__(self) -> SalesforceServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start_server(
    port: int = 0, *, seed_crm: str | Path | None = None, accounts: int = 0, cert_dir: str | None = None, **options: Any
) -> SalesforceServer:
    """Start the server; seed it from a ChannelCo ``crm/`` folder and/or ``accounts`` synthetic Accounts.

    ``options`` go to :class:`SalesforceApp` (username, password, security_token, client_id,
    client_secret, jwt_public_key, api_max, query_batch_size).
    """
    org = Org()
    if seed_crm:
        seed_from_channelco(org, seed_crm)
    if accounts:
        org.seed_accounts(accounts)
    app = SalesforceApp(org, **options)
    handle = serve(app, port=port, tls=True, cert_dir=cert_dir)
    app.base_url = handle.url
    handle.app = app
    return SalesforceServer(handle, app)
