"""Fetch the live state of a target stream (never assumed from the last extract).

A connector that offers ``fetch(stream, keys) -> dict[key, data]`` (an optional extension of
the protocol) is asked for just the records concerned; otherwise the stream is read in full
with no cursor and only the records' data are kept (key -> data). Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.connector import Connector
from hub.errors import PushError

__all__ = ["fetch_live"]


def fetch_live(connector: Connector, stream: str, keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """key -> live record data of ``stream`` (all records, or the ``keys`` when the connector can fetch)."""
    fetch = getattr(connector, "fetch", None)
    if callable(fetch) and keys is not None:
        return dict(fetch(stream, list(keys)))
    out: dict[str, dict[str, Any]] = {}
    unreadable = 0
    for batch in connector.read(stream, None):
        for record in batch.records:
            if record.error is not None:
                unreadable += 1
                continue
            if not record.data.get("_deleted") and not record.data.get("IsDeleted"):
                out[record.key] = record.data
    if unreadable and not out:
        raise PushError(f"none of the {unreadable} live records of {stream} could be read", stream=stream)
    return out
