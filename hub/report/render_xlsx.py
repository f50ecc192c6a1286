"""XLSX renderer (openpyxl): a key-figures sheet, then one sheet per section table.

Every sheet has a bold, frozen header row and an autofilter over its data; numbers keep their
type with a number format per column kind; every text cell is written as an explicit string cell
(type ``s``), so text starting with ``= + - @`` is shown as written and never evaluated (no visible
apostrophe), and control characters a workbook cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from hub.report.cells import safe_text
from hub.report.model import Column, Report

__all__ = ["render_xlsx", "NUMBER_FORMATS", "sheet_title"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

NUMBER_FORMATS = {
    "int": "#,##0",
    "money": "#,##0.00",
    "qty": "#,##0.####",
    "pct": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD_SHEET_CHARS.sub(" ", title).strip("'") or "Sheet"
    name, n = base[:31], 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.casefold())
    return name


def _cell_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)  # Excel has no time zones; the header says UTC
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if kind == "text":
        return _CONTROL.sub("", str(value))
    return value


def _append(ws: Any, row: int, values: list[Any]) -> None:
    """Append ``values`` as row ``row`` (the caller counts rows: asking the sheet is a scan of
    every cell); text openpyxl would take for a formula or an error code stays a string cell."""
    ws.append(values)
    for col, value in enumerate(values, start=1):
        if isinstance(value, str):
            cell = ws.cell(row=row, column=col)
            if cell.data_type != "s":
                cell.data_type = "s"


def _write_sheet(ws: Any, columns: tuple[Column, ...] | list[Column], rows: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font, fill = Font(bold=True), PatternFill("solid", fgColor="E2E8F0")
    _append(ws, 1, [_cell_value(c.label + (" (UTC)" if c.kind == "datetime" else ""), "text") for c in columns])
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = header_font, fill, Alignment(vertical="top", wrap_text=True)
    widths = [_width(c.label) for c in columns]
    n = 0
    for row in rows:
        n += 1
        _append(ws, n + 1, [_cell_value(v, c.kind) for v, c in zip(row, columns)])
        for i, v in enumerate(row):
            if v is not None and n <= 200:
                widths[i] = max(widths[i], _width(str(v)))
    for i, c in enumerate(columns, start=1):
        fmt = NUMBER_FORMATS.get(c.kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=i, max_col=i):
                cell.number_format = fmt
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, widths[i - 1] + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"


def _width(text: str) -> int:
    # CJK characters are about twice as wide as Latin ones
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:80])


def _sheet_name(section_key: str, section_title: str, table_key: str, tables: int) -> str:
    """``Orders that disagree`` for a section's only table, else e.g. ``Receivables - Aging``."""
    if tables == 1 and len(section_title) <= 31:
        return section_title
    return f"{section_key.capitalize()} - {table_key.replace('_', ' ').capitalize()}"


def render_xlsx(report: Report, out_dir: Path, **_: Any) -> list[Path]:
    """Write ``report.xlsx`` into ``out_dir``."""
    from openpyxl import Workbook

    out_dir.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    taken: set[str] = set()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    ws.title = sheet_title("Key figures", taken)
    fig_cols = (
        Column("section", "Section"),
        Column("figure", "Figure"),
        Column("value", "Value", "qty"),
        Column("unit", "Kind"),
    )
    fig_rows = [(s.title, f.label, f.value, f.kind) for s in report.sections for f in s.figures]
    _write_sheet(ws, fig_cols, fig_rows)
    for r_i, (_section, _label, _value, kind) in enumerate(fig_rows, start=2):  # per-row formats: figures mix kinds
        ws.cell(row=r_i, column=3).number_format = NUMBER_FORMATS.get(kind, "General")
    for s in report.sections:
        for t in s.tables:
            ws = wb.create_sheet(sheet_title(_sheet_name(s.key, s.title, t.key, len(s.tables)), taken))
            _write_sheet(ws, t.columns, t.rows)
    wb.properties.title = safe_text(report.title)
    wb.properties.creator = "ChannelHub"
    path = out_dir / "report.xlsx"
    wb.save(path)
    return [path]
