"""Declarative base with a constraint naming convention shared by every model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

#: table option of the tables keyed by text columns: on SQLite their rows live in the primary
#: key's own b-tree (``WITHOUT ROWID``) rather than in a rowid table plus an index repeating the
#: key (a third of a staged record's or lineage row's bytes); other stores ignore it
WITHOUT_ROWID: dict[str, Any] = {"sqlite_with_rowid": False}

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all ORM models; ``metadata`` is what Alembic migrates."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:  # every model maps one Table (SQLAlchemy types it as any FromClause)
        __table__: ClassVar[Table[Any]]
