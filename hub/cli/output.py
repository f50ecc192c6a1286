"""Machine-readable command output: rows as CSV or JSON on stdout (tables stay with Rich)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = ["OutputFormat", "plain", "write_csv", "write_json"]


class OutputFormat(StrEnum):
    """``--format``: a table for people (default), CSV or JSON for tools."""

    table = "table"
    csv = "csv"
    json = "json"


def plain(value: Any) -> Any:
    """A value in a form CSV and JSON carry unchanged: ISO times, decimals as text, nested data kept."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """``columns`` as the header, then one line per row (missing values empty)."""
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else plain(r.get(c)) for c in columns])
    sys.stdout.flush()


def write_json(data: Any) -> None:
    """``data`` as indented JSON (non-ASCII text kept as it is)."""
    sys.stdout.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
