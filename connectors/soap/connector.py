"""The SOAP backend adapter: check, discover, read and write over the streams of one configured system."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from connectors.soap.client import SoapClient
from connectors.soap.config import SoapConfig, StreamConfig
from connectors.soap.streams import StreamReader, StreamWriter
from hub.connector import Batch, Change, Check, ConnectorContext, StreamInfo, WriteResult
from hub.errors import DiscoveryError, HubError

__all__ = ["SoapConnector"]


class SoapConnector:
    """A connector for one SOAP service described by a WSDL (see ``connectors.soap.config``)."""

    def __init__(self, config: SoapConfig, context: ConnectorContext, client: SoapClient | None = None) -> None:
        self.config = config
        self.context = context
        self.client = client or SoapClient(config, context)

    def __repr__(self) -> str:
        return f"SoapConnector(system={self.context.system!r}, streams={sorted(self.config.streams)})"

    def _stream(self, name: str) -> StreamConfig:
        cfg = self.config.streams.get(name)
        if cfg is None:
            raise DiscoveryError(
                f"no stream {name!r}; configured: {', '.join(sorted(self.config.streams))}",
                system=self.context.system,
                stream=name,
            )
        return cfg

    def check(self) -> list[Check]:
        """WSDL loads, every configured operation exists, and one page of a stream can be read."""
        checks: list[Check] = []
        try:
            ops = self.client.operations()
        except HubError as exc:
            return [Check("wsdl", False, str(exc))]
        checks.append(Check("wsdl", True, f"{len(ops)} operations"))
        wanted = {
            op
            for s in self.config.streams.values()
            for op in [s.operation, *(w.operation for w in s.writes.values())]
            if op
        }
        missing = sorted(wanted - set(ops))
        checks.append(
            Check(
                "operations",
                not missing,
                f"missing: {', '.join(missing)}" if missing else f"{len(wanted)} configured, all present",
            )
        )
        name = self.config.check_stream or next((n for n, s in self.config.streams.items() if s.operation), None)
        if name is not None and not missing:
            try:
                batch = next(iter(self.read(name, None)), None)
                checks.append(
                    Check(f"read {name}", True, f"{len(batch.records) if batch else 0} records on the first page")
                )
            except HubError as exc:
                checks.append(Check(f"read {name}", False, str(exc)))
        return checks

    def discover(self) -> list[StreamInfo]:
        """Configured streams, with their fields taken from the WSDL's response types."""
        out = []
        for name, cfg in self.config.streams.items():
            elements: tuple[str, ...] = ()
            if cfg.operation:
                path = cfg.result_path or ""
                elements = self.client.output_fields(cfg.operation, path + (f".{cfg.explode}" if cfg.explode else ""))
                elements = tuple(dict.fromkeys([*cfg.inherit, *elements]))
            fields = tuple(cfg.out_name(e) for e in elements if e not in cfg.exclude)
            out.append(
                StreamInfo(
                    name=name,
                    key_fields=tuple(cfg.out_name(k) for k in cfg.key),
                    fields=fields,
                    cursor_field=cfg.out_name(cfg.incremental.field) if cfg.incremental else None,
                    writable=bool(cfg.writes),
                    description=cfg.description
                    or (f"SOAP operation {cfg.operation}" if cfg.operation else "write-only"),
                )
            )
        return out

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        """Batches of ``stream`` after ``state`` (see ``StreamReader``)."""
        cfg = self._stream(stream)
        if cfg.operation is None:
            raise DiscoveryError(f"stream {stream} is write-only", system=self.context.system, stream=stream)
        self.client.operation(cfg.operation, stream=stream)
        return StreamReader(self.client, stream, cfg, self.context.system).read(state)

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        """One WriteResult per change, in order; a refused record does not stop the others."""
        cfg = self._stream(stream)
        if not cfg.writes:
            raise DiscoveryError(f"stream {stream} is not writable", system=self.context.system, stream=stream)
        return StreamWriter(self.client, stream, cfg, self.context.system).write(changes)

    def close(self) -> None:
        self.client.close()
