"""A private copy of the ChannelCo example (configs, mappings, fixture world) that tests may break."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRP_ENCODING = "gb18030"

__all__ = ["Example", "ROOT", "DRP_ENCODING"]


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
