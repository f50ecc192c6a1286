"""A private copy of the ChannelCo example (configs, mappings, fixture world) that tests may break."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.example import ROOT, Example

FIXTURE_WORLD = ROOT / "tests" / "fixtures" / "channelco_demo"


@pytest.fixture
def example_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


def _copy_example(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Example:
    root = tmp_path / "repo"
    shutil.copytree(
        ROOT / "examples" / "channelco",
        root / "examples" / "channelco",
        ignore=shutil.ignore_patterns(".hub", "__pycache__", "*.py"),
    )
    shutil.copytree(ROOT / "mappings" / "channelco", root / "mappings" / "channelco")
    shutil.copytree(FIXTURE_WORLD, root / "world", ignore=shutil.ignore_patterns("truth"))
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    return Example(root, url)


@pytest.fixture
def example(tmp_path: Path, example_url: str, monkeypatch: pytest.MonkeyPatch) -> Example:
    """The ChannelCo example and its fixture world, copied so that tests may break them."""
    return _copy_example(tmp_path, example_url, monkeypatch)


@pytest.fixture
def example_pg(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Example:
    """The same example on each store backend (SQLite and PostgreSQL)."""
    return _copy_example(tmp_path, store_url, monkeypatch)


Hub = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def webhook() -> Iterator[list[dict]]:  # type: ignore[type-arg]
    """A webhook receiver on 127.0.0.1 (ephemeral port) in a thread: yields the JSON bodies it got; ``.url`` on the list."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Bodies(list):  # type: ignore[type-arg]
        url = ""

    bodies = Bodies()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            bodies.append(json.loads(raw or b"{}"))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    bodies.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield bodies
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
