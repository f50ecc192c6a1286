"""Renderers: XLSX layout (frozen headers, filters, number formats), CSV, self-contained HTML, formula injection."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from report_store import EVIL_MEMO, EVIL_NAME
from sqlalchemy import Engine

from hub.errors import ConfigError
from hub.report.build import build_report, make_scope
from hub.report.cells import safe_text
from hub.report.config import ReportConfig
from hub.report.render_html import html_text
from hub.report.service import render, write_report


@pytest.fixture
def written(small_sqlite: Engine, report_config: ReportConfig, renderers: Any, tmp_path: Path) -> Path:
    write_report(small_sqlite, report_config, tmp_path / "out", renderers=renderers)
    return tmp_path / "out"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("  =x", "'  =x"),
        ("＝HYPERLINK()", "'＝HYPERLINK()"),
        ("plain 文本", "plain 文本"),
        ("a=b", "a=b"),
        ("", ""),
        ("bell\x07=", "bell="),
    ],
)
def test_safe_text(text: str, expected: str) -> None:
    assert safe_text(text) == expected


def test_builtin_renderers_are_registered_through_the_hook(renderers: Any) -> None:
    assert {"html", "xlsx", "csv"} <= set(renderers)


def test_unknown_format_is_a_config_error(
    small_sqlite: Engine, report_config: ReportConfig, renderers: Any, tmp_path: Path
) -> None:
    report = build_report(small_sqlite, report_config, make_scope(small_sqlite, report_config), ["summary"])
    with pytest.raises(ConfigError, match="no renderer for format.*pdf.*installed: csv, html, xlsx"):
        render(report, tmp_path, ["pdf"], renderers)


def test_xlsx_sheets_headers_formats_and_injection(written: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(written / "report.xlsx")
    assert wb.sheetnames[:4] == ["Key figures", "Summary - Matching", "Summary - Discrepancies", "Summary - Trend"]
    assert "Orders that disagree" in wb.sheetnames and "Receivables - Aging" in wb.sheetnames
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.b, ws.title
    aging = wb["Receivables - Aging"]
    assert [c.value for c in aging[1]][:4] == ["Customer code", "Customer", "Sales team", "Open"]
    assert aging.auto_filter.ref == "A1:I4"
    assert aging["D2"].value == 7000 and aging["D2"].number_format == "#,##0.00"
    sales = wb["Sales - Salespeople"]
    assert sales["J2"].number_format == "0.0%" and float(sales["J2"].value) == 0.02
    orders = wb["Orders that disagree"]
    assert orders["F2"].number_format == "yyyy-mm-dd"
    # source text that looks like a formula is stored as inert text
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    evil = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert evil and all(c.value == EVIL_NAME and c.data_type == "s" for c in evil)  # shown as written, never evaluated
    memo = [c for c in cells if isinstance(c.value, str) and "calc" in c.value]
    assert memo and all(c.value == EVIL_MEMO and c.data_type == "s" for c in memo)
    assert not any(c.data_type == "f" for c in cells)


def test_csv_per_table(written: Path) -> None:
    names = sorted(p.name for p in written.glob("*.csv"))
    assert (
        "receivables-aging.csv" in names and "orders-orders.csv" in names and len(names) == 16
    )  # hierarchy-rollup and sales-commission_periods included
    raw = (written / "receivables-aging.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the Chinese names right
    rows = list(csv.reader((written / "receivables-aging.csv").open(encoding="utf-8-sig")))
    assert rows[0][:4] == ["Customer code", "Customer", "Sales team", "Open"]
    assert rows[1][:4] == ["C1", "上海华信贸易有限公司", "华东大区", "7000.00"]
    assert ["C2", "'" + EVIL_NAME] == rows[2][:2]
    unapplied = list(csv.reader((written / "receivables-unapplied.csv").open(encoding="utf-8-sig")))
    assert unapplied[1][4] == "'" + EVIL_MEMO


def test_html_is_self_contained_and_escaped(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html and '"Noto Sans CJK SC", "WenQuanYi Micro Hei"' in html
    assert EVIL_NAME not in html and "=HYPERLINK(&#34;http://evil.example/x&#34;,&#34;点我&#34;)" in html
    assert html.count("<svg") >= 6 and 'name="viewport"' in html
    assert 'data-figure="receivables.open_receivables" data-value="15500.00"' in html


def test_html_escapes_markup_in_names(small_sqlite: Engine, report_config: ReportConfig) -> None:
    from sqlalchemy import update

    from hub.store.models import MODELS

    t = MODELS["party"].__table__
    with small_sqlite.begin() as c:
        c.execute(update(t).where(t.c.external_id == "C1").values(name="<img src=x onerror=alert(1)>"))
    report = build_report(small_sqlite, report_config, make_scope(small_sqlite, report_config), ["receivables"])
    html = html_text(report)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
