"""Salesforce connector (simple-salesforce): registers the ``salesforce`` connector kind with the hub."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.salesforce.config import ObjectConfig, SalesforceConfig
from hub.hookspecs import RegisterConnector, hookimpl

if TYPE_CHECKING:
    from hub.connector import Connector, ConnectorContext

__all__ = ["ObjectConfig", "SalesforceConfig", "build_connector", "register_connectors"]


def build_connector(config: SalesforceConfig, context: ConnectorContext) -> Connector:
    """Factory: a :class:`~connectors.salesforce.connector.SalesforceConnector` for one org."""
    from connectors.salesforce.connector import SalesforceConnector

    return SalesforceConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``salesforce`` connector kind."""
    register(
        "salesforce",
        SalesforceConfig,
        build_connector,
        description="Salesforce REST/Bulk 2.0: incremental SystemModstamp reads with deletes, upserts by external id",
    )
