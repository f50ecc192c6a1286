"""CSV drop-folder connector: files matched by pattern per stream, any encoding, streamed.

Registered through the same ``register_connectors`` hook a third-party plugin uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.hookspecs import RegisterConnector, hookimpl

if TYPE_CHECKING:
    from connectors.csv.config import CsvConfig
    from hub.connector import Connector, ConnectorContext


def _factory(config: CsvConfig, context: ConnectorContext) -> Connector:
    from connectors.csv.streams import CsvConnector

    return CsvConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``csv`` connector kind."""
    from connectors.csv.config import CsvConfig

    register(
        "csv", CsvConfig, _factory, description="CSV files or a drop folder (UTF-8, GB18030, ...)", read_apart=True
    )
