"""Benchmark: read N Accounts through the Salesforce connector from the test server, REST paging vs Bulk 2.0.

    .venv/bin/python bench/bench_salesforce.py [--accounts 100000]

Starts the Salesforce-compatible test server on 127.0.0.1 (TLS), seeds synthetic Accounts,
reads them all once through REST query paging (2000 per page) and once through a Bulk API 2.0
query job (50000 per result page), checks both return every record, and prints records/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.salesforce import SalesforceConfig, build_connector  # noqa: E402
from hub.connector import ConnectorContext  # noqa: E402
from testkit.servers.salesforce import start_server  # noqa: E402


def run(server, accounts: int, bulk: bool) -> tuple[int, float]:
    creds = server.app.creds
    config = SalesforceConfig(
        auth="password",
        login_url=server.url,
        username=creds["username"],
        client_id=creds["client_id"],
        verify=server.ca_file,
        objects={"accounts": {"object": "Account"}},
        bulk_threshold=0 if bulk else accounts + 1,
        bulk_poll_interval=0.1,
    )
    secrets = {
        "password": creds["password"],
        "security_token": creds["security_token"],
        "client_secret": creds["client_secret"],
    }
    connector = build_connector(config, ConnectorContext("bench", ".", secrets))
    started = time.perf_counter()
    count = sum(len(batch.records) for batch in connector.read("accounts", None))
    elapsed = time.perf_counter() - started
    connector.close()
    return count, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    server = start_server(port=0, accounts=args.accounts)
    print(f"seeded {args.accounts} Accounts in {time.perf_counter() - t0:.1f}s on {server.url}")
    try:
        for label, bulk in (("REST query paging", False), ("Bulk API 2.0", True)):
            count, elapsed = run(server, args.accounts, bulk)
            if count != args.accounts:
                print(f"{label}: read {count} of {args.accounts} records", file=sys.stderr)
                return 1
            print(f"{label:<18} {count} records in {elapsed:6.2f}s = {count / elapsed:9.0f} records/s")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
