"""The circuit breaker: a push that would change too large a share of a target's records waits for approval."""

from __future__ import annotations

from dataclasses import dataclass

from hub.push.config import BreakerRules

__all__ = ["Trip", "evaluate"]


@dataclass(frozen=True)
class Trip:
    """The breaker's verdict for one target stream."""

    changes: int
    total: int
    limit: int
    tripped: bool
    approved: bool = False

    @property
    def share(self) -> float:
        return self.changes / self.total if self.total else 1.0

    def describe(self) -> str:
        state = "approved" if self.approved else "OPEN (held)" if self.tripped else "closed"
        return f"{self.changes} of {self.total} records ({self.share:.1%}); limit {self.limit}; breaker {state}"


def evaluate(rules: BreakerRules, changes: int, total: int, approved_size: int | None = None) -> Trip:
    """Trip when ``changes`` exceeds ``max_share`` of ``total`` (and ``min_changes``), unless approved.

    ``approved_size`` is the size of a held push someone approved; a plan no larger goes through.
    """
    limit = max(int(rules.max_share * total), rules.min_changes)
    tripped = changes > limit
    approved = tripped and approved_size is not None and changes <= approved_size
    return Trip(changes, total, limit, tripped and not approved, approved)
