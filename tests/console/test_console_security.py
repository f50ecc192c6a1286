"""Security of the console: passwords, sessions, cookies, CSRF, roles, login rate limit, headers, the schema."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from hub.console.passwords import hash_password, verify_password
from hub.console.ratelimit import LoginLimiter
from hub.store.models import AppUser, ConsoleSession, Discrepancy
from tests.console.conftest import PASSWORDS, login


def test_passwords_are_salted_scrypt_hashes() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$") and "correct" not in a
    assert verify_password("correct horse", a) and not verify_password("wrong", a)
    assert not verify_password("x", None) and not verify_password("x", "garbage")


def test_store_keeps_no_password_or_session_token(client: Any, store: dict[str, Any]) -> None:
    client.post("/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False)
    token = client.cookies.get("hub_console_session")
    with store["engine"].connect() as conn:
        hashes = conn.execute(select(AppUser.password_hash)).scalars().all()
        sessions = conn.execute(select(ConsoleSession.token_hash)).scalars().all()
    assert token and token not in sessions and all(PASSWORDS["stew"] not in h for h in hashes)


def test_session_cookie_flags(client: Any) -> None:
    r = client.post("/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie and "secure" not in cookie


def test_cookie_is_secure_over_tls(app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://console.example") as c:
        r = c.post("/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False)
    assert "; secure" in r.headers["set-cookie"].lower()


def test_write_without_csrf_token_is_refused(client: Any, store: dict[str, Any]) -> None:
    login(client, "stew")
    with store["engine"].connect() as conn:
        d = conn.execute(select(Discrepancy).where(Discrepancy.status == "open")).first()
    r = client.post("/discrepancies/ack", data={"kind": d.kind, "key": d.key})
    assert r.status_code == 403
    r = client.post("/discrepancies/ack", data={"kind": d.kind, "key": d.key, "csrf_token": "forged"})
    assert r.status_code == 403
    assert client.post("/discrepancies/ack").status_code == 403
    with store["engine"].connect() as conn:
        assert (
            conn.execute(
                select(Discrepancy.status).where(Discrepancy.kind == d.kind, Discrepancy.key == d.key)
            ).scalar()
            == "open"
        )


def test_write_without_a_session_is_refused(client: Any) -> None:
    assert client.post("/discrepancies/ack", data={"kind": "k", "key": "x", "csrf_token": "t"}).status_code == 403


def test_viewer_cannot_write_and_steward_cannot_administer(client: Any, store: dict[str, Any]) -> None:
    csrf = login(client, "vic")
    with store["engine"].connect() as conn:
        d = conn.execute(select(Discrepancy).where(Discrepancy.status == "open")).first()
    assert client.post("/discrepancies/ack", data={"kind": d.kind, "key": d.key, "csrf_token": csrf}).status_code == 403
    assert (
        client.post("/review/decide", data={"pair": "a:1~b:2", "decision": "accept", "csrf_token": csrf}).status_code
        == 403
    )
    assert 'action="/discrepancies/ack"' not in client.get("/discrepancies").text  # no buttons for a viewer
    client.cookies.clear()
    csrf = login(client, "stew")
    assert (
        client.post(
            "/users/add", data={"name": "x", "role": "admin", "password": "p" * 12, "csrf_token": csrf}
        ).status_code
        == 403
    )
    assert client.post("/quarantine/discard", data={"item": "x", "csrf_token": csrf}).status_code == 403


def test_logout_and_disable_end_the_session(client: Any, app: Any, store: dict[str, Any]) -> None:
    csrf = login(client, "stew")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/discrepancies", follow_redirects=False).status_code == 303
    login(client, "stew")
    from hub.console.users import set_disabled

    with store["engine"].begin() as conn:
        set_disabled(conn, "stew", True, "test")
    assert client.get("/discrepancies", follow_redirects=False).status_code == 303


def test_expired_session_is_refused(store: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hub.console.app import create_app

    app = create_app(engine=store["engine"], config=store["config"], session_hours=-1)
    with TestClient(app) as c:
        c.post("/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False)
        assert c.get("/discrepancies", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(store: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from hub.console.app import create_app

    now = [0.0]
    app = create_app(
        engine=store["engine"],
        config=store["config"],
        limiter=LoginLimiter(attempts=3, window=60, clock=lambda: now[0]),
    )
    with TestClient(app) as c:
        for _ in range(3):
            assert c.post("/login", data={"username": "stew", "password": "wrong"}).status_code == 401
        r = c.post("/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        now[0] = 61.0
        assert (
            c.post(
                "/login", data={"username": "stew", "password": PASSWORDS["stew"]}, follow_redirects=False
            ).status_code
            == 303
        )


def test_login_redirect_stays_on_the_console(client: Any) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.post(
            "/login", data={"username": "stew", "password": PASSWORDS["stew"], "next": target}, follow_redirects=False
        )
        assert r.headers["location"] == "/discrepancies"
        client.cookies.clear()


def test_cross_site_login_is_refused(client: Any) -> None:
    r = client.post(
        "/login",
        data={"username": "stew", "password": PASSWORDS["stew"]},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_security_headers(client: Any) -> None:
    r = client.get("/login")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_sql_stays_data(client: Any) -> None:
    login(client, "vic")
    for q in ("' OR 1=1 --", "%", "_", "\\"):
        r = client.get("/customers", params={"q": q})
        assert r.status_code == 200 and "/customers/P-" not in r.text, q
    assert client.get("/discrepancies", params={"kind": "x' OR '1'='1"}).text.count('<article class="card"') == 0


def test_migration_0005_matches_the_models(store: dict[str, Any]) -> None:
    with store["engine"].connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}),
            __import__("hub.store.base", fromlist=["Base"]).Base.metadata,
        )
    names = ("app_user", "audit_log", "console_session", "discrepancy_note")
    assert [d for d in diff if any(n in repr(d) for n in names)] == []


def test_users_cli(store: dict[str, Any]) -> None:
    import os
    import subprocess
    import sys

    from tests.console.conftest import ROOT
    from tests.helpers.channelco import CONFIG

    env = {**os.environ, "HUB_DATABASE_URL": store["url"], "CHANNELCO_DIR": str(store["world"])}
    hub = [sys.executable, "-m", "hub", "-c", str(CONFIG), "users"]
    out = subprocess.run(
        [*hub, "add", "cli-user", "--role", "steward", "--password-stdin"],
        input="a-long-password\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    listed = subprocess.run([*hub, "list"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120).stdout
    assert "cli-user" in listed and "scrypt" not in listed
    bad = subprocess.run(
        [*hub, "add", "x", "--role", "root", "--password-stdin"],
        input="a-long-password\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2 and "role 'root'" in bad.stderr and "Traceback" not in bad.stderr
    out = subprocess.run([*hub, "disable", "cli-user"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0 and "disabled" in out.stdout


def test_mounted_under_a_prefix_like_airflow(store: dict[str, Any]) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hub.console.app import create_app

    outer = FastAPI()
    outer.mount("/hub-console", create_app(engine=store["engine"], config=store["config"]))
    with TestClient(outer) as c:
        r = c.get("/hub-console/discrepancies", follow_redirects=False)
        assert r.headers["location"].startswith("/hub-console/login")
        r = c.post("/hub-console/login", data={"username": "vic", "password": PASSWORDS["vic"]}, follow_redirects=False)
        assert (
            r.headers["location"] == "/hub-console/discrepancies"
            and "path=/hub-console" in r.headers["set-cookie"].lower()
        )
        page = c.get("/hub-console/discrepancies").text
        assert 'href="/hub-console/static/style.css"' in page
