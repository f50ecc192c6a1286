"""The typed connector protocol: what every adapter (CSV, REST, Salesforce, SOAP, EDI, ...) offers.

A connector talks to one kind of system. It never touches the canonical store: the runner
hands it a cursor ``state`` and saves the state a batch carries only after that batch has been
committed (dlt / singer-sdk convention), so a crash never skips records.

Roles follow the OCA connector vocabulary: the connector is the *backend adapter*; mapping
(``hub.mapping``) is the *mapper*; the crosswalk (``hub.store``) is the *binder*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from hub.errors import HubError

__all__ = [
    "Record",
    "Batch",
    "StreamInfo",
    "Check",
    "Change",
    "WriteResult",
    "Connector",
    "ConnectorSpec",
    "ConnectorContext",
    "ConnectorFactory",
]


@dataclass(frozen=True, slots=True)
class Record:
    """One source record. ``error`` is set when the record could not be read; it is quarantined."""

    stream: str
    key: str
    data: dict[str, Any]
    #: where the record came from, e.g. ``drp/customers.csv:17`` or ``846_000001.x12#segment 12``
    location: str | None = None
    error: HubError | None = None
    #: raw text of an unreadable record, kept for quarantine
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    """Records plus the cursor state that is valid once these records are committed."""

    records: list[Record]
    state: dict[str, Any]
    #: True when the source has been read to its end (e.g. files archived after commit)
    final: bool = False
    #: actions the connector wants done after commit (e.g. move a file to processed/)
    on_commit: tuple[Any, ...] = ()
    #: the columns the source declares for these records (a CSV header, a describe result);
    #: None when only the records themselves tell (their keys are observed instead)
    columns: tuple[str, ...] | None = None
    #: what was delivered, for messages and the volume guard (a file name, an object, a page URL)
    delivery: str | None = None


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What ``discover()`` tells about one stream."""

    name: str
    key_fields: tuple[str, ...]
    fields: tuple[str, ...] = ()
    cursor_field: str | None = None
    writable: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One line of a connection test (login, API version, access to an object, ...)."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One intended write. ``key`` is the target's external id (None for a create)."""

    op: str  # "create" | "update" | "upsert" | "delete"
    key: str | None
    data: dict[str, Any]
    idempotency_key: str
    #: for upserts: the external-id field that identifies the record in the target
    match_field: str | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Outcome of one Change, matched back by ``idempotency_key``."""

    idempotency_key: str
    ok: bool
    external_id: str | None = None
    created: bool = False
    error: HubError | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """What the hub gives a connector when it builds one."""

    system: str
    #: folder of the config file; relative paths in connector config resolve against it
    base_dir: str
    #: secrets resolved from the environment or Airflow Connections, never from YAML
    secrets: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Connector(Protocol):
    """A backend adapter for one configured source/target system."""

    def check(self) -> list[Check]:
        """Test the connection and access; never raises for a failed check, reports it."""
        ...

    def discover(self) -> list[StreamInfo]:
        """List the streams this connector can read (and write)."""
        ...

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        """Yield batches of records from ``stream`` starting after ``state``."""
        ...

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        """Apply changes to ``stream``, yielding one result per change."""
        ...

    def close(self) -> None:
        """Release sessions, sockets and files."""
        ...


#: builds a connector from its validated config (an instance of the spec's ``config_model``)
ConnectorFactory = Callable[[BaseModel, ConnectorContext], Connector]


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    """A connector kind as registered through the ``register_connectors`` hook."""

    kind: str
    config_model: type[BaseModel]
    factory: ConnectorFactory
    description: str = ""
    plugin: str = ""
    #: reading has no side effect and a batch pickles (``on_commit`` actions included): a run may
    #: read the kind's streams ahead in a helper process (``hub.pipeline.readahead``)
    read_apart: bool = False

    summary_fields: ClassVar[tuple[str, ...]] = ("kind", "description", "plugin")
