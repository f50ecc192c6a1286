"""Console users and their server-side sessions (the stewardship console's login)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class AppUser(Base):
    """A person who may log in to the console; the password is kept only as a salted scrypt hash."""

    __tablename__ = "app_user"

    name: Mapped[str] = mapped_column(String(), primary_key=True)
    role: Mapped[str] = mapped_column(String(), nullable=False)  # viewer | steward | admin
    password_hash: Mapped[str] = mapped_column(String(), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean(), default=False, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_login: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ConsoleSession(Base):
    """One logged-in browser: the SHA-256 of its cookie token (never the token), its CSRF token and expiry."""

    __tablename__ = "console_session"
    __table_args__ = (Index("ix_console_session_user", "user_name"),)

    token_hash: Mapped[str] = mapped_column(String(), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(), nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
