"""Acceptance: the ChannelCo report opens in headless Chromium with no requests out, and shows the store's numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cdp_browser import Browser, find_chromium
from sqlalchemy import func, select

from hub.report.cells import format_value
from hub.report.config import ReportConfig
from hub.report.service import write_report
from hub.store.models import MODELS, CrosswalkLink, Discrepancy, ReviewItem

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make install apt-installs it)")
ORDER_KINDS = (
    "order_missing_in_drp",
    "order_missing_in_crm",
    "order_amount_mismatch",
    "order_status_mismatch",
    "order_line_mismatch",
)
FIGURES_JS = """Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(
    e => [e.dataset.figure, [e.dataset.value, e.querySelector('.fig-v').textContent.trim()]]))"""


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    b = Browser(CHROMIUM, tmp_path / "profile")  # type: ignore[arg-type]
    try:
        yield b
    finally:
        b.close()


def store_figures(engine: Any) -> dict[str, tuple[Any, str]]:
    """Key figures computed straight from the store with SQL (independently of hub.report)."""
    d, cw, ri = Discrepancy.__table__, CrosswalkLink.__table__, ReviewItem.__table__
    inv, loc = MODELS["invoice"].__table__, MODELS["location"].__table__
    with engine.connect() as c:
        open_disc = c.execute(select(func.count()).select_from(d).where(d.c.status != "resolved")).scalar()
        orders = c.execute(
            select(func.count()).select_from(d).where(d.c.status != "resolved", d.c.kind.in_(ORDER_KINDS))
        ).scalar()
        records = c.execute(select(func.count()).select_from(cw).where(cw.c.system != "golden")).scalar()
        clusters = c.execute(
            select(cw.c.entity, cw.c.canonical_id, func.count(func.distinct(cw.c.system)), func.count())
            .where(cw.c.system != "golden")
            .group_by(cw.c.entity, cw.c.canonical_id)
        ).all()
        review = c.execute(select(func.count()).select_from(ri).where(ri.c.status == "open")).scalar()
        invoices = c.execute(
            select(inv.c.amount, inv.c.open_amount).where(inv.c.system == "drp", inv.c.deleted.is_(False))
        ).all()
        consignment = c.execute(
            select(func.count()).select_from(loc).where(loc.c.system == "drp", loc.c.kind == "consignment")
        ).scalar()
    matched = sum(n for _, _, systems, n in clusters if systems > 1)
    open_ar = sum((o for _, o in invoices if o and o > 0), Decimal(0))
    invoiced = sum((a for a, _ in invoices), Decimal(0))
    return {
        "summary.open_discrepancies": (open_disc, "int"),
        "summary.records": (records, "int"),
        "summary.matched": (matched, "int"),
        "summary.match_rate": ((Decimal(matched) / Decimal(records)).quantize(Decimal("0.0001")), "pct"),
        "orders.orders_disagreeing": (orders, "int"),
        "quality.review_queue": (review, "int"),
        "receivables.open_receivables": (open_ar.quantize(Decimal("0.01")), "money"),
        "sales.invoiced": (invoiced.quantize(Decimal("0.01")), "money"),
        "inventory.warehouses": (consignment, "int"),
    }


@needs_chromium
def test_channelco_report_in_chromium(
    channelco: dict[str, Any], renderers: Any, browser: Browser, tmp_path: Path
) -> None:
    engine = channelco["engine"]
    out = tmp_path / "report"
    files = write_report(
        engine, ReportConfig(as_of="2026-03-31"), out, run="latest", formats=["html"], renderers=renderers
    ).all_files
    page = out / "report.html"
    assert files == [page]

    browser.open_page(1280, 900)
    browser.load(page.as_uri())
    assert browser.requests() == [page.as_uri()], "the page must load nothing but itself"
    assert browser.failures() == []
    assert browser.evaluate("document.title").startswith("ChannelHub reconciliation report")
    shot = browser.screenshot(tmp_path / "desktop.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000

    shown = browser.evaluate(FIGURES_JS)
    expected = store_figures(engine)
    assert expected["summary.open_discrepancies"][0] > 0 and expected["orders.orders_disagreeing"][0] > 0
    for key, (value, kind) in expected.items():
        raw, text = shown[key]
        assert Decimal(raw) == Decimal(value), key
        assert text == format_value(value, kind), key
    # Chinese text is drawn with a CJK font, not boxes
    fonts = browser.platform_fonts('td[data-col="drp_status"]')
    assert any(("CJK" in f or "WenQuanYi" in f or "文泉" in f) for f in fonts), fonts

    # readable on a phone: no horizontal overflow of the page itself (wide tables scroll in their box)
    browser.open_page(390, 844, mobile=True)
    browser.load(page.as_uri())
    assert browser.failures() == []
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    browser.screenshot(tmp_path / "phone.png")


@needs_chromium
def test_the_browser_check_catches_external_requests(browser: Browser, tmp_path: Path) -> None:
    """Negative control: a page with an external image is reported, so the check above can fail."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!doctype html><title>x</title><img src="http://203.0.113.7/pixel.png"><p>中文</p>', encoding="utf-8"
    )
    browser.open_page()
    browser.load(page.as_uri())
    assert "http://203.0.113.7/pixel.png" in browser.requests()
    assert browser.failures(), "the blocked external request must show up as a failure"
    # the same with the report's Content-Security-Policy: the blocked load is still reported
    csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    page.write_text(
        f'<!doctype html><head>{csp}</head><title>x</title><img src="http://203.0.113.7/p.png">', encoding="utf-8"
    )
    browser.load(page.as_uri())
    assert browser.failures(), "a CSP-blocked request must show up as a failure too"
