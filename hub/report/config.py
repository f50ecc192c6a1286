"""The report configuration file: sections, formats, audiences and SMTP settings, validated with pydantic.

Example (``examples/channelco/report.yaml``)::

    title: ChannelCo reconciliation report
    as_of: 2026-03-31              # omit to use today's date
    formats: [html, xlsx, csv]
    output_dir: ../../var/reports  # relative to this file; ``hub report --to`` overrides
    smtp:
      host: ${SMTP_HOST:-127.0.0.1}
      port: 587
      security: starttls           # starttls | ssl | none
      username: reports@channelco.example
      password_env: HUB_SMTP_PASSWORD   # the name of the variable, never the password
      sender: ChannelHub <reports@channelco.example>
    audiences:
      finance: {to: [finance@channelco.example], sections: [summary, receivables]}
      east_sales: {to: [east@channelco.example], sections: [summary, sales], teams: [华东大区]}

``${NAME}`` / ``${NAME:-default}`` are replaced from the environment as in the hub config. The
SMTP password is read from the environment variable named by ``password_env`` only when mail is
sent; it is never held in the configuration object, so reprs and logs cannot leak it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.configfile import read_config_file, validate_model
from hub.errors import ConfigError

__all__ = ["SECTION_KEYS", "Roles", "SmtpConfig", "Audience", "ReportConfig", "load_report_config", "smtp_password"]

#: every section a report can hold, in report order
SECTION_KEYS: tuple[str, ...] = ("summary", "orders", "inventory", "receivables", "hierarchy", "sales", "quality")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Roles(_Model):
    """Which configured systems play the CRM, the DRP/ERP and the EDI feed."""

    crm: str = "crm"
    drp: str = "drp"
    edi: str = "edi"


class SmtpConfig(_Model):
    """Outgoing mail server. TLS certificates are verified (``ca_file`` adds a private CA)."""

    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    #: environment variable holding the password (required when ``username`` is set)
    password_env: str | None = None
    sender: str
    ca_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0)

    @property
    def effective_port(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587, "none": 25}[self.security]

    @model_validator(mode="after")
    def _auth(self) -> SmtpConfig:
        if self.username and not self.password_env:
            raise ValueError("username is set but password_env (the variable holding the password) is not")
        return self


class Audience(_Model):
    """Who gets which sections by e-mail; ``teams`` limits sales and receivables to those sales teams."""

    to: list[str] = Field(min_length=1)
    cc: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=lambda: list(SECTION_KEYS))
    teams: list[str] | None = None
    subject: str = "{title}: {audience}, run {run} ({as_of})"
    #: formats attached to the mail (the HTML summary is always the body)
    attach: list[str] = Field(default_factory=lambda: ["xlsx"])

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SECTION_KEYS]
        if unknown:
            raise ValueError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTION_KEYS)}")
        return value

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if "@" not in a or any(c in a for c in "\r\n")]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(repr(b) for b in bad)}")
        return value


class ReportConfig(_Model):
    """The whole report file."""

    title: str = "ChannelHub reconciliation report"
    as_of: dt.date | None = None
    formats: list[str] = Field(default_factory=lambda: ["html", "xlsx", "csv"])
    sections: list[str] = Field(default_factory=lambda: list(SECTION_KEYS))
    output_dir: Path | None = None
    #: rows per table at most (the rest are counted, not listed)
    max_rows: int = Field(default=2000, ge=1)
    #: previous runs shown in the trend
    trend_runs: int = Field(default=8, ge=1, le=100)
    roles: Roles = Field(default_factory=Roles)
    #: age receivables by days past due (due_date) or since the invoice date (invoice_date)
    aging_basis: Literal["due_date", "invoice_date"] = "due_date"
    #: a distributor's 846 is stale when none is dated within this many days up to the as-of date
    stale_846_days: int = Field(default=7, ge=1)
    consignment_kinds: list[str] = Field(default_factory=lambda: ["consignment"])
    open_order_statuses: list[str] = Field(default_factory=lambda: ["approved"])
    booked_order_statuses: list[str] = Field(default_factory=lambda: ["approved", "shipped", "completed"])
    #: the pipeline stage e-mails the audiences after each run (also when the report is unchanged
    #: since an earlier run and its files are linked, not built again)
    send_after_run: bool = False
    smtp: SmtpConfig | None = None
    audiences: dict[str, Audience] = Field(default_factory=dict)

    #: folder of the config file (set by load_report_config)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("sections")
    @classmethod
    def _sections(cls, value: list[str]) -> list[str]:
        return Audience._sections(value)

    def resolve(self, p: Path) -> Path:
        """A path from the file, resolved against the file's folder."""
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def default_output_dir(self) -> Path:
        return self.resolve(self.output_dir) if self.output_dir else self.resolve(Path(".hub/reports"))


def load_report_config(path: str | Path) -> ReportConfig:
    """Read, interpolate and validate a report file; every problem is reported at once with its line."""
    path = Path(path)
    cfg = validate_model(ReportConfig, read_config_file(path, "report config"), "report configuration")
    return cfg.model_copy(update={"base_dir": path.resolve().parent})


def smtp_password(smtp: SmtpConfig) -> str | None:
    """The SMTP password from the environment, or a ConfigError naming the unset variable."""
    if not smtp.username:
        return None
    value = os.environ.get(smtp.password_env or "")
    if not value:
        raise ConfigError(
            f"SMTP user {smtp.username!r} needs a password: environment variable {smtp.password_env} is not set"
        )
    from hub.redact import register_secret

    register_secret(value)
    return value


def describe(cfg: ReportConfig) -> dict[str, Any]:
    """The config as a plain dict for display (no secrets are held; the variable name is shown)."""
    from hub.config import mask_secrets

    return mask_secrets(cfg.model_dump(mode="json"))
