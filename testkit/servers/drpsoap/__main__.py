"""Command line: ``python -m testkit.servers.drpsoap --port N --seed-drp DIR --pidfile F``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from hub.errors import HubError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.servers.drpsoap", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--seed-drp", type=Path, help="ChannelCo drp/ folder to load (GB18030 CSV)")
    parser.add_argument("--pidfile", type=Path, help="write this process id here; removed on exit")
    parser.add_argument("--user", help="require this user (password from $DRP_SOAP_PASSWORD)")
    parser.add_argument("--auth", choices=("wsse", "basic", "either"), default="wsse")
    args = parser.parse_args(argv)

    from testkit.servers.drpsoap.server import start_server

    users = None
    if args.user:
        password = os.environ.get("DRP_SOAP_PASSWORD")
        if not password:
            parser.error("--user needs the password in $DRP_SOAP_PASSWORD")
        users = {args.user: password}
    try:
        handle = start_server(port=args.port, seed_dir=args.seed_drp, users=users, auth=args.auth)
    except (HubError, OSError) as exc:
        print(f"drpsoap: {exc}", file=sys.stderr)
        return 2
    if args.pidfile:
        args.pidfile.write_text(f"{os.getpid()}\n")
    counts = {n: handle.store.count(n) for n in ("customers", "sales_orders", "invoices", "payments")}
    print(f"DRP SOAP service on {handle.url}  WSDL {handle.wsdl_url}  {counts}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    try:
        done.wait()
    finally:
        handle.stop()
        if args.pidfile:
            args.pidfile.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
