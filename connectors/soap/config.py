"""Configuration of the SOAP connector: WSDL, auth, transport, and per-stream operation/paging/cursor/write rules.

Example (``hub.yaml`` → ``systems.drp``)::

    connector: soap
    config:
      wsdl: http://127.0.0.1:8080/drp/drp.wsdl     # or a file path (relative to hub.yaml)
      auth: {type: wsse, username: hub}            # password comes from the secrets
      timeout: 30
      streams:
        customers:
          operation: GetCustomers
          request: {pageSize: 200}                 # fixed request parameters
          result_path: customers.customer          # dotted path to the items in the response
          key: [customerCode]
          paging: {page: {param: page, page_count_path: pageCount}}
          incremental: {param: modifiedSince, field: lastModified}
          fields: {customerCode: 客户编码, lastModified: {name: 最后修改时间, format: "%Y/%m/%d %H:%M:%S"}}
          writes:
            create: {operation: CreateCustomer, record_param: customer, idempotency_param: requestId,
                     id_path: customerCode, created_path: created}
            update: {operation: UpdateCreditLimit, key_param: customerCode, idempotency_param: requestId}

Paths (``result_path``, ``explode``, ``*_path``) are dotted element names; a list met on the way
is walked item by item. ``key``, ``incremental.field`` and ``inherit`` name *elements*; ``fields``
renames elements in the records the connector yields (and maps them back on write).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "AuthConfig",
    "DateWindow",
    "FieldSpec",
    "Incremental",
    "PageNumberPaging",
    "Paging",
    "SoapConfig",
    "StreamConfig",
    "TokenPaging",
    "WriteOp",
]

WRITE_OPS = ("create", "update", "upsert", "delete")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthConfig(_Strict):
    """``wsse``: WS-Security UsernameToken (digest by default); ``basic``: HTTP basic auth."""

    type: Literal["none", "wsse", "basic"] = "none"
    #: taken from the secrets (``username``) when left out
    username: str | None = None
    #: taken from the secrets (``password``) when left out; never logged
    password: SecretStr | None = None
    #: wsse only: send PasswordDigest (nonce + created) instead of the clear-text password
    digest: bool = True


class PageNumberPaging(_Strict):
    """Pages numbered from ``start``; stops at a short page or at ``page_count_path``."""

    param: str
    start: int = 1
    size_param: str | None = None
    size: int = Field(100, ge=1)
    page_count_path: str | None = None


class TokenPaging(_Strict):
    """Continuation token read at ``response_path`` and sent back in ``param`` until absent."""

    param: str
    response_path: str
    size_param: str | None = None
    size: int = Field(100, ge=1)


class DateWindow(_Strict):
    """Date windows [from, to) of ``days`` days from ``start`` to ``end`` (default: tomorrow)."""

    from_param: str
    to_param: str
    start: date
    days: int = Field(30, ge=1)
    end: date | None = None
    #: re-read this many days before the saved window start (late-arriving records)
    lookback_days: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _order(self) -> DateWindow:
        if self.end is not None and self.end <= self.start:
            raise ValueError("window end must be after start")
        return self


class Paging(_Strict):
    """Request-parameter paging: page number or continuation token, optionally inside date windows."""

    page: PageNumberPaging | None = None
    token: TokenPaging | None = None
    window: DateWindow | None = None

    @model_validator(mode="after")
    def _one_inner(self) -> Paging:
        if self.page is not None and self.token is not None:
            raise ValueError("choose page or token paging, not both")
        return self


class Incremental(_Strict):
    """Ask only for records changed since the cursor: ``param`` in the request, ``field`` in the records."""

    param: str
    field: str
    #: first run starts here (default: no filter, a full read)
    start: datetime | None = None


class FieldSpec(_Strict):
    """Output name of an element and, for dates/times, the strftime ``format`` of its text."""

    name: str
    format: str | None = None


class WriteOp(_Strict):
    """How one kind of change (create/update/...) is sent: an operation and where the data goes."""

    operation: str
    #: put the record under this parameter (e.g. ``customer``); None spreads its fields
    record_param: str | None = None
    #: send the change's key in this parameter (updates/deletes)
    key_param: str | None = None
    #: send the change's idempotency key here; makes retries of this write safe
    idempotency_param: str | None = None
    #: fixed parameters added to every call
    request: dict[str, Any] = Field(default_factory=dict)
    #: only these record fields (element names) are sent; default: all
    send_fields: list[str] | None = None
    id_path: str | None = None
    created_path: str | None = None
    #: a boolean in the response that says whether the write succeeded
    ok_path: str | None = None
    error_path: str | None = None


class StreamConfig(_Strict):
    """One readable (and maybe writable) stream: an operation, its request template and result path."""

    operation: str | None = None
    request: dict[str, Any] = Field(default_factory=dict)
    result_path: str | None = None
    #: records are the sub-items at this path inside each item (e.g. order lines)
    explode: str | None = None
    #: item fields copied into each exploded sub-record (e.g. the order number)
    inherit: list[str] = Field(default_factory=list)
    key: list[str] = Field(min_length=1)
    paging: Paging = Field(default_factory=Paging)
    incremental: Incremental | None = None
    fields: dict[str, str | FieldSpec] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    #: turn every scalar into its text (dates via ``fields`` formats), like a CSV would
    stringify: bool = False
    #: value used for elements that are absent or nil
    null_value: Any = None
    writes: dict[Literal["create", "update", "upsert", "delete"], WriteOp] = Field(default_factory=dict)
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> StreamConfig:
        if self.operation is None and not self.writes:
            raise ValueError("a stream needs an operation to read or writes")
        if self.operation is not None and not self.result_path:
            raise ValueError("result_path is required when operation is set")
        if self.incremental is not None and self.paging.window is not None:
            raise ValueError("incremental and date-window paging both move the cursor; use one")
        if self.inherit and not self.explode:
            raise ValueError("inherit needs explode")
        names = [s if isinstance(s, str) else s.name for s in self.fields.values()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"fields maps several elements to {dupes}")
        return self

    def out_name(self, element: str) -> str:
        spec = self.fields.get(element)
        if spec is None:
            return element
        return spec if isinstance(spec, str) else spec.name


class SoapConfig(_Strict):
    """A SOAP system: where the WSDL is, how to authenticate, transport limits, and its streams."""

    wsdl: str
    #: overrides the service address found in the WSDL
    endpoint: str | None = None
    service: str | None = None
    port: str | None = None
    auth: AuthConfig = Field(default_factory=AuthConfig)
    timeout: float = Field(30.0, gt=0)
    connect_timeout: float = Field(10.0, gt=0)
    load_timeout: float = Field(30.0, gt=0)
    #: attempts in all for a call that failed transiently (transport errors, 5xx without fault)
    max_attempts: int = Field(4, ge=1)
    backoff: float = Field(0.5, ge=0)
    #: TLS: True (system store), a CA bundle path, or False
    verify: bool | str = True
    cache: Literal["memory", "sqlite", "none"] = "memory"
    cache_path: str | None = None
    #: extra URL prefixes / folders imports may be loaded from (besides the WSDL's own folder)
    allowed_import_locations: list[str] = Field(default_factory=list)
    #: the stream whose first page check() reads to prove access (default: first readable)
    check_stream: str | None = None
    streams: dict[str, StreamConfig] = Field(min_length=1)

    @field_validator("wsdl")
    @classmethod
    def _wsdl_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("wsdl must be a URL or a file path")
        return value.strip()

    @model_validator(mode="after")
    def _check_stream(self) -> SoapConfig:
        if self.check_stream is not None and self.check_stream not in self.streams:
            raise ValueError(f"check_stream {self.check_stream!r} is not a configured stream")
        if self.cache == "sqlite" and not self.cache_path:
            raise ValueError("cache: sqlite needs cache_path")
        return self

    def configured_streams(self) -> list[str] | None:
        """The stream names these settings configure (known without loading the WSDL)."""
        return list(self.streams)
