"""Test-server kit: a threaded HTTP(S) server on 127.0.0.1 with routing and fault injection.

Both the fake REST API and the Salesforce-compatible server are built on it. A server binds
port 0 unless told otherwise, serves in a daemon thread and is stopped through its handle.

Faults are queued on ``handle.faults`` and consumed by matching requests:

* ``status``: answer with an HTTP status (optional Retry-After and body) instead of the route;
* ``slow``: sleep ``delay`` seconds before answering normally;
* ``drop``: close the connection without any response.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "Request",
    "Response",
    "Fault",
    "FaultPlan",
    "Router",
    "ServerHandle",
    "serve",
    "json_response",
    "make_certificate",
]


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    """What a route returns."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the right content type."""
    return Response(
        status,
        json.dumps(payload).encode("utf-8"),
        {"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
    )


@dataclass
class Fault:
    """One injected fault; ``times`` requests whose path contains ``path`` get it."""

    kind: str  # "status" | "slow" | "drop"
    times: int = 1
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    path: str = ""
    body: Any = None


class FaultPlan:
    """Thread-safe queue of faults that requests consume in order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: list[tuple[str, str]] = []

    def add(self, kind: str, times: int = 1, **kwargs: Any) -> Fault:
        fault = Fault(kind=kind, times=times, **kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def status(
        self, status: int, times: int = 1, retry_after: float | None = None, path: str = "", body: Any = None
    ) -> Fault:
        return self.add("status", times, status=status, retry_after=retry_after, path=path, body=body)

    def slow(self, delay: float, times: int = 1, path: str = "") -> Fault:
        return self.add("slow", times, delay=delay, path=path)

    def drop(self, times: int = 1, path: str = "") -> Fault:
        return self.add("drop", times, path=path)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in path and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    self.fired.append((fault.kind, path))
                    return fault
        return None


Handler = Callable[[Request], Response]


class Router:
    """Maps (method, path regex) to handlers; named groups become ``request.params``."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"/?$"), handler))

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, regex, handler in self.routes:
            match = regex.match(request.path)
            if match:
                allowed = True
                if method == request.method:
                    request.params = match.groupdict()
                    return handler(request)
        if allowed:
            return json_response([{"errorCode": "METHOD_NOT_ALLOWED", "message": f"{request.method} not allowed"}], 405)
        return json_response([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404)


def _fault_response(fault: Fault) -> Response:
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    body = fault.body if fault.body is not None else {"error": f"injected {fault.status}"}
    return json_response(body, fault.status, headers)


def _make_handler(app: Callable[[Request], Response], faults: FaultPlan) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read results, not logs
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            fault = faults.take(parts.path)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
                fault = None
            try:
                response = _fault_response(fault) if fault is not None else app(request)
            except Exception as exc:  # a bug in a fake route must show up as a 500, not a hang
                response = json_response([{"errorCode": "UNKNOWN_EXCEPTION", "message": repr(exc)}], 500)
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    return _Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


@dataclass
class ServerHandle:
    """A running server: ``url``, ``faults``, ``stop()``; ``ca_file`` when serving TLS."""

    url: str
    port: int
    faults: FaultPlan
    app: Any
    ca_file: str | None
    _server: _Server
    _thread: threading.Thread
    _tmp: Any = None

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(
    app: Any, *, port: int = 0, tls: bool = False, cert_dir: str | None = None, faults: FaultPlan | None = None
) -> ServerHandle:
    """Serve ``app`` (callable Request -> Response) on 127.0.0.1 in a daemon thread."""
    faults = faults or FaultPlan()
    server = _Server(("127.0.0.1", port), _make_handler(app, faults))
    tmp = None
    ca_file = None
    if tls:
        if cert_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="hub-testserver-")
            cert_dir = tmp.name
        cert, key = make_certificate(Path(cert_dir))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        ca_file = str(cert)
    bound = server.server_address[1]
    scheme = "https" if tls else "http"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"testserver-{bound}", daemon=True
    )
    thread.start()
    return ServerHandle(f"{scheme}://127.0.0.1:{bound}", bound, faults, app, ca_file, server, thread, tmp)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1/localhost (its own CA) and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ChannelHub test server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path
