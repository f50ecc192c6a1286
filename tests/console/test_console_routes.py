"""Every console route for every role through FastAPI's TestClient, on the ChannelCo store."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from hub.store.models import AuditLog, Discrepancy, ReviewItem
from tests.console.conftest import HOSTILE, login

PAGES = [
    "/discrepancies",
    "/discrepancies?status=all",
    "/discrepancies.csv",
    "/api/discrepancies",
    "/review",
    "/customers",
    "/customers?q=guilin",
    "/runs",
    "/runs/1",
    "/quarantine",
    "/audit",
]


def _open(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            select(Discrepancy).where(Discrepancy.status == "open").order_by(Discrepancy.kind, Discrepancy.key)
        ).all()


@pytest.mark.parametrize("path", PAGES + ["/users", "/discrepancy?kind=x&key=y", "/customers/P-X"])
def test_every_page_needs_a_login(client: Any, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        assert r.status_code == 401
    else:
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("name", ["vic", "stew", "ada"])
def test_every_role_reads_every_page(client: Any, name: str) -> None:
    login(client, name)
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:200])
    assert client.get("/users").status_code == (200 if name == "ada" else 403)


def test_discrepancies_list_shows_the_exported_external_ids(client: Any, store: dict[str, Any], tmp_path: Any) -> None:
    from hub.export import export

    export(store["engine"], tmp_path / "out")
    with (tmp_path / "out" / "discrepancies.csv").open(encoding="utf-8") as fh:
        exported = [r["external_id"] for r in csv.DictReader(fh)]
    assert exported
    login(client, "vic")
    page = client.get("/discrepancies").text
    shown = re.findall(r'<span class="ext" data-external-id>([^<]+)</span>', page)
    assert sorted(shown) == sorted(exported)


def test_filters_and_csv_export(client: Any, store: dict[str, Any]) -> None:
    login(client, "vic")
    rows = _open(store["engine"])
    kind = rows[0].kind
    page = client.get("/discrepancies", params={"kind": kind}).text
    assert all(f'data-kind="{kind}"' in m for m in re.findall(r'<article class="card" data-kind="[^"]+"', page))
    n_kind = sum(r.kind == kind for r in rows)
    assert page.count('<article class="card"') == n_kind
    assert client.get("/discrepancies", params={"severity": "no-such"}).text.count('<article class="card"') == 0
    assert client.get("/discrepancies", params={"age": "36500"}).text.count('<article class="card"') == 0
    body = client.get("/discrepancies.csv", params={"kind": kind}).text
    parsed = list(csv.DictReader(io.StringIO(body)))
    assert len(parsed) == n_kind and {r["kind"] for r in parsed} == {kind}
    # team filter: every row shown belongs to the team
    team_page = client.get("/discrepancies").text
    teams = re.findall(r"<option(?: selected)?>([^<]+ Region|[^<]*大区)</option>", team_page)
    if teams:
        api = client.get("/api/discrepancies", params={"team": teams[0], "status": "all"}).json()
        assert all(i["team"] == teams[0] for i in api["items"])


def test_steward_acknowledges_resolves_assigns_comments_with_audit(client: Any, store: dict[str, Any]) -> None:
    csrf = login(client, "stew")
    first, second = _open(store["engine"])[:2]
    r = client.post(
        "/discrepancies/ack", data={"csrf_token": csrf, "item": [f"{first.kind}:{first.key}"]}, follow_redirects=False
    )
    assert r.status_code == 303 and "1+acknowledged" in r.headers["location"]
    client.post(
        "/discrepancies/assign", data={"csrf_token": csrf, "kind": first.kind, "key": first.key, "value": "ada"}
    )
    client.post(
        "/discrepancies/comment",
        data={"csrf_token": csrf, "kind": first.kind, "key": first.key, "value": "called the distributor"},
    )
    client.post("/discrepancies/resolve", data={"csrf_token": csrf, "kind": second.kind, "key": second.key})
    with store["engine"].connect() as conn:
        status = dict(
            conn.execute(
                select(Discrepancy.key, Discrepancy.status).where(Discrepancy.key.in_([first.key, second.key]))
            ).all()
        )
        audit = conn.execute(select(AuditLog).where(AuditLog.target_kind == "discrepancy").order_by(AuditLog.id)).all()
    assert status == {first.key: "acknowledged", second.key: "resolved"}
    assert [a.action for a in audit] == [
        "discrepancy.ack",
        "discrepancy.assign",
        "discrepancy.comment",
        "discrepancy.resolve",
    ]
    assert (
        audit[0].user_name == "stew"
        and audit[0].before["status"] == "open"
        and audit[0].after["status"] == "acknowledged"
    )
    detail = client.get("/discrepancy", params={"kind": first.kind, "key": first.key}).text
    assert "called the distributor" in detail and "assigned to <b>ada</b>" in detail and "discrepancy.ack" in detail
    assert (
        client.get("/discrepancies", params={"assignee": "ada", "status": "all"}).text.count('<article class="card"')
        == 1
    )
    # a second ack of the same one is refused in words, not an error
    r = client.post(
        "/discrepancies/ack", data={"csrf_token": csrf, "kind": first.kind, "key": first.key}, follow_redirects=False
    )
    assert "not+open" in r.headers["location"] or "not%20open" in r.headers["location"]


def test_review_bulk_needs_confirmation(client: Any, store: dict[str, Any]) -> None:
    with store["engine"].begin() as conn:
        for i in range(2):
            conn.execute(
                ReviewItem.__table__.insert().values(
                    entity="party",
                    system_a="crm",
                    id_a=f"A{i}",
                    system_b="drp",
                    id_b=f"B{i}",
                    score=0.5,
                    status="open",
                    first_run=1,
                    last_run=1,
                )
            )
    csrf = login(client, "stew")
    pairs = ["crm:A0~drp:B0", "crm:A1~drp:B1"]
    r = client.post("/review/decide", data={"csrf_token": csrf, "pair": pairs, "decision": "reject"})
    assert r.status_code == 200 and "Reject 2 pairs?" in r.text
    with store["engine"].connect() as conn:
        assert {x.status for x in conn.execute(select(ReviewItem))} == {"open"}
    client.post("/review/decide", data={"csrf_token": csrf, "pair": pairs, "decision": "reject", "confirm": "yes"})
    with store["engine"].connect() as conn:
        assert {(x.status, x.decided_by) for x in conn.execute(select(ReviewItem))} == {("rejected", "stew")}
        assert (
            conn.execute(select(AuditLog.action).where(AuditLog.target_kind == "review_item")).scalars().all()
            == ["review.reject"] * 2
        )


def test_customer_search_in_both_scripts_code_and_tax_id(client: Any, store: dict[str, Any]) -> None:
    from hub.store.models import MODELS

    p = MODELS["party"].__table__
    with store["engine"].connect() as conn:
        drp = conn.execute(
            select(p).where(p.c.system == "drp", p.c.tax_id.is_not(None)).order_by(p.c.external_id)
        ).first()
        crm = conn.execute(
            select(p.c.name)
            .where(p.c.system == "crm", p.c.name.is_not(None), p.c.name != HOSTILE)
            .order_by(p.c.external_id)
        ).first()
    login(client, "vic")
    for q in (drp.name[:4], drp.external_id, drp.tax_id, crm.name.split()[0]):
        page = client.get("/customers", params={"q": q}).text
        assert "/customers/P-" in page, q
    cid = re.search(r"/customers/(P-[0-9A-F]+)", client.get("/customers", params={"q": drp.external_id}).text).group(1)
    page = client.get(f"/customers/{cid}").text
    for part in (
        "Golden record",
        "Records in every system",
        "Receivables and aging",
        "Credit",
        "Orders",
        drp.external_id,
    ):
        assert part in page


def test_hostile_name_stays_text(client: Any) -> None:
    login(client, "vic")
    found = client.get("/customers", params={"q": "script"}).text
    cid = re.search(r"/customers/(P-[0-9A-F]+)", found).group(1)
    page = client.get(f"/customers/{cid}").text
    assert "<script" not in found and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 恶意 &amp; Co" in page


def test_admin_manages_users_and_quarantine_actions_are_admin_only(client: Any, store: dict[str, Any]) -> None:
    csrf = login(client, "ada")
    client.post("/users/add", data={"csrf_token": csrf, "name": "newbie", "role": "viewer", "password": "longenough1"})
    page = client.get("/users").text
    assert "newbie" in page and "scrypt$" not in page
    client.post("/users/disable", data={"csrf_token": csrf, "name": "newbie"})
    assert client.post("/login", data={"username": "newbie", "password": "longenough1"}).status_code == 401
    r = client.post(
        "/quarantine/discard",
        data={"csrf_token": csrf, "item": ["system=crm&stream=x&stage=map&key=nope"]},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "not+in+the+quarantine" in r.headers["location"]
    audit = client.get("/audit").text
    assert "user.add" in audit and "user.disable" in audit


def test_runs_page_shows_outcome_stages_and_alerts(client: Any, store: dict[str, Any]) -> None:
    from hub.clock import utcnow
    from hub.store.models import AlertSent

    with store["engine"].begin() as conn:
        conn.execute(
            AlertSent.__table__.insert().values(
                channel="ops-slack",
                event="run_held",
                event_key="k",
                run_id=1,
                status="sent",
                attempts=1,
                sent_at=utcnow(),
            )
        )
    login(client, "vic")
    runs = client.get("/runs").text
    assert "succeeded" in runs and "run_held → ops-slack: sent" in runs
    detail = client.get("/runs/1").text
    assert "extract" in detail and "reconcile" in detail
