"""Run the Salesforce test server from the command line (for the demo).

    python -m testkit.servers.salesforce --port 8443 --seed-crm DIR --pidfile F [--cert-dir D]

Prints the URL, the CA file to trust and the login names; the password, token and client
secret are written to ``<cert-dir>/credentials.json`` (mode 600), never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from testkit.servers.salesforce.server import start_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.servers.salesforce", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: pick a free one)")
    parser.add_argument("--seed-crm", help="a ChannelCo crm/ folder to load")
    parser.add_argument("--accounts", type=int, default=0, help="synthetic Accounts to add")
    parser.add_argument("--pidfile", help="write the process id here")
    parser.add_argument("--cert-dir", help="folder for cert.pem/key.pem/credentials.json (default: a temp folder)")
    args = parser.parse_args(argv)
    cert_dir = Path(args.cert_dir or tempfile.mkdtemp(prefix="sf-testserver-"))
    server = start_server(args.port, seed_crm=args.seed_crm, accounts=args.accounts, cert_dir=str(cert_dir))
    creds = cert_dir / "credentials.json"
    creds.write_text(json.dumps({**server.app.creds, "url": server.url, "ca_file": server.ca_file}, indent=2))
    creds.chmod(0o600)
    if args.pidfile:
        Path(args.pidfile).write_text(str(os.getpid()))
    print(f"Salesforce test server on {server.url} (trust {server.ca_file}; credentials in {creds})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    if args.pidfile:
        Path(args.pidfile).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
