"""EDI connector: X12 and EDIFACT drop folders in, acknowledgments and documents out.

Registered through the same ``register_connectors`` hook a third-party plugin uses. Heavy work
is imported lazily, when a connector is built.
"""

from __future__ import annotations

from typing import Any

from hub.hookspecs import hookimpl


def _factory(config: Any, context: Any) -> Any:
    from connectors.edi.streams import EdiConnector

    return EdiConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: Any) -> None:
    from connectors.edi.config import EdiConfig

    register("edi", EdiConfig, _factory, description="X12 / EDIFACT drop folder (846, 850, 820, ... ORDERS, INVOIC) with 997/CONTRL")
