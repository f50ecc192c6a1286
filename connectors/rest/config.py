"""Configuration of the generic REST connector: base URL, auth, and per-stream paging/cursor/write rules.

Example (``hub.yaml`` → ``systems.shop``)::

    kind: rest
    base_url: https://api.example.com/v1
    auth: {type: oauth2_client_credentials, token_url: https://api.example.com/oauth/token,
           client_id: hub}                       # client_secret comes from the secrets
    rate_limit: 10                               # requests per second
    streams:
      customers:
        path: /customers
        record_path: data                        # dotted path to the list in the body
        primary_key: [id]
        pagination: {type: page, page_param: page, size_param: per_page, page_size: 100}
        incremental: {cursor_field: updated_at, mode: param, param: updated_since, lookback_seconds: 300}
        write: {create_path: /customers, update_path: "/customers/{key}", update_method: PATCH}

Secrets (``password``, ``token``, ``api_key``, ``client_secret``) may be left out of the YAML;
the factory then takes them from ``ConnectorContext.secrets``. They are ``SecretStr`` and never
printed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "IncrementalConfig",
    "NoAuth",
    "OAuth2ClientCredentials",
    "PaginationConfig",
    "RestConfig",
    "RetryConfig",
    "StreamConfig",
    "WriteConfig",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoAuth(_Strict):
    type: Literal["none"] = "none"


class BasicAuth(_Strict):
    type: Literal["basic"]
    username: str
    password: SecretStr | None = None


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: SecretStr | None = None


class ApiKeyAuth(_Strict):
    type: Literal["api_key"]
    name: str = "X-API-Key"
    location: Literal["header", "query"] = Field("header", alias="in")
    api_key: SecretStr | None = None


class OAuth2ClientCredentials(_Strict):
    type: Literal["oauth2_client_credentials"]
    token_url: str
    client_id: str
    client_secret: SecretStr | None = None
    scope: str | None = None
    #: refresh the token this many seconds before it expires
    refresh_margin: float = Field(30.0, ge=0)

    @field_validator("token_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)


Auth = Annotated[NoAuth | BasicAuth | BearerAuth | ApiKeyAuth | OAuth2ClientCredentials, Field(discriminator="type")]


class PaginationConfig(_Strict):
    """How to get the next page. ``type`` picks which of the other settings apply."""

    type: Literal["none", "page", "offset", "cursor", "link_header", "next_url"] = "none"
    page_size: int = Field(100, ge=1)
    page_param: str = "page"
    size_param: str | None = "per_page"
    start_page: int = 1
    offset_param: str = "offset"
    limit_param: str = "limit"
    cursor_param: str = "cursor"
    #: dotted path of the next cursor token in the body (type: cursor)
    cursor_path: str = "meta.next_cursor"
    #: dotted path of the next page's URL in the body (type: next_url)
    next_url_path: str = "links.next"
    #: safety stop against a server that never ends
    max_pages: int = Field(100_000, ge=1)


class IncrementalConfig(_Strict):
    """Read only what changed since the saved cursor."""

    cursor_field: str
    #: ``param``: send the cursor to the server; ``filter``: read everything, keep newer rows
    mode: Literal["param", "filter"] = "param"
    param: str = "updated_since"
    #: re-read this many seconds (or units, for numeric cursors) before the saved cursor
    lookback_seconds: float = Field(0.0, ge=0)
    #: True when the server returns rows in ascending cursor order; lets every page move the cursor
    sorted: bool = False
    #: cursor to start from when there is no state yet
    start: str | None = None


class WriteConfig(_Strict):
    """How changes are written back."""

    create_method: Literal["POST", "PUT"] = "POST"
    create_path: str
    update_method: Literal["PUT", "PATCH", "POST"] = "PATCH"
    update_path: str | None = None
    #: dotted path of the new record's id in a create response
    id_path: str = "id"
    #: > 1 sends creates in batches of this size to ``batch_path``
    batch_size: int = Field(1, ge=1, le=10_000)
    batch_path: str | None = None
    batch_body_key: str = "records"
    results_path: str = "results"
    result_ok_field: str = "ok"
    result_id_field: str = "id"
    result_error_field: str = "error"
    result_index_field: str | None = "index"

    @model_validator(mode="after")
    def _batch(self) -> WriteConfig:
        if self.batch_size > 1 and not self.batch_path:
            raise ValueError("batch_size > 1 needs batch_path")
        if self.update_path is not None and "{key}" not in self.update_path:
            raise ValueError("update_path must contain {key}")
        return self


class StreamConfig(_Strict):
    """One readable (and optionally writable) collection of the API."""

    path: str
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    #: dotted path to the list of records in the body; empty when the body is the list
    record_path: str = ""
    primary_key: list[str] = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    pagination: PaginationConfig = Field(default_factory=PaginationConfig)
    incremental: IncrementalConfig | None = None
    write: WriteConfig | None = None
    description: str = ""


class RetryConfig(_Strict):
    max_attempts: int = Field(5, ge=1, le=20)
    backoff_base: float = Field(0.5, ge=0)
    backoff_max: float = Field(60.0, ge=0)
    max_retry_after: float = Field(300.0, ge=0)


class RestConfig(_Strict):
    """A REST API system."""

    base_url: str
    auth: Auth = Field(default_factory=NoAuth)
    headers: dict[str, str] = Field(default_factory=dict)
    connect_timeout: float = Field(10.0, gt=0)
    timeout: float = Field(60.0, gt=0)
    #: True, or a CA bundle path; ``false`` disables TLS checks (never do this in production)
    verify: bool | str = True
    #: most requests per second (none: no limit)
    rate_limit: float | None = Field(None, gt=0)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    streams: dict[str, StreamConfig] = Field(min_length=1)

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return _check_url(value).rstrip("/")

    def configured_streams(self) -> list[str] | None:
        """The stream names these settings configure (known without a request)."""
        return list(self.streams)


def _check_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
    return value
