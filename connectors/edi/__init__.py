"""EDI connector: X12 and EDIFACT drop folders in, acknowledgments and documents out, ``hub edi`` commands.

Registered through the same ``register_connectors`` and ``register_commands`` hooks a third-party
plugin uses. Heavy work is imported lazily, when a connector or the commands are built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.hookspecs import RegisterConnector, hookimpl

if TYPE_CHECKING:
    import typer

    from connectors.edi.config import EdiConfig
    from hub.connector import Connector, ConnectorContext


def _factory(config: EdiConfig, context: ConnectorContext) -> Connector:
    from connectors.edi.streams import EdiConnector

    return EdiConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: RegisterConnector) -> None:
    """Register the ``edi`` connector kind."""
    from connectors.edi.config import EdiConfig

    register(
        "edi",
        EdiConfig,
        _factory,
        description="X12 / EDIFACT drop folder (846, 850, 820, ... ORDERS, INVOIC) with 997/CONTRL",
        read_apart=True,
    )


@hookimpl(trylast=True)
def register_commands(app: typer.Typer) -> None:
    """Add ``hub edi inspect`` and ``hub edi ack``."""
    from connectors.edi.cli import build_app

    app.add_typer(build_app(), name="edi")
