"""ChannelCo's two systems as live test servers: the Salesforce-compatible CRM and the DRP SOAP service, seeded from one world.

``start_servers(world)`` runs both in this process (threads); ``server_env`` gives the environment
``examples/channelco/hub-live.yaml`` reads. ``python -m testkit.servers.channelco WORLD INFO`` is the
helper process of the live demo: it runs both servers until SIGTERM and writes their environment to
``INFO`` (mode 600).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["CRM_FIELDS", "FLOW_FIELDS", "FLOW_OBJECTS", "add_crm_fields", "start_servers", "server_env", "serve"]

#: custom Account fields the push writes (as deployed in the CRM org)
CRM_FIELDS = {
    "Credit_Limit__c": "currency",
    "Open_Receivables__c": "currency",
    "Overdue_Amount__c": "currency",
    "Open_Invoices__c": "double",
    "Last_Payment_Date__c": "date",
    "Channel_Stock__c": "double",
}


#: fields and objects the channel flows write (orders, credit, tasks, commission), as deployed in the org
FLOW_FIELDS = {
    "Account": {"Available_Credit__c": "currency"},
    "Order": {"OwnerId": "reference", "Credit_Hold_Reason__c": "string"},
    "Opportunity": {"ERP_Order_No__c": "string", "Credit_Hold_Reason__c": "string"},
}
FLOW_OBJECTS = {
    "Task": (
        "00T",
        {
            "Subject": "string",
            "WhatId": "reference",
            "OwnerId": "reference",
            "ActivityDate": "date",
            "Priority": "picklist",
            "Status": "picklist",
            "Description": "textarea",
            "Hub_Key__c": "string",
        },
        ("Hub_Key__c",),
    ),
    "Commission__c": (
        "a0C",
        {
            "Salesperson__c": "reference",
            "Period__c": "string",
            "Team__c": "string",
            "Base__c": "currency",
            "Rate__c": "percent",
            "Commission__c": "currency",
            "Invoices__c": "double",
            "Hub_Key__c": "string",
        },
        ("Hub_Key__c",),
    ),
}


def add_crm_fields(org: Any) -> None:
    """Deploy the push's custom fields and the flows' objects (Task, Commission__c) into a test org."""
    with org.lock:
        for name, ftype in CRM_FIELDS.items():
            org.schema["Account"].setdefault(name, {"type": ftype})
        for obj, fields in FLOW_FIELDS.items():
            for name, ftype in fields.items():
                org.schema[obj].setdefault(name, {"type": ftype})
        for obj, (prefix, fields, ext) in FLOW_OBJECTS.items():
            if obj not in org.schema:
                org.add_object(obj, prefix, fields, ext)


def start_servers(world: Path) -> tuple[Any, Any]:
    """Both test servers in this process (threads), seeded from ``world``: (salesforce, drp soap)."""
    from testkit.servers.drpsoap import start_server as start_drp
    from testkit.servers.salesforce import start_server as start_sf

    sf = start_sf(0, seed_crm=world / "crm")
    add_crm_fields(sf.org)
    try:
        drp = start_drp(0, seed_dir=world / "drp")
    except BaseException:
        sf.stop()
        raise
    return sf, drp


def server_env(sf: Any, drp: Any) -> dict[str, str]:
    """The environment ``hub-live.yaml`` reads (credentials included: never print it)."""
    c = sf.app.creds
    return {
        "CHANNELCO_SF_URL": sf.url,
        "CHANNELCO_SF_CA_FILE": sf.ca_file,
        "CHANNELCO_SF_USERNAME": c["username"],
        "CHANNELCO_SF_CLIENT_ID": c["client_id"],
        "CHANNELCO_SF_PASSWORD": c["password"],
        "CHANNELCO_SF_TOKEN": c["security_token"],
        "CHANNELCO_SF_CLIENT_SECRET": c["client_secret"],
        "CHANNELCO_DRP_WSDL": drp.wsdl_url,
    }


def serve(world: Path, info: Path) -> int:
    """Helper process: run both servers until SIGTERM; ``info`` (mode 600) gets their environment."""
    sf, drp = start_servers(world)
    tmp = info.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "env": server_env(sf, drp)}))
    tmp.chmod(0o600)
    tmp.replace(info)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    drp.stop()
    sf.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m testkit.servers.channelco WORLD INFO")
    raise SystemExit(serve(Path(sys.argv[1]), Path(sys.argv[2])))
