"""Configuration of the EDI drop-folder connector (X12 and EDIFACT)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class EdiConfig(BaseModel):
    """Inbound drop folder, archive folders, outbound folder (acknowledgments and documents we send)."""

    model_config = ConfigDict(extra="forbid")

    inbound: str
    pattern: str = "**/*"
    processed: str | None = None
    failed: str | None = None
    outbound: str | None = None
    standard: Literal["x12", "edifact", "auto"] = "auto"
    #: write a 997 (X12) / CONTRL (EDIFACT) into ``outbound`` for every inbound group / interchange
    acknowledge: bool = True
    #: our interchange id and the partner's, for documents we send (write)
    sender_id: str | None = None
    receiver_id: str | None = None
    batch_size: int = Field(default=5_000, ge=1, le=1_000_000)

    @field_validator("sender_id", "receiver_id")
    @classmethod
    def _isa_id(cls, v: str | None) -> str | None:
        if v is not None and not 1 <= len(v) <= 15:
            raise ValueError("an interchange id is 1-15 characters")
        return v

    def configured_streams(self) -> list[str] | None:
        """The transaction sets / messages of the configured standard (known without reading anything)."""
        from connectors.edi.streams import _EDIFACT_STREAMS, _X12_STREAMS

        if self.standard == "x12":
            return list(_X12_STREAMS)
        if self.standard == "edifact":
            return list(_EDIFACT_STREAMS)
        return [*_X12_STREAMS, *_EDIFACT_STREAMS]
