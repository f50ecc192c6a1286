"""Fault injection for the DRP SOAP test server: what to break, for which operation, how often."""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "FaultSpec", "FaultPlan"]

#: server_fault   soap:Server fault (HTTP 500) with DRP code DRP-9000
#: malformed      HTTP 200 whose body is a truncated, ill-formed envelope
#: slow           wait ``seconds`` before answering normally
#: http           HTTP ``status`` (default 503) with a plain-text body (a proxy in front of the DRP)
#: xxe            HTTP 200 envelope carrying a DOCTYPE with an external entity
FAULT_KINDS = ("server_fault", "malformed", "slow", "http", "xxe")


@dataclass(slots=True)
class FaultSpec:
    """Inject ``kind`` into the next ``times`` calls of ``operation`` (None: any operation)."""

    kind: str
    operation: str | None = None
    #: how many calls to break; None breaks every later call
    times: int | None = 1
    seconds: float = 1.0
    status: int = 503

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1")


class FaultPlan:
    """Pending faults; each matching request consumes one use of the first matching spec."""

    def __init__(self, specs: list[FaultSpec] | None = None) -> None:
        self._lock = threading.Lock()
        self._specs: list[FaultSpec] = list(specs or [])

    def add(self, spec: FaultSpec) -> None:
        with self._lock:
            self._specs.append(spec)

    def clear(self) -> None:
        with self._lock:
            self._specs.clear()

    def take(self, operation: str | None) -> FaultSpec | None:
        """The fault to apply to a call of ``operation``, if any (uses it up)."""
        with self._lock:
            for spec in self._specs:
                if spec.operation is None or spec.operation == operation:
                    if spec.times is not None:
                        spec.times -= 1
                        if spec.times == 0:
                            self._specs.remove(spec)
                    return spec
        return None

    def pending(self) -> list[FaultSpec]:
        with self._lock:
            return list(self._specs)
