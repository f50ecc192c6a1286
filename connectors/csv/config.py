"""Configuration of the CSV drop-folder connector."""

from __future__ import annotations

import codecs

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class DialectConfig(BaseModel):
    """csv-module dialect settings."""

    model_config = ConfigDict(extra="forbid")

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str | None = None
    doublequote: bool = True
    skipinitialspace: bool = False

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_char(cls, v: str) -> str:
        if len(v) != 1:
            raise ValueError("must be exactly one character")
        return v


class CsvStreamConfig(BaseModel):
    """One stream: which files, which column(s) identify a record, optional overrides."""

    model_config = ConfigDict(extra="forbid")

    pattern: str
    key: str | list[str]
    encoding: str | None = None
    header_aliases: dict[str, str] = Field(default_factory=dict)
    dialect: DialectConfig | None = None
    writable: bool = False

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else tuple(self.key)


class CsvConfig(BaseModel):
    """A folder of CSV files (or a drop folder with processed/failed archives)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    encoding: str = "utf-8"
    dialect: DialectConfig = Field(default_factory=DialectConfig)
    processed: str | None = None
    failed: str | None = None
    outbound: str | None = None
    batch_size: int = Field(default=10_000, ge=1, le=1_000_000)
    streams: dict[str, CsvStreamConfig]

    @model_validator(mode="after")
    def _encodings(self) -> CsvConfig:
        for name in [self.encoding] + [s.encoding for s in self.streams.values() if s.encoding]:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown encoding {name!r}") from None
        return self

    def configured_streams(self) -> list[str] | None:
        """The stream names these settings configure (known without reading anything)."""
        return list(self.streams)
