"""Benchmark: reading DRP customers through the SOAP connector vs raw requests.post of the same envelopes.

    python bench/bench_soap.py [--customers 5000] [--page-size 500] [--seed-drp DIR]

Seeds the DRP SOAP test server (from ``--seed-drp``, else from ../shared's ChannelCo generator
when present, else the built-in sample scaled to ``--customers``), then reads every customer
page (a) through the connector (zeep, typed records, CSV field names) and (b) by posting the
same GetCustomers envelopes with requests and parsing them with lxml only. Prints records/s of
both and their ratio: the price of zeep's typed deserialisation.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED_GEN = ROOT.parent / "shared" / "bench" / "gen_channel_data.py"


def seed_folder(args: argparse.Namespace, work: Path) -> Path:
    if args.seed_drp:
        return Path(args.seed_drp)
    if SHARED_GEN.exists():
        subprocess.run(
            [sys.executable, str(SHARED_GEN), str(work), "--seed", "7", "--customers", str(args.customers)],
            check=True,
            capture_output=True,
        )
        return work / "drp"
    from testkit.servers.drpsoap.sample import write_sample_drp

    return write_sample_drp(work / "drp", customers=args.customers, orders_per_customer=0)


def via_connector(handle, page_size: int) -> int:
    import yaml

    from connectors.soap import SoapConfig, build_connector
    from hub.connector import ConnectorContext

    cfg = yaml.safe_load((ROOT / "testkit/servers/drpsoap/connector.yaml").read_text(encoding="utf-8"))
    cfg["wsdl"] = handle.wsdl_url
    cfg["streams"]["customers"]["paging"]["page"]["size"] = page_size
    conn = build_connector(SoapConfig.model_validate(cfg), ConnectorContext(system="drp", base_dir="."))
    try:
        conn.discover()  # load the WSDL outside the timed part
        return sum(len(b.records) for b in conn.read("customers", None))
    finally:
        conn.close()


def via_raw(handle, page_size: int) -> int:
    import requests
    from lxml import etree

    ns = "urn:channelco:drp:soap:v1"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    total, page = 0, 1
    with requests.Session() as s:
        while True:
            body = (
                f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="{ns}">'
                f"<soap:Body><tns:GetCustomers><tns:page>{page}</tns:page><tns:pageSize>{page_size}</tns:pageSize>"
                "</tns:GetCustomers></soap:Body></soap:Envelope>"
            )
            r = s.post(handle.url, data=body.encode(), headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=60)
            r.raise_for_status()
            root = etree.fromstring(r.content, parser)
            items = root.findall(f".//{{{ns}}}customer")
            rows = [{etree.QName(c).localname: c.text for c in item} for item in items]
            total += len(rows)
            if len(rows) < page_size:
                return total
            page += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--page-size", type=int, default=500)
    ap.add_argument("--seed-drp")
    args = ap.parse_args()
    from testkit.servers.drpsoap import start_server

    with tempfile.TemporaryDirectory() as tmp:
        folder = seed_folder(args, Path(tmp))
        with start_server(seed_dir=folder) as handle:
            results = {}
            for name, fn in (("raw requests+lxml", via_raw), ("soap connector", via_connector)):
                t = time.perf_counter()
                n = fn(handle, args.page_size)
                results[name] = (n, time.perf_counter() - t)
    print(f"{'variant':<20}{'records':>10}{'seconds':>10}{'records/s':>12}")
    for name, (n, sec) in results.items():
        print(f"{name:<20}{n:>10}{sec:>10.2f}{n / sec:>12.0f}")
    (rn, rs), (cn, cs) = results["raw requests+lxml"], results["soap connector"]
    print(f"connector / raw throughput: {(cn / cs) / (rn / rs):.2f}")


if __name__ == "__main__":
    main()
