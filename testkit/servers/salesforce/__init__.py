"""A Salesforce-compatible test server: REST, SOQL subset, collections and Bulk API 2.0 on 127.0.0.1."""

from __future__ import annotations

from typing import Any

__all__ = ["start_server", "seed_from_channelco"]


def start_server(port: int = 0, **kwargs: Any) -> Any:
    """Start the server in a thread; see :func:`testkit.servers.salesforce.server.start_server`."""
    from testkit.servers.salesforce.server import start_server as _start

    return _start(port, **kwargs)


def seed_from_channelco(org: Any, crm_dir: Any) -> dict[str, int]:
    """Load a ChannelCo ``crm/`` folder into ``org`` (``server.org``); returns rows per object."""
    from testkit.servers.salesforce.store import seed_from_channelco as _seed

    return _seed(org, crm_dir)
