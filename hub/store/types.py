"""Portable column types: exact decimals and timezone-aware UTC datetimes on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["ExactDecimal", "UTCDateTime", "to_db_decimal", "to_db_datetime"]


class ExactDecimal(TypeDecorator[Decimal]):
    """``Decimal`` stored exactly: NUMERIC on PostgreSQL, decimal text on SQLite (which has no decimal)."""

    impl = Numeric(20, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 4, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return to_db_decimal(value, dialect.name)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # SQLite has no datetime type: ISO 8601 text in UTC sorts and compares correctly
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return to_db_datetime(value, dialect.name)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def to_db_decimal(value: Any, dialect_name: str) -> Any:
    """Bind form of a decimal for ``dialect_name`` (used by the bulk fast path too)."""
    if value is None:
        return None
    if dialect_name == "sqlite":
        if isinstance(value, Decimal):
            # normalise -0 and exponent forms so equal values compare equal as text
            text = format(value, "f")
            return "0" if text in ("-0", "-0.0", "-0.00") else text
        return format(Decimal(str(value)), "f")
    return value


def to_db_datetime(value: Any, dialect_name: str) -> Any:
    """Bind form of an aware datetime: UTC, ISO text on SQLite."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware UTC only")
    value = value.astimezone(dt.UTC)
    if dialect_name == "sqlite":
        return value.isoformat(sep=" ")
    return value


def plain_decimal(value: Decimal) -> Decimal:
    """The value without trailing zeros and never in exponent form (4000.0000 and 4000.00 both
    become 4000; 4829.2600 becomes 4829.26): one form whichever store's column scale it came from."""
    if not value.is_finite():
        return value
    n = value.normalize()
    exponent = n.as_tuple().exponent  # an int: the value is finite
    return n.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else n
