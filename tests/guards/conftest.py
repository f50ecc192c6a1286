"""A private copy of the ChannelCo example (configs, mappings, fixture world) that tests may break."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_WORLD = ROOT / "tests" / "fixtures" / "channelco_demo"
DRP_ENCODING = "gb18030"


class Example:
    """The example's files under a temporary root: edit them, run the hub on them."""

    def __init__(self, root: Path, url: str) -> None:
        self.root, self.url = root, url
        self.config = root / "examples" / "channelco" / "hub.yaml"
        self.world = root / "world"
        self.mappings = root / "mappings" / "channelco"

    def env(self) -> dict[str, str]:
        return {**os.environ, "CHANNELCO_DIR": str(self.world), "HUB_DATABASE_URL": self.url, "COLUMNS": "250"}

    def hub(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the ``hub`` command line as a user would; never raises on a non-zero exit."""
        return subprocess.run(
            [sys.executable, "-m", "hub", "-c", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.root,
            timeout=600,
        )

    def read_rows(self, rel: str) -> list[list[str]]:
        path = self.world / rel
        enc = DRP_ENCODING if rel.startswith("drp/") else "utf-8"
        return list(csv.reader(io.StringIO(path.read_bytes().decode(enc), newline="")))

    def write_rows(self, rel: str, rows: list[list[str]]) -> None:
        path = self.world / rel
        enc = DRP_ENCODING if rel.startswith("drp/") else "utf-8"
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_bytes(buf.getvalue().encode(enc))

    def edit_mapping(self, name: str, old: str, new: str) -> None:
        path = self.mappings / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def export(self, out: Path) -> dict[str, str]:
        res = self.hub("export", "--out", str(out))
        assert res.returncode == 0, res.stderr
        return {name: (out / name).read_text(encoding="utf-8") for name in ("crosswalk.csv", "discrepancies.csv")}


@pytest.fixture
def example_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def example(tmp_path: Path, example_url: str, monkeypatch: pytest.MonkeyPatch) -> Example:
    """The ChannelCo example and its fixture world, copied so that tests may break them."""
    root = tmp_path / "repo"
    shutil.copytree(
        ROOT / "examples" / "channelco",
        root / "examples" / "channelco",
        ignore=shutil.ignore_patterns(".hub", "__pycache__", "*.py"),
    )
    shutil.copytree(ROOT / "mappings" / "channelco", root / "mappings" / "channelco")
    shutil.copytree(FIXTURE_WORLD, root / "world", ignore=shutil.ignore_patterns("truth"))
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    return Example(root, example_url)


@pytest.fixture
def example_pg(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Example:
    """The same example on each store backend (SQLite and PostgreSQL)."""
    root = tmp_path / "repo"
    shutil.copytree(
        ROOT / "examples" / "channelco",
        root / "examples" / "channelco",
        ignore=shutil.ignore_patterns(".hub", "__pycache__", "*.py"),
    )
    shutil.copytree(ROOT / "mappings" / "channelco", root / "mappings" / "channelco")
    shutil.copytree(FIXTURE_WORLD, root / "world", ignore=shutil.ignore_patterns("truth"))
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    return Example(root, store_url)


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
