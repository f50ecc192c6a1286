"""SOAP connector on zeep: registers the ``soap`` connector kind with the hub.

Layout: ``config.py`` (pydantic settings), ``client.py`` (WSDL loading and calls only),
``streams.py`` (paging, cursors, records, writes), ``errors.py`` (faults → hub errors),
``connector.py`` (the adapter). zeep is imported only when a connector is built and used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.soap.config import SoapConfig
from hub.hookspecs import RegisterConnector, hookimpl

if TYPE_CHECKING:
    from hub.connector import Connector, ConnectorContext

__all__ = ["SoapConfig", "build_connector", "register_connectors"]


def build_connector(config: SoapConfig, context: ConnectorContext) -> Connector:
    """Factory: a :class:`~connectors.soap.connector.SoapConnector` for one configured system."""
    from connectors.soap.connector import SoapConnector

    return SoapConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``soap`` connector kind."""
    register(
        "soap",
        SoapConfig,
        build_connector,
        description="SOAP/WSDL services via zeep: paged operations, incremental dates, WS-Security, writes",
    )
