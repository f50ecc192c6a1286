"""The hub's one error tree, grouped by what the caller should do.

::

    HubError
    ├── ConfigError                 fix the configuration (YAML, env, credentials)
    │   └── MappingRuleError        a mapping/match rule file is invalid (all problems at once)
    ├── DiscoveryError              the source does not offer the stream/object asked for
    ├── SourceError                 talking to a system failed
    │   ├── AuthError               credentials rejected (401/403, bad login)      terminal
    │   ├── ClientError             the request was wrong (4xx, SOAP client fault) terminal
    │   ├── TransientError          retry later (timeouts, 429/5xx, dropped conn)  retriable
    │   │   └── RateLimitError      throttled; ``retry_after`` seconds if known
    │   └── ServerError             the system failed and retrying will not help   terminal
    ├── DataError                   one record is bad: quarantine it, go on         skippable
    │   ├── ParseError              the bytes could not be read (encoding, syntax)
    │   └── MappingError            a field could not be mapped/validated
    ├── EdiError                    an EDI interchange is malformed (segment number, reason)
    ├── GuardError                  a delivery broke its contract or tripped a guard: nothing of it is kept
    │   ├── ContractError           a column a mapping reads is gone, or a frozen schema changed  run failed
    │   └── HoldError               volume, empty or fill-rate guard tripped   run held until fixed or accepted
    ├── StoreError                  the canonical store refused an operation
    │   ├── NotFoundError           what a command asked for is not in the store   usage error
    │   └── RunInProgressError      another run of the pipeline holds the run lock
    └── PushError                   a write-back could not be completed
        └── CircuitOpenError        a push would change too much; needs approval

Every error carries optional location attributes (system, stream, external id, file, line,
field, segment, HTTP status) that are rendered into the message, so an integrator sees
*where* without a traceback. Secrets are never put into errors: pass a masked value.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HubError",
    "ConfigError",
    "MappingRuleError",
    "DiscoveryError",
    "SourceError",
    "AuthError",
    "ClientError",
    "TransientError",
    "RateLimitError",
    "ServerError",
    "DataError",
    "ParseError",
    "MappingError",
    "EdiError",
    "GuardError",
    "ContractError",
    "HoldError",
    "RunInProgressError",
    "NotFoundError",
    "StoreError",
    "PushError",
    "CircuitOpenError",
]

_LOCATION_KEYS = (
    "system",
    "stream",
    "external_id",
    "file",
    "line",
    "field",
    "segment",
    "status",
)


class HubError(Exception):
    """Base of every error the hub raises on purpose."""

    #: True when the same call may succeed later without any change.
    retriable: bool = False
    #: True when only the current record is affected and the run can go on.
    skippable: bool = False

    def __init__(self, message: str, **location: Any) -> None:
        super().__init__(message)
        self.message = message
        self.system: str | None = location.pop("system", None)
        self.stream: str | None = location.pop("stream", None)
        self.external_id: str | None = location.pop("external_id", None)
        self.file: str | None = location.pop("file", None)
        self.line: int | None = location.pop("line", None)
        self.field: str | None = location.pop("field", None)
        self.segment: int | None = location.pop("segment", None)
        self.status: int | None = location.pop("status", None)
        self.details: dict[str, Any] = location

    def where(self) -> str:
        """Location as ``file:line`` plus the other known coordinates."""
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        for key in ("system", "stream", "external_id", "segment", "field", "status"):
            value = getattr(self, key)
            if value is not None and value != "":
                label = "HTTP" if key == "status" else key.replace("_", " ")
                parts.append(f"{label} {value}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, Any]:
        """Structured form for quarantine rows, logs and XCom."""
        out = {"error": type(self).__name__, "message": self.message}
        for key in _LOCATION_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update({k: v for k, v in self.details.items() if _jsonable(v)})
        return out


def _jsonable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


class ConfigError(HubError):
    """The configuration is wrong; fix it and run again."""


class MappingRuleError(ConfigError):
    """A rule file is invalid. ``problems`` lists every problem found, each with file:line."""

    def __init__(self, message: str, problems: list[str] | None = None, **location: Any) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message, **location)


class DiscoveryError(HubError):
    """The source does not offer the requested stream, object or field."""


class SourceError(HubError):
    """Talking to an external system failed."""


class AuthError(SourceError):
    """The system rejected the credentials."""


class ClientError(SourceError):
    """The system rejected the request as malformed; retrying the same request will not help."""

    def __init__(self, message: str, **location: Any) -> None:
        super().__init__(message, **location)
        self.fault_code: str | None = self.details.get("fault_code")
        self.fault_string: str | None = self.details.get("fault_string")


class TransientError(SourceError):
    """A temporary failure: timeout, dropped connection, 5xx, throttling."""

    retriable = True


class RateLimitError(TransientError):
    """The system throttled us; ``retry_after`` is the advised wait in seconds, if given."""

    def __init__(self, message: str, retry_after: float | None = None, **location: Any) -> None:
        super().__init__(message, **location)
        self.retry_after = retry_after


class ServerError(SourceError):
    """The system failed in a way retrying will not fix (e.g. a SOAP server fault with a business reason)."""

    def __init__(self, message: str, **location: Any) -> None:
        super().__init__(message, **location)
        self.fault_code: str | None = self.details.get("fault_code")
        self.fault_string: str | None = self.details.get("fault_string")


class DataError(HubError):
    """One record is bad. Quarantine it with the reason and go on with the rest."""

    skippable = True


class ParseError(DataError):
    """The bytes of a record could not be read (encoding, CSV/XML/EDI syntax)."""


class MappingError(DataError):
    """A field of a record could not be mapped, coerced or validated."""


class EdiError(DataError):
    """An EDI interchange or message is malformed; ``segment`` is its 1-based segment number."""

    def __init__(self, message: str, code: str | None = None, **location: Any) -> None:
        super().__init__(message, **location)
        #: X12 AK3/AK4 or EDIFACT CONTRL error code where one applies
        self.code = code


class GuardError(HubError):
    """A stream's delivery cannot be trusted; the stream's batch is rolled back and the store keeps its data."""

    def __init__(self, message: str, kind: str = "guard", **location: Any) -> None:
        super().__init__(message, **location)
        #: ``contract``, ``empty``, ``volume`` or ``null_rate``
        self.kind = kind
        self.column: str | None = self.details.get("column")


class ContractError(GuardError):
    """The source broke its contract (a mapped column vanished, a frozen schema changed): fix the source or the rule."""

    def __init__(self, message: str, kind: str = "contract", **location: Any) -> None:
        super().__init__(message, kind=kind, **location)


class HoldError(GuardError):
    """A delivery looks wrong against the last accepted one: the run is held; ``hub run --accept`` takes it."""


class StoreError(HubError):
    """The canonical store refused an operation."""


class NotFoundError(StoreError):
    """What the command asked for (a run, a record, a review item) is not in the store: a usage error."""


class RunInProgressError(StoreError):
    """Another run of the same pipeline holds the store's run lock."""


class PushError(HubError):
    """A write-back to a target system could not be completed."""


class CircuitOpenError(PushError):
    """A push would change more than the allowed share of a target's records."""
