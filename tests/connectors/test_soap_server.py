"""The DRP SOAP test server: strict WSDL, safe envelope parsing, WS-Security, seeding, faults, CLI."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from hub.errors import ConfigError
from testkit.servers.drpsoap import NS, start_server
from testkit.servers.drpsoap.sample import write_sample_drp

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_drp(tmp_path_factory.mktemp("drp"))


@pytest.fixture
def server(seed: Path):
    handle = start_server(seed_dir=seed)
    yield handle
    handle.stop()


def envelope(body: str, header: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}" xmlns:tns="{NS}">'
        f"<soap:Header>{header}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def post(handle, data: bytes, **headers: str) -> requests.Response:
    return requests.post(
        handle.url, data=data, headers={"Content-Type": "text/xml; charset=utf-8", **headers}, timeout=10
    )


def test_zeep_consumes_the_wsdl_in_strict_mode(server) -> None:
    import zeep

    client = zeep.Client(server.wsdl_url, settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True))
    ops = set(client.service._binding.all())
    assert {
        "GetCustomers",
        "GetSalesOrders",
        "GetInventory",
        "GetInvoices",
        "GetPayments",
        "CreateCustomer",
        "UpdateCreditLimit",
    } <= ops
    assert client.service._binding_options["address"] == server.url
    res = client.service.GetCustomers(page=1, pageSize=5)
    assert res.totalCount == 24 and res.pageCount == 5 and len(res.customers.customer) == 5
    # the xsd was fetched through its relative import
    assert [e.path for e in server.requests if e.method == "GET"] == ["/drp/drp.wsdl", "/drp/drp.xsd"]


def test_xxe_in_request_is_refused_and_not_expanded(server, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f'<soap:Envelope xmlns:soap="{SOAP11}" xmlns:tns="{NS}"><soap:Body>'
        f"<tns:GetInventory><tns:warehouse>&xxe;</tns:warehouse></tns:GetInventory></soap:Body></soap:Envelope>"
    ).encode()
    resp = post(server, body)
    assert resp.status_code == 500
    assert "soap:Client" in resp.text and "DRP-0004" in resp.text
    assert "TOP-SECRET-VALUE" not in resp.text


def test_malformed_and_unknown_requests_are_client_faults(server) -> None:
    resp = post(server, b"<soap:Envelope xmlns:soap='x'><broken")
    assert resp.status_code == 500 and "DRP-0003" in resp.text and "soap:Client" in resp.text
    resp = post(server, envelope("<tns:DropAllTables/>"))
    assert "DRP-0006" in resp.text
    resp = post(server, envelope("<tns:GetCustomers><tns:page>first</tns:page></tns:GetCustomers>"))
    assert "DRP-1000" in resp.text and "page" in resp.text
    assert [e.fault_code for e in server.calls()] == ["soap:Client"] * 3


def _token(user: str, password: str, digest: bool, created: str | None = None) -> str:
    if not digest:
        return (
            f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
            f'<wsse:Password Type="#PasswordText">{password}</wsse:Password></wsse:UsernameToken></wsse:Security>'
        )
    nonce = os.urandom(16)
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    pw = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
    return (
        f'<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{pw}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def test_ws_security_username_token_is_verified(seed: Path) -> None:
    with start_server(seed_dir=seed, users={"hub": "s3cret"}) as handle:
        call = "<tns:GetProducts/>"
        assert post(handle, envelope(call)).status_code == 500  # no token
        assert post(handle, envelope(call, _token("hub", "wrong", True))).status_code == 500
        assert post(handle, envelope(call, _token("hub", "s3cret", True, "2001-01-01T00:00:00Z"))).status_code == 500
        ok = post(handle, envelope(call, _token("hub", "s3cret", True)))
        assert ok.status_code == 200 and "CC01014" in ok.text
        assert post(handle, envelope(call, _token("hub", "s3cret", False))).status_code == 200
        log = handle.calls("GetProducts")
        assert [e.fault_code for e in log[:3]] == ["wsse:FailedAuthentication"] * 3
        assert [(e.user, e.auth) for e in log[3:]] == [("hub", "wsse-digest"), ("hub", "wsse-text")]


def test_http_basic_auth(seed: Path) -> None:
    with start_server(seed_dir=seed, users={"hub": "s3cret"}, auth="basic") as handle:
        call = envelope("<tns:GetProducts/>")
        assert post(handle, call).status_code == 401
        bad = requests.post(handle.url, data=call, auth=("hub", "nope"), timeout=10)
        assert bad.status_code == 401
        good = requests.post(handle.url, data=call, auth=("hub", "s3cret"), timeout=10)
        assert good.status_code == 200 and handle.calls()[-1].auth == "basic"


def test_injected_faults(server) -> None:
    call = envelope("<tns:GetWarehouses/>")
    server.inject("server_fault", "GetWarehouses")
    r = post(server, call)
    assert r.status_code == 500 and "soap:Server" in r.text and "DRP-9000" in r.text
    server.inject("malformed")
    r = post(server, call)
    assert r.status_code == 200 and not r.text.rstrip().endswith("</soap:Envelope>")
    server.inject("http", status=503, times=2)
    assert [post(server, call).status_code for _ in range(3)] == [503, 503, 200]
    server.inject("slow", seconds=0.3)
    t = time.monotonic()
    assert post(server, call).status_code == 200 and time.monotonic() - t >= 0.3
    assert [e.injected for e in server.calls()] == ["server_fault", "malformed", "http", "http", None, "slow"]


def test_seed_errors_name_file_line_and_field(tmp_path: Path) -> None:
    folder = write_sample_drp(tmp_path / "drp", customers=4)
    path = folder / "customers.csv"
    lines = path.read_text(encoding="gb18030").splitlines()
    cells = lines[2].split(",")
    cells[9] = "lots"  # 信用额度
    lines[2] = ",".join(cells)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="gb18030")
    with pytest.raises(ConfigError) as info:
        start_server(seed_dir=folder)
    err = info.value
    assert err.file == str(path) and err.line == 3 and err.field == "信用额度"


def test_command_line_server_with_pidfile(seed: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "drp.pid"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testkit.servers.drpsoap",
            "--port",
            "0",
            "--seed-drp",
            str(seed),
            "--pidfile",
            str(pidfile),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        line = proc.stdout.readline()
        assert "DRP SOAP service on http://127.0.0.1:" in line, line
        url = line.split()[4]
        assert int(pidfile.read_text()) == proc.pid
        r = requests.post(url, data=envelope("<tns:GetSalespeople/>"), timeout=10)
        assert r.status_code == 200 and "YW0001" in r.text
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0 and not pidfile.exists()
