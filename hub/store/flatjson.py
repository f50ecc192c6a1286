"""The two JSON texts extract makes of every record, cheaply for flat records of text values.

Extract hashes ``dumps(record)`` and stores ``dumps(list(record.values()))`` (see
:mod:`hub.store.payload`). A CSV row, and most rows of flat sources, is a mapping of text to
text that JSON leaves as it is between quotes. For those, both texts are put together from
the values joined once and one template per column list, instead of two passes of the JSON
encoder over every value; the texts are the very same. Any other record (a value that is not
text, text JSON escapes or that is not printable, a key that is not text) goes through
:data:`~hub.store.payload.dumps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.store.payload import dumps

__all__ = ["FlatJson"]

_TEXT_ONLY = {str}
#: column lists whose template is kept (records of a source with ever new column lists are not all kept)
_KEPT = 1024
#: a column list not seen yet (its template not made)
_UNSEEN: Any = object()


def _plain(text: str) -> bool:
    """Whether JSON keeps ``text`` as it is between quotes. JSON escapes ``"``, ``\\`` and the
    control characters; text that is not printable is taken as escaped (a few more characters,
    such as separators, whose records are then encoded the usual way)."""
    return '"' not in text and "\\" not in text and text.isprintable()


class FlatJson:
    """``dumps(record)`` and, when made on the way, ``dumps(list(record.values()))``; templates kept per column list."""

    def __init__(self) -> None:
        self._templates: dict[tuple[Any, ...], str | None] = {}

    def _template(self, cols: tuple[Any, ...]) -> str | None:
        """``%`` template of the record's JSON for text values of ``cols`` (None: a key not text)."""
        if not all(type(k) is str for k in cols):
            return None
        return "{" + ",".join(dumps(k).replace("%", "%%") + ':"%s"' for k in cols) + "}"

    def texts(self, cols: tuple[Any, ...], data: Mapping[Any, Any]) -> tuple[str, str | None]:
        """The JSON of ``data`` (whose keys are ``cols``, in order) and of its list of values, the
        latter None where it was not made on the way (then it is ``dumps(list(data.values()))``,
        which a caller makes only if it needs it)."""
        values = tuple(data.values())
        if values and set(map(type, values)) == _TEXT_ONLY and _plain("".join(values)):
            template = self._templates.get(cols, _UNSEEN)
            if template is _UNSEEN:
                if len(self._templates) >= _KEPT:
                    self._templates.clear()
                template = self._templates[cols] = self._template(cols)
            if template is not None:
                return template % values, '["' + '","'.join(values) + '"]'
        return dumps(data), None
