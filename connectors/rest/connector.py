"""The REST backend adapter: check, discover, read and write over the configured streams."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from connectors.rest.client import RestClient
from connectors.rest.config import RestConfig
from connectors.rest.pagination import pages
from connectors.rest.streams import read_stream, write_stream
from hub.connector import Batch, Change, Check, ConnectorContext, StreamInfo, WriteResult
from hub.errors import DiscoveryError, HubError

__all__ = ["RestConnector"]


class RestConnector:
    """A generic REST API system configured per stream."""

    def __init__(self, config: RestConfig, context: ConnectorContext, session: Any = None) -> None:
        self.config = config
        self.context = context
        self.client = RestClient(config, dict(context.secrets), context.system, session=session)

    def _stream(self, name: str):
        try:
            return self.config.streams[name]
        except KeyError:
            raise DiscoveryError(
                f"no stream {name!r}; configured: {', '.join(sorted(self.config.streams))}",
                system=self.context.system,
                stream=name,
            ) from None

    def check(self) -> list[Check]:
        """Auth (token fetch when OAuth2) and one first-page request per stream."""
        checks: list[Check] = []
        if self.client.oauth is not None:
            try:
                self.client.oauth.token()
                checks.append(Check("login", True, "OAuth2 client-credentials token issued"))
            except HubError as exc:
                return [Check("login", False, str(exc))]
        for name, cfg in self.config.streams.items():
            try:
                first = next(pages(self.client, cfg, name, {}), [])
                checks.append(Check(f"stream {name}", True, f"readable, {len(first)} records on the first page"))
            except HubError as exc:
                checks.append(Check(f"stream {name}", False, f"{type(exc).__name__}: {exc}"))
        return checks

    def discover(self) -> list[StreamInfo]:
        return [
            StreamInfo(
                name=name,
                key_fields=tuple(cfg.primary_key),
                fields=tuple(cfg.fields),
                cursor_field=cfg.incremental.cursor_field if cfg.incremental else None,
                writable=cfg.write is not None,
                description=cfg.description,
            )
            for name, cfg in self.config.streams.items()
        ]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        return read_stream(self.client, stream, self._stream(stream), state)

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        return write_stream(self.client, stream, self._stream(stream), changes)

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"RestConnector(system={self.context.system!r}, base_url={self.config.base_url!r})"
