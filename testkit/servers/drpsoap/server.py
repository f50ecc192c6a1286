"""Run the DRP SOAP app on 127.0.0.1 in a background thread and hand back a controllable handle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from testkit.servers.drpsoap.app import SERVICE_PATH, WSDL_PATH, DrpApp, RequestEntry
from testkit.servers.drpsoap.auth import AuthPolicy
from testkit.servers.drpsoap.faults import FaultPlan, FaultSpec
from testkit.servers.drpsoap.store import DrpStore

__all__ = ["DrpServerHandle", "start_server"]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that timed out and hung up is expected here (slow-response fault)
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class DrpServerHandle:
    """A running DRP SOAP server: ``url`` (endpoint), ``wsdl_url``, ``store``, ``requests``, ``stop()``."""

    def __init__(self, server: _ThreadingServer, app: DrpApp, thread: threading.Thread) -> None:
        self._server, self.app, self._thread = server, app, thread
        host, port = server.server_address[:2]
        self.port: int = port
        self.base_url = f"http://{host}:{port}"
        self.url = self.base_url + SERVICE_PATH
        self.wsdl_url = self.base_url + WSDL_PATH
        self.store: DrpStore = app.store

    @property
    def requests(self) -> list[RequestEntry]:
        """A snapshot of the request log, oldest first."""
        with self.app._log_lock:
            return list(self.app.log)

    def calls(self, operation: str | None = None) -> list[RequestEntry]:
        """Logged SOAP POSTs, optionally of one operation."""
        return [e for e in self.requests if e.method == "POST" and (operation is None or e.operation == operation)]

    def clear_log(self) -> None:
        with self.app._log_lock:
            self.app.log.clear()

    def inject(
        self, kind: str, operation: str | None = None, times: int | None = 1, seconds: float = 1.0, status: int = 503
    ) -> None:
        """Break the next ``times`` calls (None: all) of ``operation`` (see faults.FAULT_KINDS)."""
        self.app.faults.add(FaultSpec(kind, operation, times, seconds, status))

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> DrpServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"DrpServerHandle(url={self.url!r})"


def start_server(
    port: int = 0,
    seed_dir: str | Path | None = None,
    faults: Iterable[FaultSpec] | None = None,
    users: dict[str, str] | None = None,
    auth: str = "wsse",
    clock: Callable[[], datetime] | None = None,
    store: DrpStore | None = None,
) -> DrpServerHandle:
    """Start the DRP SOAP service on 127.0.0.1:``port`` (0 = a free port) in a daemon thread.

    ``seed_dir`` is a ChannelCo ``drp/`` folder; ``users`` turns authentication on with
    ``auth`` = ``wsse`` (UsernameToken), ``basic`` or ``either``.
    """
    store = store or DrpStore(clock=clock)
    if seed_dir is not None:
        store.load_dir(seed_dir)
    policy = AuthPolicy(dict(users), auth) if users else None
    app = DrpApp(store=store, auth=policy, faults=FaultPlan(list(faults or ())))
    server = make_server("127.0.0.1", port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
    host, bound = server.server_address[:2]
    app.service_url = f"http://{host}:{bound}{SERVICE_PATH}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"drpsoap-{bound}", daemon=True
    )
    thread.start()
    return DrpServerHandle(server, app, thread)
