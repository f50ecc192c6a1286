"""The fast renderers write what the plain ones would: XLSX rows as openpyxl's own cells, HTML rows as the per-cell template.

The XLSX renderer writes whole ``<row>`` elements into write-only sheets instead of one openpyxl
cell object per value; the HTML renderer formats a table body in one filter call instead of a
template loop per cell. Both are checked here against the straightforward way on the small store
(Chinese names, formula-looking text, dates, empty money cells, per-row formats of the key figures).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment
from markupsafe import escape
from sqlalchemy import Engine

from hub.report.build import build_report, make_scope
from hub.report.config import ReportConfig
from hub.report.model import Column, Report, Section, Table
from hub.report.render_xlsx import NUMBER_FORMATS, _cell_value, _sheet_name, render_xlsx, sheet_title
from hub.report.templating import environment


def _plain_xlsx(report: Report, path: Path) -> None:
    """The workbook made cell by cell in an ordinary openpyxl sheet (the reference)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    def sheet(ws: Any, columns: Any, rows: Any) -> None:
        ws.append([_cell_value(c.label + (" (UTC)" if c.kind == "datetime" else ""), "text") for c in columns])
        for cell in ws[1]:
            cell.data_type = "s"
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="E2E8F0")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        widths = [sum(2 if ord(ch) > 0x2E80 else 1 for ch in c.label[:80]) for c in columns]
        for n, row in enumerate(rows, start=2):
            ws.append([_cell_value(v, c.kind) for v, c in zip(row, columns)])
            for i, v in enumerate(row):
                if isinstance(ws.cell(n, i + 1).value, str):
                    ws.cell(n, i + 1).data_type = "s"
                if v is not None and n <= 201:
                    widths[i] = max(widths[i], sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v)[:80]))
        for i, c in enumerate(columns, start=1):
            if c.kind in NUMBER_FORMATS:
                for n in range(2, len(rows) + 2):
                    ws.cell(n, i).number_format = NUMBER_FORMATS[c.kind]
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, widths[i - 1] + 2))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"

    wb = Workbook()
    taken: set[str] = set()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_title("Key figures", taken)
    fig_rows = [(s.title, f.label, f.value, f.kind) for s in report.sections for f in s.figures]
    cols = (
        Column("section", "Section"),
        Column("figure", "Figure"),
        Column("value", "Value", "qty"),
        Column("unit", "Kind"),
    )
    sheet(ws, cols, fig_rows)
    for n, (*_, kind) in enumerate(fig_rows, start=2):
        ws.cell(n, 3).number_format = NUMBER_FORMATS.get(kind, "General")
    for s in report.sections:
        for t in s.tables:
            sheet(
                wb.create_sheet(sheet_title(_sheet_name(s.key, s.title, t.key, len(s.tables)), taken)),
                t.columns,
                t.rows,
            )
    wb.save(path)


def _cells(path: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "dimensions": ws.dimensions,
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "cells": [
                (c.coordinate, c.value, c.data_type, c.number_format, c.font.b, c.fill.fill_type, c.alignment.wrap_text)
                for row in ws.iter_rows()
                for c in row
            ],
        }
    return out


def _odd_report(report: Report) -> Report:
    """``report`` plus a table of awkward cells: empty text, spaces kept, formula and error look-alikes, dates, None."""
    table = Table(
        "odd",
        "Odd cells",
        (
            Column("t", "Text"),
            Column("d", "Date", "date"),
            Column("w", "When", "datetime"),
            Column("m", "Money", "money"),
        ),
        (
            ("", dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC), None),
            (" padded ", None, None, 0),
            ("=SUM(A1)", dt.date(1900, 1, 1), None, -1),
            ("#N/A", None, None, 12.5),
            ("a\tb\r\nc & <d>", None, None, 1),
        ),
        5,
    )
    odd = Section("odd", "Odd", (), (), (table,))
    return Report(report.title, report.scope, report.generated_at, (*report.sections, odd), report.run, report.audience)


def test_xlsx_rows_are_what_openpyxl_cells_make(
    small_sqlite: Engine, report_config: ReportConfig, tmp_path: Path
) -> None:
    report = _odd_report(build_report(small_sqlite, report_config, make_scope(small_sqlite, report_config)))
    (fast,) = render_xlsx(report, tmp_path / "fast")
    _plain_xlsx(report, tmp_path / "plain.xlsx")
    got, want = _cells(fast), _cells(tmp_path / "plain.xlsx")
    assert list(got) == list(want)
    for title in want:
        assert got[title] == want[title], title
    odd = got["Odd"]["cells"]
    assert ("A4", "=SUM(A1)", "s") == odd[12][:3] and ("A5", "#N/A", "s") == odd[16][:3]


_PER_CELL = (
    '{% for row in t.rows %}<tr>{% for c in t.columns %}<td class="{{ c.kind|align }}" data-col="{{ c.key }}">'
    "{{ row[loop.index0]|fmt(c.kind) }}</td>{% endfor %}</tr>\n    {% endfor %}"
)


def test_html_table_rows_are_the_per_cell_template(small_sqlite: Engine, report_config: ReportConfig) -> None:
    report = _odd_report(build_report(small_sqlite, report_config, make_scope(small_sqlite, report_config)))
    env: Environment = environment()
    per_cell = env.from_string(_PER_CELL)
    tables = [t for s in report.sections for t in s.tables if t.rows]
    assert len(tables) > 5
    for t in tables:
        assert str(env.filters["table_rows"](t)) == per_cell.render(t=t), t.key


@pytest.mark.parametrize("value", ["<script>", "a & b", '"q"', "'s'"])
def test_html_table_rows_escape(value: str) -> None:
    t = Table("x", "X", (Column("k", "K"),), ((value,),), 1)
    html = str(environment().filters["table_rows"](t))
    assert html == f'<tr><td class="txt" data-col="k">{escape(value)}</td></tr>\n    ' and value not in html
