"""Push throughput into the Salesforce test server: batched (200 records per call) vs per record.

    .venv/bin/python bench/bench_push.py [--accounts 2000]

For each mode a fresh test server holds ``--accounts`` Accounts and the store holds as many golden
parties linked to them with a new credit limit; the whole push stage runs (live fetch, diff,
conflict check, outbox, writes over HTTPS, confirmations, sync state) and pushed records/s are
printed, with the HTTP calls the server saw. A second push checks that nothing is left to write.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUSH = """targets:
  crm:
    batch_size: {batch}
    breaker: {{max_share: 1.0}}
    entities:
      party:
        stream: Account
        version_column: SystemModstamp
        columns:
          Credit_Limit__c: {{field: credit_limit}}
"""

HUB = """version: 1
systems:
  crm:
    connector: salesforce
    config:
      auth: password
      login_url: {url}
      username: integration@channelco.example
      client_id: hub-connected-app
      verify: {ca}
      objects: {{Account: {{object: Account, fields: [Id, Name, Credit_Limit__c, SystemModstamp]}}}}
    secrets: {{password: BENCH_SF_PASSWORD, security_token: BENCH_SF_TOKEN, client_secret: BENCH_SF_SECRET}}
pipelines:
  bench:
    sources: [crm]
    push: push.yaml
"""


def _seed_store(engine, ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    from hub.store.bulk import upsert
    from hub.store.models import MODELS, CrosswalkLink

    goldens, links = [], []
    for i, sf_id in enumerate(ids):
        cid = f"P-{i:06d}"
        goldens.append(
            {
                "system": "golden",
                "external_id": cid,
                "name": f"Account {i:06d}",
                "credit_limit": Decimal(10_000 + i),
                "row_hash": hashlib.md5(cid.encode()).hexdigest(),
                "run_id": 1,
                "deleted": False,
            }
        )
        links.append(
            {
                "entity": "party",
                "system": "crm",
                "external_id": sf_id,
                "canonical_id": cid,
                "rule": "bench",
                "score": None,
                "explanation": None,
                "first_run": 1,
                "changed_run": 1,
            }
        )
    with engine.begin() as conn:
        upsert(conn, MODELS["party"].__table__, goldens, key=("system", "external_id"))
        upsert(conn, CrosswalkLink.__table__, links, key=("entity", "system", "external_id"), change_column=None)


def run_mode(accounts: int, batch: int, work: Path) -> dict[str, float]:
    """One fresh server and store; returns seconds, records pushed, rate and HTTP write calls."""
    from hub.config import load_config
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push
    from hub.pipeline.runlog import start_run
    from hub.runner import open_store
    from testkit.servers.salesforce import start_server

    server = start_server(0, accounts=accounts)
    server.org.schema["Account"]["Credit_Limit__c"] = {"type": "currency"}
    try:
        os.environ.update(
            BENCH_SF_PASSWORD=server.app.creds["password"],
            BENCH_SF_TOKEN=server.app.creds["security_token"],
            BENCH_SF_SECRET=server.app.creds["client_secret"],
        )
        (work / "hub.yaml").write_text(HUB.format(url=server.url, ca=server.ca_file))
        (work / "push.yaml").write_text(PUSH.format(batch=batch))
        os.environ["HUB_DATABASE_URL"] = f"sqlite:///{work / f'bench-{batch}.db'}"
        config = load_config(work / "hub.yaml")
        engine = open_store(config)
        _seed_store(engine, sorted(server.org.records["Account"]))
        server.app.requests.clear()
        ctx = StageContext(config=config, engine=engine, pipeline="bench", run_id=start_run(engine, "bench"))
        started = time.perf_counter()
        counts = push(ctx)
        took = time.perf_counter() - started
        written = counts.detail["targets"]["crm/Account"].get("written", 0)
        calls = sum(1 for m, _ in server.app.requests if m == "PATCH")
        again = push(StageContext(config=config, engine=engine, pipeline="bench", run_id=start_run(engine, "bench")))
        left = again.detail["targets"]["crm/Account"]["changes"]
        engine.dispose()
        return {
            "seconds": took,
            "written": written,
            "rate": written / took if took else 0.0,
            "calls": calls,
            "left": left,
        }
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    args = parser.parse_args(argv)
    os.environ.setdefault("HUB_DISABLE_PLUGINS", "*")
    with tempfile.TemporaryDirectory(prefix="bench-push-") as tmp:
        rows = [
            (label, run_mode(args.accounts, batch, Path(tmp)))
            for label, batch in (("batched (200/call)", 200), ("per record", 1))
        ]
    print(f"push of {args.accounts:,} changed Accounts into the Salesforce test server (HTTPS, full push stage)")
    print(f"{'mode':<20} {'records':>8} {'seconds':>8} {'records/s':>10} {'PATCH calls':>12} {'left after':>10}")
    for label, r in rows:
        print(
            f"{label:<20} {r['written']:>8,} {r['seconds']:>8.2f} {r['rate']:>10,.0f} {r['calls']:>12,} {r['left']:>10}"
        )
    base = rows[1][1]["rate"]
    if base:
        print(f"batched / per record: {rows[0][1]['rate'] / base:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
