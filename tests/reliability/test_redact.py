"""Registered secrets never come out of redact() or the log filter, in any usual encoding."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from hub.redact import MASK, clear_secrets, install_log_filter, redact, register_secret

TOKEN = "s3cr3t/Tok+en=="


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    clear_secrets()
    yield
    clear_secrets()


def test_value_and_its_encodings_are_masked() -> None:
    register_secret(TOKEN)
    b64 = base64.b64encode(TOKEN.encode()).decode()
    basic = base64.b64encode(f"user:{TOKEN}".encode()).decode()
    text = f"401: bad token {TOKEN} / Bearer {b64} / url ?t={quote(TOKEN, safe='')}"
    out = redact(text)
    assert TOKEN not in out and b64 not in out and quote(TOKEN, safe="") not in out
    assert out.count(MASK) == 3
    assert redact("nothing secret here") == "nothing secret here"
    # a Basic header carries user:password together; register what the client sends
    register_secret(basic)
    assert basic not in redact(f"Authorization: Basic {basic}")


def test_short_and_empty_values_are_ignored() -> None:
    register_secret("abc")
    register_secret("")
    register_secret(None)
    assert redact("abc abcd") == "abc abcd"


def test_longer_secret_wins_over_a_contained_one() -> None:
    register_secret("pass")
    register_secret("password-123")
    assert redact("x password-123 y") == f"x {MASK} y"


def test_log_filter_masks_message_args_and_exceptions(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(TOKEN)
    install_log_filter()
    log = logging.getLogger("hub.test.redact")
    with caplog.at_level(logging.INFO, logger="hub.test.redact"):
        log.info("server said %s", f"token {TOKEN} rejected")
        try:
            raise RuntimeError(f"boom {TOKEN}")
        except RuntimeError:
            log.exception("failed with %r", TOKEN)
    assert caplog.records
    assert TOKEN not in caplog.text
    assert MASK in caplog.text


class _EchoingAuthServer:
    """A server that answers 401 and echoes the credentials it got, as some upstreams do."""

    def __enter__(self) -> str:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = f"invalid credentials: {self.headers.get('Authorization')} token={self.path}".encode()
                self.send_response(401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_http_error_from_an_echoing_server_holds_no_credentials() -> None:
    from hub.errors import AuthError
    from hub.http import make_session

    runtime_token = "eyJhbGciOiJIUzI1NiJ9.runtime-token"  # obtained at run time, never registered by hand
    with _EchoingAuthServer() as base:
        session = make_session(system="crm")
        session.headers["Authorization"] = f"Bearer {runtime_token}"
        with pytest.raises(AuthError) as info:
            session.get(f"{base}/x")
        assert runtime_token not in str(info.value)
        assert MASK in str(info.value)
        session = make_session(system="crm")
        session.auth = ("api", "pa55-word!")
        with pytest.raises(AuthError) as info:
            session.get(f"{base}/y")
        basic = base64.b64encode(b"api:pa55-word!").decode()
        assert basic not in str(info.value) and "pa55-word!" not in redact("x pa55-word! y")
