"""JSON text for the store's hot paths: :class:`json.JSONEncoder`'s ``encode`` without its per-call set-up.

``JSONEncoder.encode`` builds a new C encoder on every call, which costs more than encoding a
flat record. :func:`encoder` builds it once and gives a function returning the very same text
(checked on a sample when it is made; where the interpreter's C encoder differs, or is absent,
the plain ``encode`` is returned).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["encoder"]

_SAMPLE = [7, {"b": 'x"\u00e9\u2028\n', "a": [1, 2.5, None, True], "c": {"d": float("nan")}}, "\u5ba2", None, 1e16]


def encoder(
    *,
    ensure_ascii: bool = True,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
    default: Callable[[Any], Any] | None = None,
) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=..., separators=..., sort_keys=..., default=...).encode``,
    the C encoder built once (no circular-reference check: the store's values are trees)."""
    plain = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=separators, sort_keys=sort_keys, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    escape = getattr(json.encoder, "c_encode_basestring_ascii" if ensure_ascii else "c_encode_basestring", None)
    if make is None or escape is None:
        return plain.encode
    try:
        enc = make(None, plain.default, escape, None, plain.key_separator, plain.item_separator, sort_keys, False, True)
    except TypeError:  # another interpreter's signature
        return plain.encode
    join = "".join

    def encode(value: Any) -> str:
        return join(enc(value, 0))

    return encode if encode(_SAMPLE) == plain.encode(_SAMPLE) else plain.encode
