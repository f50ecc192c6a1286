"""Staged payloads without their column names: ``[shape id, v1, v2, ...]``.

A stream's records share a handful of column lists (a CSV file has one), so ``source_record``
stores each payload as the id of its column list in ``payload_shape`` followed by its values,
instead of repeating every column name in every record (about 45 % of a payload's bytes).
:meth:`PayloadCodec.decode` gives back the record as extracted: same keys, same order, same
values, so ``dumps(decode(stored))`` is the JSON text the record's hash was taken from.

A codec works inside one transaction: the shapes it adds are written there and live or die
with it, so a codec is made per transaction and never kept beyond it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select, text

from hub.store.jsontext import encoder
from hub.store.models import PayloadShape

__all__ = ["PayloadCodec", "dumps", "shape_digest", "element_value"]


def sqlite_has_arrows() -> bool:
    """Whether this process's SQLite has the ``->`` and ``->>`` JSON operators (3.38 and later)."""
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 38, 0)


#: the JSON text of a value as staged (compact, non-ASCII kept, unknown types as text)
dumps = encoder(ensure_ascii=False, separators=(",", ":"), default=str)
_loads = json.loads
_ADD = "INSERT INTO payload_shape (keys, digest) VALUES (:k, :d) ON CONFLICT (digest) DO NOTHING"


def element_value(text: str | None) -> Any:
    """The value of one payload element given as JSON text (what :meth:`PayloadCodec.element_sql`
    selects; None for SQL NULL): a string without escapes is its text between the quotes."""
    if text is None:
        return None
    if text[:1] == '"' and "\\" not in text:
        return text[1:-1]
    return _loads(text)


def _keys_text(keys: Sequence[str]) -> str:
    return json.dumps(list(keys), ensure_ascii=False, separators=(",", ":"))


def shape_digest(keys_text: str) -> str:
    """The unique key of a column list (its JSON text): any width fits a b-tree entry."""
    return hashlib.blake2b(keys_text.encode("utf-8"), digest_size=16).hexdigest()


class PayloadCodec:
    """Encodes records into stored payloads and back, against the shapes of ``conn``'s store."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._ids: dict[tuple[str, ...], int] = {}
        self._keys: dict[int, tuple[str, ...]] = {}
        self._load()
        enc = dumps
        ids = self._ids

        def encode(data: Mapping[str, Any]) -> str:
            keys = tuple(data)
            sid = ids.get(keys)
            if sid is None:
                sid = self._add(keys)
            return enc([sid, *data.values()])

        #: the stored form of one record (a dict with string keys)
        self.encode = encode

    def join(self, keys: tuple[str, ...], values: str) -> str:
        """The stored form of a record given its column names and ``dumps(list(record.values()))``:
        the same text as :attr:`encode` gives (a process without this store's shapes encodes the values)."""
        sid = self._ids.get(keys)
        if sid is None:
            sid = self._add(keys)
        return f"[{sid}]" if values == "[]" else f"[{sid},{values[1:]}"

    def _load(self) -> None:
        t = PayloadShape.__table__
        for sid, keys in self._conn.execute(select(t.c.id, t.c["keys"])):
            k = tuple(_loads(keys))
            self._ids[k], self._keys[sid] = sid, k

    def _add(self, keys: tuple[str, ...]) -> int:
        t = PayloadShape.__table__
        names = tuple(_loads(dumps(dict.fromkeys(keys))))  # as JSON names them (a non-text key as text)
        textual = _keys_text(names)
        digest = shape_digest(textual)
        self._conn.execute(text(_ADD), {"k": textual, "d": digest})
        sid = int(self._conn.execute(select(t.c.id).where(t.c.digest == digest)).scalar_one())
        self._ids[keys], self._keys[sid] = sid, names
        return sid

    def shape(self, sid: int) -> tuple[str, ...]:
        """The column names of shape ``sid``."""
        keys = self._keys.get(sid)
        if keys is None:  # added by a transaction committed after this codec was made
            self._load()
            keys = self._keys[sid]
        return keys

    def element_sql(self, dialect: str, column: str, names: Sequence[str]) -> list[str] | None:
        """SQL expressions that select, from the payload column ``column``, first the shape id,
        then each of ``names`` as the JSON text of its element (NULL where the record's shape has
        not that name): the database picks the values out, one ``CASE`` over the shapes that
        hold each name. Decode a value with :func:`element_value`. A payload the database's JSON
        cannot read (a NaN staged from a lenient upstream) selects a NULL shape id, and a shape
        this codec does not know (stored after it was made) no values: decode those rows with
        :meth:`values`. None where the database has no such operators (PostgreSQL's ``IS JSON``
        test is newer than the servers we support; SQLite before 3.38)."""
        if dialect != "sqlite" or not sqlite_has_arrows():
            return None
        sid = f"(CASE WHEN json_valid({column}) THEN {column} ->> 0 END)"
        out = [sid]
        for name in names:
            at = [(s, keys.index(name) + 1) for s, keys in sorted(self._keys.items()) if name in keys]
            whens = " ".join(f"WHEN {s} THEN {column} -> '$[{i}]'" for s, i in at)
            out.append(f"CASE {sid} {whens} END" if at else "NULL")
        return out

    def known(self, sid: Any) -> bool:
        """Whether shape ``sid`` was in the store when this codec read its shapes."""
        return sid in self._keys

    def decode(self, stored: str) -> dict[str, Any]:
        """The record a stored payload holds, keys in their extracted order."""
        values = _loads(stored)
        return dict(zip(self.shape(values[0]), values[1:]))

    def fields(self, stored: str, names: Sequence[str]) -> dict[str, Any]:
        """Only ``names`` of a stored payload (None for those the record has not)."""
        return dict(zip(names, self.values(stored, names)))

    def values(self, stored: str, names: Sequence[str]) -> tuple[Any, ...]:
        """The values of ``names`` in a stored payload, in that order (None for those the record has not)."""
        values = _loads(stored)
        keys = self.shape(values[0])
        found = dict(zip(keys, values[1:]))
        return tuple(found.get(n) for n in names)
