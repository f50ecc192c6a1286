"""Generic REST connector: registers the ``rest`` connector kind with the hub."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.rest.config import RestConfig
from hub.hookspecs import RegisterConnector, hookimpl

if TYPE_CHECKING:
    from hub.connector import Connector, ConnectorContext

__all__ = ["RestConfig", "build_connector", "register_connectors"]


def build_connector(config: RestConfig, context: ConnectorContext) -> Connector:
    """Factory: a :class:`~connectors.rest.connector.RestConnector` for one configured system."""
    from connectors.rest.connector import RestConnector

    return RestConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``rest`` connector kind."""
    register(
        "rest",
        RestConfig,
        build_connector,
        description="Generic REST/JSON API: paging, auth, incremental cursors, retries, writes",
    )
