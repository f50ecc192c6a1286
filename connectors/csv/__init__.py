"""CSV drop-folder connector: files matched by pattern per stream, any encoding, streamed.

Registered through the same ``register_connectors`` hook a third-party plugin uses.
"""

from __future__ import annotations

from typing import Any

from hub.hookspecs import hookimpl


def _factory(config: Any, context: Any) -> Any:
    from connectors.csv.streams import CsvConnector

    return CsvConnector(config, context)


@hookimpl(trylast=True)
def register_connectors(register: Any) -> None:
    from connectors.csv.config import CsvConfig

    register("csv", CsvConfig, _factory, description="CSV files or a drop folder (UTF-8, GB18030, ...)")
