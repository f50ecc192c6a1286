"""Development harness: match a ChannelCo scenario's customers and score the crosswalk.

Reads ``crm/Account.csv`` (UTF-8) and ``drp/customers.csv`` (GB18030) of a scenario made by
``../shared/bench/gen_channel_data.py`` directly with the csv module, maps the columns to
:class:`hub.reconcile.matcher.PartyRecord`, runs the matcher with the built-in configuration,
writes ``PRED/crosswalk.csv`` (customer rows; one canonical id per cluster, so within-system
duplicates share it) and runs ``score.py`` when it can be found.

    .venv/bin/python bench/dev_match_channelco.py SCENARIO_DIR [--pred DIR] [--score PATH]
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.reconcile.match_config import default_party_config  # noqa: E402
from hub.reconcile.matcher import MatchResult, PartyRecord, match_parties  # noqa: E402

CRM_TYPES = {
    "distributor": "distributor",
    "agent": "agent",
    "chain store": "chain_store",
    "branch": "branch",
    "customer": "customer",
    "headquarters": "hq",
}
DRP_LEVELS = {
    "总部": "hq",
    "分公司": "branch",
    "经销商": "distributor",
    "代理商": "agent",
    "连锁门店": "chain_store",
    "直营客户": "customer",
}


def crm_accounts(path: Path) -> Iterator[PartyRecord]:
    """PartyRecords from a Salesforce-style Account export."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            yield PartyRecord(
                system="crm",
                external_id=row["Id"],
                name=row["Name"],
                channel_level=CRM_TYPES.get(row["Type"].strip().lower(), ""),
                parent_ref=row["ParentId"],
                tax_id=row["Tax_ID__c"],
                erp_code=row["ERP_Customer_Code__c"],
                province=row["BillingState"],
                city=row["BillingCity"],
                address=row["BillingStreet"],
                postal_code=row["BillingPostalCode"],
                country=row["BillingCountry"],
                phone=row["Phone"],
                website=row["Website"],
                owner_ref=row["OwnerId"],
            )


def drp_customers(path: Path) -> Iterator[PartyRecord]:
    """PartyRecords from a DRP customer master (Chinese headers, GB18030)."""
    with path.open(encoding="gb18030", newline="") as fh:
        for row in csv.DictReader(fh):
            yield PartyRecord(
                system="drp",
                external_id=row["客户编码"],
                name=row["客户名称"],
                channel_level=DRP_LEVELS.get(row["渠道级别"].strip(), ""),
                parent_ref=row["上级客户编码"],
                tax_id=row["统一社会信用代码"],
                province=row["省份"],
                city=row["城市"],
                address=row["地址"],
                phone=row["电话"],
                owner_ref=row["业务员编码"],
            )


def write_crosswalk(result: MatchResult, out: Path) -> None:
    """Scorer-format crosswalk: every record, one canonical id per cluster."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "crosswalk.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity", "canonical_id", "system", "external_id"])
        for n, cluster in enumerate(result.clusters, 1):
            for system, external_id in cluster:
                w.writerow(["customer", f"P{n:07d}", system, external_id])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--pred", type=Path, help="output folder (default SCENARIO/pred_match)")
    ap.add_argument("--score", type=Path, default=Path(__file__).resolve().parents[2] / "shared/bench/score.py")
    ap.add_argument("--show", type=int, default=0, help="print N review pairs with explanations")
    args = ap.parse_args(argv)
    pred = args.pred or args.scenario / "pred_match"
    t0 = time.perf_counter()
    records = list(crm_accounts(args.scenario / "crm/Account.csv"))
    records += drp_customers(args.scenario / "drp/customers.csv")
    t1, c1 = time.perf_counter(), time.process_time()
    result = match_parties(records, default_party_config())
    t2, c2 = time.perf_counter(), time.process_time()
    write_crosswalk(result, pred)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"records={len(records)} read={t1 - t0:.2f}s match={t2 - t1:.2f}s (cpu {c2 - c1:.2f}s) "
        f"peak_rss={rss:.0f}MB stats={dict(result.stats)}"
    )
    for pm in result.review[: args.show]:
        print("  review:", pm.explain())
    truth = args.scenario / "truth/truth.json"
    if args.score.exists() and truth.exists():
        proc = subprocess.run(
            [sys.executable, str(args.score), "--truth", str(truth), "--pred", str(pred)],
            capture_output=True,
            text=True,
        )
        print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr)
        return proc.returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
