"""Type coercion of source values to canonical field types, and back to text for push-back.

``make_coercer(type, ...)`` returns a function ``value -> typed value`` that raises
:class:`CoercionError` (a ``ValueError``) with a short reason. Canonical types come from
``hub.canonical``: ``str``, ``text``, ``decimal``, ``int``, ``float``, ``date``, ``datetime``,
``bool``. Common source shapes take a fast path: a plain decimal string goes straight to
``Decimal`` (never through ``float``); ``YYYY-MM-DD``, ``YYYY/MM/DD``, ISO datetimes (``...Z``)
and ``YYYY/MM/DD HH:MM:SS`` are sliced, not ``strptime``-ed. Full-width digits and punctuation
(``１２３．４５``) are normalised on the slow path. Datetimes come out timezone-aware in UTC; a
naive source value is read in the field's source timezone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CoercionError",
    "DEFAULT_FORMATS",
    "TRUE_VALUES",
    "FALSE_VALUES",
    "make_coercer",
    "make_formatter",
    "fast_parser",
    "check_format",
    "get_timezone",
]

#: format keywords besides strftime patterns: ``iso`` (ISO 8601), ``epoch``/``epoch_ms`` (datetimes)
DEFAULT_FORMATS: dict[str, tuple[str, ...]] = {
    "date": ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"),
    "datetime": ("iso", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"),
}
TRUE_VALUES = ("true", "t", "yes", "y", "1", "on", "是")
FALSE_VALUES = ("false", "f", "no", "n", "0", "off", "否")
_KEYWORDS = frozenset({"iso", "epoch", "epoch_ms"})
_MONEY_NOISE = str.maketrans("", "", ",_ ¥$€£元")


class CoercionError(ValueError):
    """A value does not fit the canonical type; the message says why."""


def get_timezone(name: str | None) -> tzinfo:
    """``ZoneInfo(name)`` (UTC when None); ValueError for an unknown zone."""
    if name is None or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}") from None


def check_format(ftype: str, fmt: str) -> None:
    """Raise ValueError when ``fmt`` is not a usable format for a ``date``/``datetime`` field."""
    if fmt in _KEYWORDS:
        if ftype == "date" and fmt != "iso":
            raise ValueError(f"format {fmt!r} is for datetime fields only")
        return
    sample = datetime(2001, 2, 13, 14, 15, 16)
    try:
        back = datetime.strptime(sample.strftime(fmt), fmt)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid date format {fmt!r}: {exc}") from None
    if back.year != 2001 or back.month != 2 or back.day != 13:
        raise ValueError(f"date format {fmt!r} must contain the year, month and day")


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


# ----------------------------------------------------------------------------- scalars
def _to_str(value: Any) -> str:
    if value.__class__ is str:
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_decimal(value: Any) -> Decimal:
    if value.__class__ is str:
        try:
            d = Decimal(value)
        except InvalidOperation:
            return _decimal_slow(value)
        if d.is_finite():
            return d
        raise CoercionError(f"not a finite number: {value!r}")
    if isinstance(value, Decimal):
        if value.is_finite():
            return value
        raise CoercionError(f"not a finite number: {value!r}")
    if isinstance(value, bool):
        raise CoercionError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _to_decimal(repr(value))
    raise CoercionError(f"not a number: {value!r}")


def _decimal_slow(value: str) -> Decimal:
    text = _nfkc(value).translate(_MONEY_NOISE)
    for code in ("CNY", "RMB"):
        text = text.removeprefix(code).removesuffix(code)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise CoercionError(f"not a decimal number: {value!r}") from None
    if not d.is_finite():
        raise CoercionError(f"not a finite number: {value!r}")
    return d


def _to_int(value: Any) -> int:
    if value.__class__ is str:
        try:
            return int(value)
        except ValueError:
            pass
    elif value.__class__ is int:
        return value
    if isinstance(value, bool):
        raise CoercionError(f"not an integer: {value!r}")
    try:
        d = _to_decimal(value)
    except CoercionError:
        raise CoercionError(f"not an integer: {value!r}") from None
    if d != d.to_integral_value():
        raise CoercionError(f"not a whole number: {value!r}")
    return int(d)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CoercionError(f"not a number: {value!r}")
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(_to_decimal(value))
    except CoercionError:
        raise CoercionError(f"not a number: {value!r}") from None


def _make_bool(true_values: Iterable[str], false_values: Iterable[str]) -> Callable[[Any], bool]:
    table = {str(v).strip().lower(): True for v in true_values}
    for v in false_values:
        key = str(v).strip().lower()
        if key in table:
            raise ValueError(f"{v!r} is listed as both true and false")
        table[key] = False
    get = table.get

    def to_bool(value: Any) -> bool:
        if value.__class__ is bool:
            return value
        text = value if value.__class__ is str else str(value)
        found = get(text)
        if found is None:
            found = get(_nfkc(text).lower())
            if found is None:
                raise CoercionError(f"not a yes/no value: {value!r}")
        return found

    return to_bool


# ----------------------------------------------------------------------------- dates
def _date_parser(fmt: str) -> Callable[[str], date]:
    if fmt == "iso":
        return date.fromisoformat
    if fmt == "%Y-%m-%d":

        def ymd_dash(s: str) -> date:
            if len(s) == 10 and s[4] == "-" and s[7] == "-":
                return date(int(s[:4]), int(s[5:7]), int(s[8:]))
            return datetime.strptime(s, fmt).date()  # e.g. 2025-4-1

        return ymd_dash
    if fmt == "%Y/%m/%d":

        def ymd_slash(s: str) -> date:
            if len(s) == 10 and s[4] == "/" and s[7] == "/":
                return date(int(s[:4]), int(s[5:7]), int(s[8:]))
            return datetime.strptime(s, fmt).date()  # e.g. 2025/4/1

        return ymd_slash
    if fmt == "%Y%m%d":

        def ymd(s: str) -> date:
            if len(s) == 8 and s.isdigit():
                return date(int(s[:4]), int(s[4:6]), int(s[6:]))
            raise ValueError(s)  # no strptime here: it would read 202541 as 2025-04-01

        return ymd
    return lambda s: datetime.strptime(s, fmt).date()


def _datetime_parser(fmt: str) -> Callable[[str], datetime]:
    if fmt == "iso":
        return datetime.fromisoformat
    if fmt in ("epoch", "epoch_ms"):
        scale = 1000 if fmt == "epoch_ms" else 1

        def epoch(s: str) -> datetime:
            return datetime.fromtimestamp(float(Decimal(s) / scale), UTC)

        return epoch
    if fmt == "%Y/%m/%d %H:%M:%S":

        def ymd_hms_slash(s: str) -> datetime:
            if len(s) == 19 and s[4] == "/" and s[7] == "/" and s[10] == " " and s[13] == ":" and s[16] == ":":
                return datetime(int(s[:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:]))
            return datetime.strptime(s, fmt)  # e.g. 2025/4/1 9:05:00

        return ymd_hms_slash
    return lambda s: datetime.strptime(s, fmt)


def _first_match(parsers: list[Callable[[str], Any]], formats: tuple[str, ...], kind: str) -> Callable[[str], Any]:
    if len(parsers) == 1:
        only = parsers[0]

        def parse_one(s: str) -> Any:
            try:
                return only(s)
            except (ValueError, TypeError, OverflowError):
                pass
            t = _nfkc(s)
            try:
                return only(t)
            except (ValueError, TypeError, OverflowError):
                raise CoercionError(f"not a {kind} in format {formats[0]}: {s!r}") from None

        return parse_one

    def parse_any(s: str) -> Any:
        for p in parsers:
            try:
                return p(s)
            except (ValueError, TypeError, OverflowError):
                continue
        t = _nfkc(s)
        for p in parsers:
            try:
                return p(t)
            except (ValueError, TypeError, OverflowError):
                continue
        raise CoercionError(f"not a {kind} in any of the formats {', '.join(formats)}: {s!r}")

    return parse_any


def _make_date(formats: tuple[str, ...]) -> Callable[[Any], date]:
    parse = _first_match([_date_parser(f) for f in formats], formats, "date")

    def to_date(value: Any) -> date:
        if value.__class__ is str:
            return parse(value)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        raise CoercionError(f"not a date: {value!r}")

    return to_date


def _make_datetime(formats: tuple[str, ...], tz: tzinfo) -> Callable[[Any], datetime]:
    parse = _first_match([_datetime_parser(f) for f in formats], formats, "date-time")
    utc = UTC

    def to_datetime(value: Any) -> datetime:
        if value.__class__ is str:
            dt = parse(value)
        elif isinstance(value, datetime):
            dt = value
        elif isinstance(value, date):
            dt = datetime(value.year, value.month, value.day)
        else:
            raise CoercionError(f"not a date-time: {value!r}")
        zone = dt.tzinfo
        if zone is utc:
            return dt
        if zone is None:
            return dt.replace(tzinfo=tz).astimezone(utc) if tz is not utc else dt.replace(tzinfo=utc)
        return dt.astimezone(utc)

    return to_datetime


def make_coercer(
    ftype: str,
    *,
    formats: Iterable[str] | None = None,
    tz: str | None = None,
    true_values: Iterable[str] | None = None,
    false_values: Iterable[str] | None = None,
) -> Callable[[Any], Any]:
    """A function turning a non-empty source value into the canonical type ``ftype``."""
    if ftype in ("str", "text"):
        return _to_str
    if ftype == "decimal":
        return _to_decimal
    if ftype == "int":
        return _to_int
    if ftype == "float":
        return _to_float
    if ftype == "bool":
        return _make_bool(true_values or TRUE_VALUES, false_values or FALSE_VALUES)
    if ftype in ("date", "datetime"):
        fmts = tuple(formats or DEFAULT_FORMATS[ftype])
        for f in fmts:
            check_format(ftype, f)
        if ftype == "date":
            return _make_date(fmts)
        return _make_datetime(fmts, get_timezone(tz))
    raise ValueError(f"unknown field type {ftype!r}")


def fast_parser(ftype: str, formats: Iterable[str] | None = None, tz: str | None = None) -> Callable[[str], Any] | None:
    """A fast parser of a clean string in the field's first format, or None.

    It may raise anything on input it does not handle (surrounding spaces, other formats,
    full-width digits); the caller then falls back to :func:`make_coercer`'s function, which
    handles every case and gives the error message.
    """
    if ftype not in ("date", "datetime"):
        return None
    fmt = tuple(formats or DEFAULT_FORMATS[ftype])[0]
    fromiso_d, fromiso_dt = date.fromisoformat, datetime.fromisoformat
    if ftype == "date":
        if fmt in ("%Y-%m-%d", "iso"):

            def iso_date(s: str) -> date:
                if s[4] == "-" and s[7] == "-" and len(s) == 10:
                    return fromiso_d(s)
                raise ValueError(s)

            return iso_date
        if fmt == "%Y/%m/%d":
            return _date_parser(fmt)
        return None
    zone = get_timezone(tz)
    utc = UTC
    if fmt == "iso":

        def iso_utc(s: str) -> datetime:
            dt = fromiso_dt(s)
            if dt.tzinfo is utc:
                return dt
            raise ValueError(s)  # naive or another offset: the full coercer converts it

        return iso_utc
    if fmt == "%Y/%m/%d %H:%M:%S":
        parse = _datetime_parser(fmt)
        if zone is utc:
            return lambda s: parse(s).replace(tzinfo=utc)
        return lambda s: parse(s).replace(tzinfo=zone).astimezone(utc)
    return None


def make_formatter(
    ftype: str,
    *,
    formats: Iterable[str] | None = None,
    tz: str | None = None,
    true_values: Iterable[str] | None = None,
    false_values: Iterable[str] | None = None,
) -> Callable[[Any], str]:
    """The reverse of :func:`make_coercer`: a canonical value as text in the source's own format."""
    if ftype in ("date", "datetime"):
        fmt = tuple(formats or DEFAULT_FORMATS[ftype])[0]
        zone = get_timezone(tz)
        if ftype == "date":
            return (lambda v: v.isoformat()) if fmt == "iso" else (lambda v: v.strftime(fmt))

        def fmt_datetime(v: datetime) -> str:
            if fmt == "iso":
                return v.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            if fmt == "epoch":
                return str(int(v.timestamp()))
            if fmt == "epoch_ms":
                return str(int(v.timestamp() * 1000))
            local = v.astimezone(zone) if v.tzinfo is not None else v
            return local.strftime(fmt)

        return fmt_datetime
    if ftype == "bool":
        yes = next(iter(true_values or TRUE_VALUES))
        no = next(iter(false_values or FALSE_VALUES))
        return lambda v: yes if v else no
    return _to_str
