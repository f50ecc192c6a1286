"""Configuration of a Tryton connection (validated once; the password is a secret)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class TrytonConfig(BaseModel):
    """Where the Tryton server is and how to log in.

    The password comes from the connector context's secrets (``password``) or, failing that, from
    ``password`` here (which should be a ``${ENV}`` reference, never a literal in committed YAML).
    """

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="base URL of trytond, e.g. http://127.0.0.1:8000")
    database: str
    username: str = "admin"
    password: SecretStr | None = None
    language: str = "en"
    #: extra context sent with every call (e.g. {"company": 1})
    context: dict[str, Any] = Field(default_factory=dict)
    batch_size: int = Field(default=200, ge=1, le=5000)
    timeout: float = Field(default=30.0, gt=0)
    verify_tls: bool = True
    #: stock quantities are reported for these location codes (default: every storage location)
    stock_locations: list[str] = Field(default_factory=list)

    def configured_streams(self) -> list[str] | None:
        """The connector's fixed streams (known without a call)."""
        from connectors.tryton.streams import STOCK_STREAM, STREAMS

        return [*STREAMS, STOCK_STREAM]
