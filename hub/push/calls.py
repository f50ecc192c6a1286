"""The API calls a push makes, described per connector kind (shown by ``hub push --dry-run``)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from hub.push.changeset import RecordChange

__all__ = ["describe_calls"]


def describe_calls(
    kind: str, settings: dict[str, Any], stream: str, changes: Sequence[RecordChange], batch_size: int
) -> list[str]:
    """One line per kind of call: how many, which method and endpoint or operation, how many records."""
    ops = Counter(c.op for c in changes)
    out = []
    for op, n in sorted(ops.items()):
        if kind == "salesforce":
            obj = ((settings.get("objects") or {}).get(stream) or {}).get("object", stream)
            version = str(settings.get("api_version", "59.0")).lstrip("v")
            per = min(batch_size, 200)
            field = next((c.match_field for c in changes if c.op == op and c.match_field), None)
            endpoint = {
                "update": ("PATCH", "composite/sobjects"),
                "create": ("POST", "composite/sobjects"),
                "upsert": ("PATCH", f"composite/sobjects/{obj}/{field}"),
            }.get(op, ("?", op))
            out.append(
                f"{math.ceil(n / per)} x {endpoint[0]} /services/data/v{version}/{endpoint[1]} "
                f"({n} {obj} record(s), up to {per} per call)"
            )
        elif kind == "soap":
            write = (((settings.get("streams") or {}).get(stream) or {}).get("writes") or {}).get(op) or {}
            out.append(f"{n} x SOAP {write.get('operation', op)} (one call per record)")
        else:
            out.append(f"{math.ceil(n / batch_size)} x connector.write({stream!r}, {op}) ({n} record(s))")
    return out
