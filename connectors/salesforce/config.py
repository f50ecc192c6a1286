"""Configuration of the Salesforce connector: login flow, API version, objects, bulk and limit thresholds.

Example::

    kind: salesforce
    auth: password                    # password | client_credentials | jwt | session
    login_url: https://login.salesforce.com
    username: integration@channelco.example
    client_id: 3MVG9...               # the connected app's consumer key
    objects:
      accounts: {object: Account, external_id_field: ERP_Customer_Code__c}
      orders:   {object: Order, fields: [Id, OrderNumber, Status, TotalAmount, SystemModstamp]}

Secrets come from ``ConnectorContext.secrets`` (or ``SecretStr`` fields): ``password``,
``security_token``, ``client_secret``, ``private_key`` (PEM, for jwt) and ``session_id``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = ["ObjectConfig", "SalesforceConfig"]


class ObjectConfig(BaseModel):
    """One readable/writable stream backed by an sObject."""

    model_config = ConfigDict(extra="forbid")

    object: str
    #: fields to read; empty: every field the describe call lists
    fields: list[str] = Field(default_factory=list)
    #: extra SOQL condition ANDed to the incremental filter, e.g. "Type = 'Distributor'"
    where: str | None = None
    cursor_field: str = "SystemModstamp"
    #: read through queryAll so soft-deleted rows (IsDeleted = true) propagate
    include_deleted: bool = True
    #: the field upserts match on, e.g. ERP_Customer_Code__c
    external_id_field: str | None = None
    #: overrides the connector-wide threshold for this object
    bulk_threshold: int | None = Field(None, ge=0)

    @field_validator("object")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.replace("_", "").isalnum():
            raise ValueError(f"not an sObject API name: {value!r}")
        return value


class SalesforceConfig(BaseModel):
    """A Salesforce org."""

    model_config = ConfigDict(extra="forbid")

    auth: Literal["password", "client_credentials", "jwt", "session"] = "password"
    login_url: str = "https://login.salesforce.com"
    #: required for ``session``; other flows learn it from the token response
    instance_url: str | None = None
    username: str | None = None
    client_id: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    client_secret: SecretStr | None = None
    private_key: SecretStr | None = None
    session_id: SecretStr | None = None
    api_version: str = "59.0"
    #: True, or a CA bundle path (the test server's ``ca_file``)
    verify: bool | str = True
    connect_timeout: float = Field(10.0, gt=0)
    timeout: float = Field(120.0, gt=0)
    max_attempts: int = Field(5, ge=1, le=20)
    backoff_base: float = Field(1.0, ge=0)
    backoff_max: float = Field(60.0, ge=0)
    objects: dict[str, ObjectConfig] = Field(default_factory=dict)
    #: REST query page size (Sforce-Query-Options batchSize, 200..2000)
    page_size: int = Field(2000, ge=200, le=2000)
    #: objects with at least this many rows to read go through Bulk API 2.0 (0: always)
    bulk_threshold: int = Field(50_000, ge=0)
    bulk_page_size: int = Field(50_000, ge=1)
    bulk_poll_interval: float = Field(1.0, gt=0)
    bulk_timeout: float = Field(3600.0, gt=0)
    #: writes of more records than this go through Bulk API 2.0 ingest, else sObject Collections
    bulk_write_threshold: int = Field(2000, ge=1)
    #: slow down when this share of the daily API requests is used
    api_limit_threshold: float = Field(0.9, gt=0, le=1)
    api_limit_pause: float = Field(2.0, ge=0)

    @field_validator("login_url", "instance_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError(f"Salesforce URLs must be https:// (got {value!r})")
        return value.rstrip("/") if value else value

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        value = value.lstrip("v")
        major, _, minor = value.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError(f"API version must look like 59.0, got {value!r}")
        return value

    @model_validator(mode="after")
    def _needs(self) -> SalesforceConfig:
        required = {
            "password": ("username", "client_id"),
            "client_credentials": ("client_id",),
            "jwt": ("username", "client_id"),
            "session": ("instance_url",),
        }[self.auth]
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"auth {self.auth!r} needs {', '.join(missing)}")
        return self

    def configured_streams(self) -> list[str] | None:
        """The configured objects' stream names; None when none are listed (any sObject, known only online)."""
        return list(self.objects) or None
