"""Acceptance in headless Chromium against ``hub serve``: login, filter, acknowledge, a review decision the next run
applies, a viewer refused, CSRF refused, a hostile name shown as text, a phone layout without sideways scroll."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from cdp_browser import Browser, find_chromium
from sqlalchemy import select

from hub.store.models import CrosswalkLink, Discrepancy, ReviewItem
from tests.console.conftest import PASSWORDS, ROOT
from tests.helpers.channelco import CONFIG

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make install apt-installs it)")
DOCS_SHOT = ROOT / "docs" / "console-discrepancies.png"


class LoopbackBrowser(Browser):
    allow_loopback = True  # reach the console on 127.0.0.1; everything else stays blocked


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(store: dict[str, Any], tmp_path: Path) -> Any:
    """``hub serve`` on a free loopback port, stopped by its handle."""
    port = _free_port()
    env = {**os.environ, "HUB_DATABASE_URL": store["url"], "CHANNELCO_DIR": str(store["world"])}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "-c", str(CONFIG), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urlopen(f"{base}/login", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from None
                time.sleep(0.25)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    b = LoopbackBrowser(CHROMIUM, tmp_path / "profile")  # type: ignore[arg-type]
    try:
        yield b
    finally:
        b.close()


def _login(b: Browser, base: str, name: str) -> None:
    b.load(f"{base}/login")
    b.evaluate(
        f"document.getElementById('username').value = {json.dumps(name)};"
        f"document.getElementById('password').value = {json.dumps(PASSWORDS[name])};"
    )
    _submit(b, "document.querySelector('form[action$=\"/login\"]').submit()")


def _submit(b: Browser, script: str) -> None:
    b.events.clear()
    b.evaluate(script)
    b.wait_for("Page.loadEventFired")


def _cid(engine: Any, system: str, ext: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(CrosswalkLink.canonical_id).where(
                CrosswalkLink.entity == "party", CrosswalkLink.system == system, CrosswalkLink.external_id == ext
            )
        ).scalar_one()


def test_console_in_chromium(server: str, browser: Browser, store: dict[str, Any], tmp_path: Path) -> None:
    engine = store["engine"]
    browser.open_page(1280, 900)
    browser.load(f"{server}/discrepancies")
    assert browser.evaluate("location.pathname") == "/login", "not logged in: the login form"
    _login(browser, server, "stew")
    assert browser.evaluate("location.pathname") == "/discrepancies"
    assert browser.failures() == []
    with engine.connect() as conn:
        open_rows = conn.execute(
            select(Discrepancy).where(Discrepancy.status == "open").order_by(Discrepancy.kind, Discrepancy.key)
        ).all()
    shown = browser.evaluate("[...document.querySelectorAll('[data-external-id]')].map(e => e.textContent)")
    assert sorted(shown) == sorted(r.external_id for r in open_rows)

    # filter by kind through the form
    kind = open_rows[0].kind
    _submit(
        browser,
        f"document.getElementById('f-kind').value = {json.dumps(kind)};document.querySelector('form.filters').submit()",
    )
    kinds = browser.evaluate("[...document.querySelectorAll('article.card')].map(e => e.dataset.kind)")
    assert kinds and set(kinds) == {kind} and len(kinds) == sum(r.kind == kind for r in open_rows)

    # acknowledge the first one through its checkbox and the bulk button
    target = next(r for r in open_rows if r.kind == kind)
    _submit(
        browser,
        f"document.querySelector('input[name=item][value={json.dumps(target.kind + ':' + target.key)}]').checked = true;"
        "document.querySelector('#bulk button[value=ack]').click()",
    )
    assert "1 acknowledged" in browser.evaluate("document.querySelector('.flash').textContent")
    with engine.connect() as conn:
        row = conn.execute(
            select(Discrepancy).where(Discrepancy.kind == target.kind, Discrepancy.key == target.key)
        ).one()
    assert row.status == "acknowledged" and row.acknowledged_by == "stew"

    # CSRF: the same form without its token is refused, nothing changes
    other = next(r for r in open_rows if (r.kind, r.key) != (target.kind, target.key))
    browser.load(f"{server}/discrepancies")
    _submit(
        browser,
        "document.querySelector('#bulk input[name=csrf_token]').remove();"
        f"document.querySelector('input[name=item][value={json.dumps(other.kind + ':' + other.key)}]').checked = true;"
        "document.querySelector('#bulk button[value=ack]').click()",
    )
    assert "CSRF" in browser.evaluate("document.body.textContent")
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(Discrepancy.status).where(Discrepancy.kind == other.kind, Discrepancy.key == other.key)
            ).scalar()
            == "open"
        )

    # a review decision in the browser changes the next run's crosswalk
    with engine.connect() as conn:
        links = conn.execute(
            select(CrosswalkLink.canonical_id, CrosswalkLink.system, CrosswalkLink.external_id).where(
                CrosswalkLink.entity == "party"
            )
        ).all()
    by_cid: dict[str, dict[str, list[str]]] = {}
    for cid, system, ext in links:
        by_cid.setdefault(cid, {}).setdefault(system, []).append(ext)
    loner_crm = next(v["crm"][0] for v in by_cid.values() if list(v) == ["crm"] and len(v["crm"]) == 1)
    loner_drp = next(v["drp"][0] for v in by_cid.values() if list(v) == ["drp"] and len(v["drp"]) == 1)
    with engine.begin() as conn:
        conn.execute(
            ReviewItem.__table__.insert().values(
                entity="party",
                system_a="crm",
                id_a=loner_crm,
                system_b="drp",
                id_b=loner_drp,
                score=0.4,
                status="open",
                first_run=1,
                last_run=1,
            )
        )
    assert _cid(engine, "crm", loner_crm) != _cid(engine, "drp", loner_drp)
    browser.load(f"{server}/review")
    pair = f"crm:{loner_crm}~drp:{loner_drp}"
    assert browser.evaluate(f"!!document.querySelector('article[data-pair={json.dumps(pair)}] table.sbs')")
    _submit(browser, f"document.querySelector('article[data-pair={json.dumps(pair)}] button[value=accept]').click()")
    assert "1 accepted" in browser.evaluate("document.querySelector('.flash').textContent")
    from hub.runner import run_pipeline

    assert run_pipeline(store["config"], "channelco", engine=engine).status == "succeeded"
    assert _cid(engine, "crm", loner_crm) == _cid(engine, "drp", loner_drp)

    # the hostile customer name is text, not markup
    browser.load(f"{server}/customers?q=script")
    _submit(browser, "document.querySelector('table a[href*=\"/customers/P-\"]').click()")
    assert browser.evaluate("document.querySelectorAll('script').length") == 0
    assert "<script>alert(1)</script> 恶意 & Co" in browser.evaluate("document.body.innerText")

    # the audit log shows who did what
    browser.load(f"{server}/audit")
    audit = browser.evaluate("document.body.innerText")
    assert "discrepancy.ack" in audit and "review.accept" in audit and "stew" in audit

    # a screenshot of the discrepancies for the README
    browser.load(f"{server}/discrepancies?status=unresolved")
    shot = browser.screenshot(tmp_path / "desktop.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("HUB_UPDATE_DOCS_SHOT"):
        DOCS_SHOT.parent.mkdir(exist_ok=True)
        DOCS_SHOT.write_bytes(shot.read_bytes())

    # phone width: no sideways scroll on the main pages
    browser.open_page(390, 844, mobile=True)
    for path in ("/discrepancies", "/review", "/runs", f"/customers/{_cid(engine, 'crm', loner_crm)}"):
        browser.load(f"{server}{path}")
        assert browser.failures() == [], path
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    browser.load(f"{server}/discrepancies")
    browser.screenshot(tmp_path / "phone.png")
    assert all(u.startswith(server) for u in browser.requests()), "the console loads nothing from elsewhere"


def test_viewer_is_refused_a_write_in_the_browser(server: str, browser: Browser, store: dict[str, Any]) -> None:
    browser.open_page(1280, 900)
    _login(browser, server, "vic")
    assert browser.evaluate("document.querySelectorAll('#bulk').length") == 0, "a viewer gets no action buttons"
    with store["engine"].connect() as conn:
        d = conn.execute(select(Discrepancy).where(Discrepancy.status == "open")).first()
    # a crafted form with the viewer's valid CSRF token (taken from the logout form) is still refused
    script = f"""
      const f = document.createElement('form'); f.method = 'post'; f.action = '/discrepancies/ack';
      for (const [k, v] of [['csrf_token', document.querySelector('input[name=csrf_token]').value],
                            ['kind', {json.dumps(d.kind)}], ['key', {json.dumps(d.key)}]]) {{
        const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }}
      document.body.appendChild(f); f.submit();"""
    _submit(browser, script)
    assert "needs the steward role" in browser.evaluate("document.body.textContent")
    with store["engine"].connect() as conn:
        assert (
            conn.execute(
                select(Discrepancy.status).where(Discrepancy.kind == d.kind, Discrepancy.key == d.key)
            ).scalar()
            == "open"
        )
