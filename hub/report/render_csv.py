"""CSV renderer: one UTF-8 (with BOM, so spreadsheets detect it) CSV file per section table, text neutralised."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from hub.report.cells import plain_value, safe_text
from hub.report.model import Report

__all__ = ["render_csv", "csv_name"]


def csv_name(section: str, table: str) -> str:
    """The file name of one table's CSV."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{section}-{table}") + ".csv"


def render_csv(report: Report, out_dir: Path, **_: Any) -> list[Path]:
    """Write one CSV per table into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in report.sections:
        for t in s.tables:
            path = out_dir / csv_name(s.key, t.key)
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([safe_text(c.label) for c in t.columns])
                for row in t.rows:
                    w.writerow([plain_value(v, c.kind) for v, c in zip(row, t.columns)])
            paths.append(path)
    return paths
