"""The ``alerts:`` section of hub.yaml: one pydantic model per channel kind (webhook, email).

Example::

    alerts:
      - kind: webhook
        name: ops-slack
        url: ${OPS_WEBHOOK_URL}                  # a token in the URL is masked in logs and the store
        secrets: {Authorization: OPS_HOOK_AUTH}  # header -> environment variable holding its value
        events: [run_failed, run_held, breaker_held]
      - kind: email
        name: ops-mail
        smtp: {host: smtp.example.com, username: hub, password_env: HUB_SMTP_PASSWORD, sender: hub@example.com}
        to: [ops@example.com]

Secrets never sit in the config: header values come from environment variables named under
``secrets``, the SMTP password from the variable named by ``smtp.password_env``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, field_validator

from hub.report.config import SmtpConfig

__all__ = ["EVENTS", "EventName", "AlertChannel", "AlertChannels", "WebhookChannel", "EmailChannel", "SEVERITIES"]

EventName = Literal[
    "run_failed",
    "run_held",
    "breaker_held",
    "dead_letters",
    "quarantine_spike",
    "stale_source",
    "new_critical_discrepancies",
]
#: every event a channel can subscribe to, in the order they are checked
EVENTS: tuple[EventName, ...] = (
    "run_failed",
    "run_held",
    "breaker_held",
    "dead_letters",
    "quarantine_spike",
    "stale_source",
    "new_critical_discrepancies",
)
#: discrepancy severities, lowest first (as hub.reconcile.rules_config defines them)
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
Severity = Literal["info", "low", "medium", "high", "critical"]
#: header names that carry credentials: their values must come from ``secrets``
_SECRET_HEADERS = ("authorization", "token", "key", "secret", "password", "signature", "cookie")


class _Channel(BaseModel):
    """What every channel has: its events, the dedup window, the thresholds and the delivery budget."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: unique among channels; default ``<kind>-<position>`` (name it so reordering keeps the dedup history)
    name: str | None = Field(default=None, min_length=1)
    events: list[EventName] = Field(default_factory=lambda: list(EVENTS), min_length=1)
    #: the same event key is sent at most once per window
    window_minutes: float = Field(default=60, ge=0)
    #: quarantine_spike: this many quarantined rows in one run ...
    quarantine_spike_rows: int = Field(default=100, ge=1)
    #: ... or this many times the previous run's count (0 turns the comparison off) ...
    quarantine_spike_factor: float = Field(default=5.0, ge=0)
    #: ... when the run quarantined at least this many rows (so 1 -> 5 is not a spike)
    quarantine_spike_min_rows: int = Field(default=10, ge=1)
    #: stale_source: a stream whose last delivered record is older than this
    stale_hours: float = Field(default=24, gt=0)
    #: new_critical_discrepancies: newly opened discrepancies of this severity or higher
    #: (no rule is ``critical`` by default, so ``high`` catches the worst ones out of the box)
    min_severity: Severity = "high"
    #: seconds one attempt may take
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    #: further attempts after a retriable failure (timeout, refused connection, 5xx, 429)
    retries: int = Field(default=2, ge=0, le=5)
    #: first wait between attempts, doubled each time
    backoff_seconds: float = Field(default=0.5, ge=0, le=5)
    #: everything one channel may spend on one run's alerts; later events are recorded failed
    budget_seconds: float = Field(default=15, gt=0, le=120)

    @property
    def label(self) -> str:
        """The channel's name (``alert_sent.channel``)."""
        return self.name or self.kind  # type: ignore[attr-defined]


class WebhookChannel(_Channel):
    """POST a JSON body (with a Slack-compatible ``text``) to a URL."""

    kind: Literal["webhook"]
    #: may carry a token (query, user info or path): kept out of reprs, masked in logs, errors and the store
    url: str = Field(repr=False)
    #: plain headers (no credentials: those go under ``secrets``)
    headers: dict[str, str] = Field(default_factory=dict)
    #: header name -> environment variable holding its value
    secrets: dict[str, str] = Field(default_factory=dict)
    #: CA bundle for a receiver with a private certificate (verification is always on)
    ca_file: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        return value

    @field_validator("headers")
    @classmethod
    def _plain_headers(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [h for h in value if any(word in h.lower() for word in _SECRET_HEADERS)]
        if bad:
            raise ValueError(
                f"header(s) {', '.join(bad)} carry credentials: name the environment variable under "
                "'secrets' instead of writing the value"
            )
        return value

    @field_validator("secrets")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [h for h, env in value.items() if not env.replace("_", "").isalnum()]
        if bad:
            raise ValueError(f"secrets of {', '.join(bad)} must name environment variables, not hold values")
        return value


class EmailChannel(_Channel):
    """A short plain-text and HTML mail over the SMTP settings the reports use (``smtp.sender`` is the From)."""

    kind: Literal["email"]
    smtp: SmtpConfig
    to: list[str] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if "@" not in a or any(c in a for c in "\r\n,")]
        if bad:
            raise ValueError(f"not an e-mail address: {', '.join(repr(b) for b in bad)}")
        return value


_KINDS: dict[str, type[WebhookChannel] | type[EmailChannel]] = {"webhook": WebhookChannel, "email": EmailChannel}


def _by_kind(value: Any) -> WebhookChannel | EmailChannel:
    """The channel model its ``kind`` names; its errors keep YAML paths (a tagged union would add the tag)."""
    if isinstance(value, (WebhookChannel, EmailChannel)):
        return value
    kind = value.get("kind") if isinstance(value, dict) else None
    model = _KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)} (got {kind!r})")
    return model.model_validate(value)


#: one channel of ``alerts:``, picked by its ``kind``
AlertChannel = Annotated[WebhookChannel | EmailChannel, PlainValidator(_by_kind)]


def _named(channels: list[WebhookChannel | EmailChannel]) -> list[WebhookChannel | EmailChannel]:
    """Give unnamed channels ``<kind>-<position>``; refuse two channels of the same name."""
    out = [c if c.name else c.model_copy(update={"name": f"{c.kind}-{i}"}) for i, c in enumerate(channels, 1)]
    names = [c.name for c in out]
    twice = sorted({n for n in names if names.count(n) > 1 and n is not None})
    if twice:
        raise ValueError(f"channel name(s) used twice: {', '.join(twice)}")
    return out


#: the type of ``HubConfig.alerts``
AlertChannels = Annotated[list[AlertChannel], AfterValidator(_named)]
