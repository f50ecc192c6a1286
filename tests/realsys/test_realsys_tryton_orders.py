"""The order flow with Tryton as the ERP: a CRM order (Salesforce test server) becomes a draft Tryton sale with its lines.

The CRM account carries a seeded Tryton party's tax id and the CRM products its SKUs, so the hub
links them; the order flow (``create_format: tryton``) creates the sale once, the Tryton sale id
goes back into the CRM order, and a rerun, a resend and a second hub store create nothing more.
Slow: it needs the real trytond (built once under ``.cache/realsys``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import realsys_harness as harness
from e2e_hub_support import run_then_push

from testkit.flowseed import crm_order, seed_flow_world

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

MAPPINGS = harness.REPO / "mappings"
PIPELINE = "orders"

CONFIG = """
version: 1
store: {{url: "sqlite:///{store}"}}
guards: {{empty: allow}}
systems:
  crm:
    connector: salesforce
    config:
      auth: password
      login_url: ${{CHANNELCO_SF_URL}}
      username: ${{CHANNELCO_SF_USERNAME}}
      client_id: ${{CHANNELCO_SF_CLIENT_ID}}
      verify: ${{CHANNELCO_SF_CA_FILE}}
      objects:
        User: {{object: User}}
        Account: {{object: Account}}
        Product2: {{object: Product2}}
        Order: {{object: Order}}
        OrderItem: {{object: OrderItem}}
        Contact: {{object: Contact}}
        Opportunity: {{object: Opportunity}}
    secrets: {{password: CHANNELCO_SF_PASSWORD, security_token: CHANNELCO_SF_TOKEN,
               client_secret: CHANNELCO_SF_CLIENT_SECRET}}
    mappings: [{mappings}/channelco/crm.yaml, {mappings}/channelco/value_maps.yaml]
  tryton:
    connector: tryton
    config: {{url: "{url}", database: "{database}", username: "{username}"}}
    secrets: {{password: TRYTON_PASSWORD}}
    mappings: [{mappings}/tryton/tryton.yaml]
pipelines:
  {pipeline}:
    sources:
      - {{system: crm, streams: [User, Account, Product2, Order, OrderItem]}}
      - {{system: tryton, streams: [parties, products, sales, sale_lines]}}
    reconcile: reconcile.yaml
    push: push.yaml
"""

RECONCILE = """
roles: {crm: crm, drp: tryton}
entities:
  party:
    systems: [crm, tryton]
    keys: [{name: tax_id, left: {system: crm, field: tax_id}, right: {system: tryton, field: tax_id}}]
  product:
    systems: [crm, tryton]
    keys: [{name: sku, left: {system: crm, field: sku}, right: {system: tryton, field: sku}}]
"""

PUSH = """
targets: {}
flows:
  orders:
    crm: crm
    drp: tryton
    drp_stream: sales
    create_format: tryton
    breaker_min: 100
"""


def _run(config_path: Path, engine: Any = None) -> tuple[dict[str, Any], Any]:
    return run_then_push(config_path, PIPELINE, engine)


def test_crm_order_becomes_a_draft_tryton_sale_with_lines_once(
    tryton_server: harness.ServerInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from connectors.tryton.client import TrytonClient
    from connectors.tryton.config import TrytonConfig
    from connectors.tryton.connector import TrytonConnector
    from hub.connector import Change, ConnectorContext
    from hub.store.models import OutboxEntry
    from testkit.servers.channelco import server_env
    from testkit.servers.drpsoap import start_server as start_drp
    from testkit.servers.salesforce import start_server as start_sf

    creds = tryton_server.credentials
    tryton = TrytonClient(tryton_server.url, creds["database"], creds["username"], creds["password"])
    party = next(
        p
        for p in tryton.search_read("party.party", [("code", "like", "C%")], ["id", "code", "tax_identifier.code"])
        if (p.get("tax_identifier.") or {}).get("code")
    )
    tax_id = party["tax_identifier."]["code"]
    sf, drp = start_sf(0), start_drp(0)  # the DRP SOAP server only feeds the shared seed; the ERP here is Tryton
    try:
        ids = seed_flow_world(sf.org, drp.store)
        sf.org.update("Account", ids["accounts"]["C900002"], {"Tax_ID__c": tax_id})
        for sku in ("SKU-1001", "SKU-1002"):
            ids["products"][sku] = sf.org.insert("Product2", {"Name": sku, "ProductCode": sku, "IsActive": True})["Id"]
        for k, v in server_env(sf, drp).items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("TRYTON_PASSWORD", creds["password"])
        cfg = tmp_path / "hub.yaml"
        cfg.write_text(
            CONFIG.format(
                store=tmp_path / "hub.db",
                mappings=MAPPINGS,
                url=tryton_server.url,
                database=creds["database"],
                username=creds["username"],
                pipeline=PIPELINE,
            ),
            encoding="utf-8",
        )
        (tmp_path / "reconcile.yaml").write_text(RECONCILE, encoding="utf-8")
        (tmp_path / "push.yaml").write_text(PUSH, encoding="utf-8")
        number = "00037001"
        oid = crm_order(sf.org, ids, "C900002", number, [("SKU-1001", 3, "12.50"), ("SKU-1002", 2, "6.00")])

        detail, engine = _run(cfg)
        assert detail["failed"] == {}, detail["failed"]
        orders = detail["flows"]["orders"]
        assert orders["created"] == 1 and orders["skipped"] == 0, orders
        sales = tryton.search_read(
            "sale.sale", [("reference", "=", number)], ["id", "state", "party", "total_amount", "lines"]
        )
        assert len(sales) == 1, sales
        sale = sales[0]
        assert sale["state"] == "draft" and sale["party"] == party["id"]
        lines = tryton.search_read(
            "sale.line", [("sale", "=", sale["id"])], ["product.code", "quantity", "unit_price"], order=[("id", "ASC")]
        )
        assert [(ln["product."]["code"], ln["quantity"], Decimal(str(ln["unit_price"]))) for ln in lines] == [
            ("SKU-1001", 3.0, Decimal("12.50")),
            ("SKU-1002", 2.0, Decimal("6.00")),
        ]
        assert sf.org.find("Order", oid)["ERP_Order_No__c"] == str(sale["id"])

        # a rerun plans nothing; a fresh hub store (outbox lost) finds the sale by its reference
        again, _ = _run(cfg, engine)
        assert again["flows"]["orders"]["planned"] == 0, again["flows"]["orders"]
        sf.org.update("Order", oid, {"ERP_Order_No__c": None})
        cfg.write_text(cfg.read_text(encoding="utf-8").replace("hub.db", "fresh.db"), encoding="utf-8")
        fresh, _ = _run(cfg)
        assert fresh["flows"]["orders"]["planned"] == 0, fresh["flows"]["orders"]  # the extracted sale names it
        assert len(tryton.search_read("sale.sale", [("reference", "=", number)], ["id"])) == 1
        # the same create sent again (a send whose answer was lost) returns the sale it already made
        with engine.connect() as conn:
            payload = conn.execute(
                select(OutboxEntry.__table__.c.payload).where(OutboxEntry.__table__.c.stream == "sales")
            ).scalar_one()
        erp = TrytonConnector(
            TrytonConfig(url=tryton_server.url, database=creds["database"], username=creds["username"]),
            ConnectorContext("tryton", ".", {"password": creds["password"]}),
        )
        try:
            (again_written,) = erp.write("sales", [Change("create", None, dict(payload), "resend")])
        finally:
            erp.close()
        assert again_written.ok and not again_written.created and again_written.external_id == str(sale["id"])
        assert len(tryton.search_read("sale.sale", [("reference", "=", number)], ["id"])) == 1
    finally:
        drp.stop()
        sf.stop()
        tryton.close()
