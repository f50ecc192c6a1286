"""Built-in mapping transforms, registered through the ``register_transforms`` hook.

A transform is ``func(value, *args) -> value``; ``value`` is always a non-empty ``str`` (the
compiler converts other source values first), and an empty result counts as a missing value.
A transform may carry ``func.prepare(*args) -> Callable[[str], Any]``: the compiler calls it
once at load time to check the arguments (raising ``TypeError``/``ValueError`` with a clear
reason) and to pre-compile them (e.g. a regular expression). Plugins can do the same.

Transforms named in :data:`NORMALIZING` only clean a value up (spacing, width, case), so a
field that uses nothing else can still be written back (see ``CompiledMapping.reverse``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from hub.hookspecs import hookimpl

__all__ = ["BUILTIN_TRANSFORMS", "NORMALIZING", "register_transforms"]

#: name -> (function, number of arguments)
BUILTIN_TRANSFORMS: dict[str, tuple[Callable[..., Any], int]] = {}

#: transforms that keep the meaning of a value (a field using only these stays reversible)
NORMALIZING = frozenset({"strip", "upper", "lower", "fullwidth_to_halfwidth", "collapse_spaces"})


def _transform(name: str, arity: int = 0, prepare: Callable[..., Callable[[str], Any]] | None = None):
    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        if prepare is not None:
            func.prepare = prepare  # type: ignore[attr-defined]
        BUILTIN_TRANSFORMS[name] = (func, arity)
        return func

    return deco


def _need_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r}")
    return value


def _need_int(name: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


@_transform("strip")
def strip(value: str) -> str:
    """Remove surrounding whitespace (including the ideographic space U+3000)."""
    return value.strip()


@_transform("upper")
def upper(value: str) -> str:
    """Upper-case."""
    return value.upper()


@_transform("lower")
def lower(value: str) -> str:
    """Lower-case."""
    return value.lower()


_nfkc = unicodedata.normalize


@_transform("fullwidth_to_halfwidth")
def fullwidth_to_halfwidth(value: str) -> str:
    """Unicode NFKC: full-width digits, letters, punctuation and spaces become half-width."""
    return value if value.isascii() else _nfkc("NFKC", value)


@_transform("collapse_spaces")
def collapse_spaces(value: str) -> str:
    """Trim and turn every run of whitespace into one ASCII space."""
    return " ".join(value.split())


_NON_DIGITS = re.compile(r"[^0-9]+")


@_transform("digits_only")
def digits_only(value: str) -> str:
    """Keep the digits 0-9 only (full-width digits are converted first)."""
    if not value.isascii():
        value = _nfkc("NFKC", value)
    return _NON_DIGITS.sub("", value)


def _prepare_zfill(width: Any) -> Callable[[str], str]:
    n = _need_int("zfill width", width, 0)
    return lambda value: value.zfill(n)


@_transform("zfill", 1, _prepare_zfill)
def zfill(value: str, width: int) -> str:
    """Left-pad with zeros to ``width`` characters (a leading sign stays in front)."""
    return value.zfill(width)


def _prepare_prefix(text: Any) -> Callable[[str], str]:
    p = _need_str("prefix", text)
    return lambda value: p + value


@_transform("prefix", 1, _prepare_prefix)
def prefix(value: str, text: str) -> str:
    """Put ``text`` in front of the value."""
    return text + value


def _prepare_suffix(text: Any) -> Callable[[str], str]:
    s = _need_str("suffix", text)
    return lambda value: value + s


@_transform("suffix", 1, _prepare_suffix)
def suffix(value: str, text: str) -> str:
    """Append ``text`` to the value."""
    return value + text


def _prepare_replace(old: Any, new: Any) -> Callable[[str], str]:
    a = _need_str("replace: old text", old)
    b = _need_str("replace: new text", new)
    if not a:
        raise ValueError("replace: old text must not be empty")
    return lambda value: value.replace(a, b)


@_transform("replace", 2, _prepare_replace)
def replace(value: str, old: str, new: str) -> str:
    """Replace every ``old`` by ``new`` (plain text, not a pattern)."""
    return value.replace(old, new)


def _prepare_split_part(sep: Any, index: Any) -> Callable[[str], str]:
    s = _need_str("split_part separator", sep)
    i = _need_int("split_part index", index)
    if not s:
        raise ValueError("split_part separator must not be empty")

    def split_part_(value: str) -> str:
        parts = value.split(s)
        return parts[i] if -len(parts) <= i < len(parts) else ""

    return split_part_


@_transform("split_part", 2, _prepare_split_part)
def split_part(value: str, sep: str, index: int) -> str:
    """Part ``index`` (0-based; negative counts from the end) of the value split on ``sep``; empty if absent."""
    return _prepare_split_part(sep, index)(value)


def _prepare_regex_extract(pattern: Any, group: Any = 0) -> Callable[[str], str]:
    text = _need_str("regex_extract pattern", pattern)
    try:
        rx = re.compile(text)
    except re.error as exc:
        raise ValueError(f"regex_extract: invalid pattern {text!r}: {exc}") from None
    if isinstance(group, str):
        if group not in rx.groupindex:
            raise ValueError(f"regex_extract: pattern {text!r} has no group named {group!r}")
    else:
        g = _need_int("regex_extract group", group, 0)
        if g > rx.groups:
            raise ValueError(f"regex_extract: pattern {text!r} has {rx.groups} group(s), asked for group {g}")
    search = rx.search

    def regex_extract_(value: str) -> str:
        m = search(value)
        return (m.group(group) or "") if m else ""

    return regex_extract_


@_transform("regex_extract", 2, _prepare_regex_extract)
def regex_extract(value: str, pattern: str, group: int | str = 0) -> str:
    """The first match of ``pattern`` (``group``: number or name, default the whole match); empty if none."""
    return _prepare_regex_extract(pattern, group)(value)


@hookimpl(trylast=True)
def register_transforms(register: Callable[..., None]) -> None:
    """Register the built-in transforms (last, so plugins can override any of them)."""
    for name, (func, arity) in BUILTIN_TRANSFORMS.items():
        register(name, func, arity=arity)
