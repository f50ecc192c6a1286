"""The Salesforce test server itself: SOQL subset, response shapes against real samples, seeding, CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from testkit.servers.salesforce import seed_from_channelco, start_server
from testkit.servers.salesforce.store import Org, checksum, sf_id

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "salesforce"


@pytest.fixture(scope="module")
def api():
    handle = start_server(port=0, accounts=30)
    token = handle.app.issue_session()
    session = requests.Session()
    session.verify = handle.ca_file
    session.headers["Authorization"] = f"Bearer {token}"

    def call(method: str, path: str, **kw: Any) -> requests.Response:
        return session.request(method, handle.url + path, verify=handle.ca_file, **kw)

    call.server = handle  # type: ignore[attr-defined]
    yield call
    handle.stop()


def q(api: Any, soql: str, kind: str = "query") -> requests.Response:
    return api("GET", f"/services/data/v59.0/{kind}", params={"q": soql})


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Name = 'account 000003'", 1),  # case-insensitive like SOQL
        ("Name != 'Account 000003'", 29),
        ("BillingCity IN ('Shanghai', 'Beijing')", 10),
        ("BillingCity NOT IN ('Shanghai')", 25),
        ("Name LIKE 'Account 00001%'", 10),
        ("(Type = 'Agent' OR Type = 'Customer') AND BillingCity = 'Beijing'", 5),
        ("NOT Type = 'Agent'", 22),
        ("ERP_Customer_Code__c = null", 20),
        ("SystemModstamp > 2026-01-01T00:00:10Z", 19),
        ("SystemModstamp >= 2026-01-01T00:00:10.000+0000 AND SystemModstamp < 2026-01-01T00:00:12Z", 2),
        ("IsDeleted = false", 30),
    ],
)
def test_soql_where(api: Any, where: str, expected: int) -> None:
    response = q(api, f"SELECT Id FROM Account WHERE {where}")
    assert response.status_code == 200, response.text
    assert response.json()["totalSize"] == expected


def test_soql_order_limit_offset_and_count(api: Any) -> None:
    body = q(api, "SELECT Name FROM Account ORDER BY BillingCity DESC, Name ASC LIMIT 3 OFFSET 1").json()
    assert [r["Name"] for r in body["records"]] == ["Account 000010", "Account 000016", "Account 000022"]
    assert q(api, "SELECT COUNT() FROM Account WHERE Type = 'Agent'").json()["totalSize"] == 8


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Nope FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Nothing", "INVALID_TYPE"),
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name > 5", "INVALID_QUERY_FILTER_OPERATOR"),
    ],
)
def test_soql_errors_are_salesforce_shaped(api: Any, soql: str, code: str) -> None:
    response = q(api, soql)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


@pytest.mark.parametrize("real", ["0012f000007uKgsAAE", "003q000000KvQ1tAAF", "a00D0000008pQRAIA2"])
def test_id_checksum_matches_real_salesforce_ids(real: str) -> None:
    assert checksum(real[:15]) == real[15:]


def test_generated_ids_are_unique_and_prefixed() -> None:
    ids = {sf_id("001", n) for n in range(1, 5000)}
    assert len(ids) == 4999 and all(i.startswith("001") and len(i) == 18 and checksum(i[:15]) == i[15:] for i in ids)


def _keys(path: Path) -> set[str]:
    return set(json.loads(path.read_text()))


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared absent: real Salesforce samples not available")
def test_shapes_match_real_salesforce_samples(api: Any) -> None:
    versions = api("GET", "/services/data").json()
    assert set(versions[0]) == set(json.loads((CORPUS / "restforce/services_data_versions.json").read_text())[0])
    page = q(api, "SELECT Id, Name FROM Account LIMIT 1").json()
    assert set(page) == _keys(CORPUS / "restforce/query_success.json")
    assert set(page["records"][0]["attributes"]) == {"type", "url"}
    glob = api("GET", "/services/data/v59.0/sobjects").json()
    real_global = json.loads((CORPUS / "restforce/describe_global.json").read_text())
    assert set(glob) == set(real_global)
    assert set(glob["sobjects"][0]) <= set(real_global["sobjects"][0]) | {"labelPlural"}
    describe = api("GET", "/services/data/v59.0/sobjects/Account/describe").json()
    real = json.loads((CORPUS / "camel/describe_Account_v42.json").read_text())
    assert set(describe) <= set(real)
    assert set(describe["fields"][0]) <= set(real["fields"][0])
    token = api(
        "POST",
        "/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "hub-connected-app", "client_secret": "app-secret-789"},
    ).json()
    assert _keys(CORPUS / "restforce/oauth_token_success.json") <= set(token)
    bad = api("POST", "/services/oauth2/token", data={"grant_type": "password", "client_id": "x"}).json()
    assert set(bad) == _keys(CORPUS / "restforce/oauth_token_error.json")
    created = api("POST", "/services/data/v59.0/sobjects/Account", json={"Name": "Shape"}).json()
    assert set(created) == _keys(CORPUS / "restforce/create_success.json")
    error = api("POST", "/services/data/v59.0/sobjects/Account", json={"foo": 1}).json()
    assert set(error[0]) >= set(json.loads((CORPUS / "restforce/write_error.json").read_text())[0])
    coll = api(
        "POST",
        "/services/data/v59.0/composite/sobjects",
        json={"records": [{"attributes": {"type": "Account"}, "Name": "C"}]},
    ).json()
    assert set(coll[0]) == set(json.loads((CORPUS / "restforce/sobject_collections_success.json").read_text())[0])
    limits = api("GET", "/services/data/v59.0/limits").json()
    assert set(limits["DailyApiRequests"]) == {"Max", "Remaining"}
    job = api(
        "POST",
        "/services/data/v59.0/jobs/ingest",
        json={"object": "Account", "operation": "insert", "contentType": "CSV"},
    ).json()
    assert _keys(CORPUS / "restforce/bulk2_create_ingest_job.json") <= set(job)
    merch = (CORPUS / "camel/bulk_ingest_merchandise.csv").read_text()
    assert merch.startswith('"')  # quoted CSV header, as our CSV reader accepts


def test_bulk_ingest_roundtrip_over_raw_http(api: Any) -> None:
    job = api(
        "POST",
        "/services/data/v59.0/jobs/ingest",
        json={"object": "Account", "operation": "upsert", "externalIdFieldName": "ERP_Customer_Code__c"},
    ).json()
    body = '"ERP_Customer_Code__c","Name","Phone"\n"RAW-1","Raw One",""\n"RAW-2","","x"\n'
    assert (
        api(
            "PUT",
            f"/services/data/v59.0/jobs/ingest/{job['id']}/batches",
            data=body.encode(),
            headers={"Content-Type": "text/csv"},
        ).status_code
        == 201
    )
    done = api("PATCH", f"/services/data/v59.0/jobs/ingest/{job['id']}", json={"state": "UploadComplete"}).json()
    assert done["state"] == "JobComplete" and done["numberRecordsFailed"] == 1
    ok = list(
        csv.DictReader(api("GET", f"/services/data/v59.0/jobs/ingest/{job['id']}/successfulResults").text.splitlines())
    )
    failed = list(
        csv.DictReader(api("GET", f"/services/data/v59.0/jobs/ingest/{job['id']}/failedResults").text.splitlines())
    )
    assert ok[0]["sf__Created"] == "true" and ok[0]["ERP_Customer_Code__c"] == "RAW-1"
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING")


def test_upsert_multiple_matches_answers_300(api: Any) -> None:
    org = api.server.org
    ids = sorted(org.records["Account"])
    org.update("Account", ids[0], {"ERP_Customer_Code__c": "TWICE"})
    org.update("Account", ids[1], {"ERP_Customer_Code__c": "TWICE"})
    response = api("PATCH", "/services/data/v59.0/sobjects/Account/ERP_Customer_Code__c/TWICE", json={"Name": "x"})
    assert response.status_code == 300 and len(response.json()) == 2


def _channelco(tmp_path: Path) -> Path:
    gen = SHARED / "bench" / "gen_channel_data.py"
    if not gen.exists():
        pytest.skip("../shared absent: ChannelCo generator not available")
    out = tmp_path / "channelco"
    subprocess.run(
        [sys.executable, str(gen), str(out), "--seed", "7", "--customers", "60"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / "crm"


def test_seed_from_channelco_crm_folder(tmp_path: Path) -> None:
    crm = _channelco(tmp_path)
    org = Org()
    counts = seed_from_channelco(org, crm)
    with (crm / "Account.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert counts["Account"] == len(rows) and len(org.records["Account"]) == len(rows)
    first = org.records["Account"][rows[0]["Id"]]
    assert first["Name"] == rows[0]["Name"] and first["SystemModstamp"].isoformat().startswith(
        rows[0]["SystemModstamp"][:19]
    )
    assert counts["Contact"] > 0 and counts["Order"] > 0


def test_command_line_server_with_pidfile(tmp_path: Path) -> None:
    pidfile = tmp_path / "sf.pid"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testkit.servers.salesforce",
            "--port",
            "0",
            "--accounts",
            "3",
            "--pidfile",
            str(pidfile),
            "--cert-dir",
            str(tmp_path / "certs"),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert "Salesforce test server on https://127.0.0.1:" in line
        creds = json.loads((tmp_path / "certs" / "credentials.json").read_text())
        assert creds["password"] not in line
        deadline = time.monotonic() + 10
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert int(pidfile.read_text()) == proc.pid
        versions = requests.get(creds["url"] + "/services/data", verify=creds["ca_file"], timeout=10)
        assert versions.status_code == 200
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    assert not pidfile.exists()
