"""Deliver a run's events to the channels subscribed to them: dedup window, bounded retries, a row per delivery.

Nothing here raises: the run (or the Airflow callback) that asks for alerts must finish the
same whether the receiver is up, slow, down or answering nonsense. Each channel has a time
budget for one notification (``budget_seconds``); attempts are cut to what is left, retriable
failures are retried with exponential backoff (tenacity), and once a channel has failed its
remaining events are recorded ``failed`` without another try. Every outcome is a row of
``alert_sent`` (sent | failed | suppressed) with secrets masked out of its error.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, or_, select

from hub.alerts.config import EmailChannel, WebhookChannel
from hub.alerts.events import Event, derive_events, failure_event
from hub.alerts.facts import read_facts
from hub.alerts.masking import mask, secret_values
from hub.clock import utcnow
from hub.errors import HubError
from hub.store.models import AlertSent

if TYPE_CHECKING:
    from hub.config import HubConfig

__all__ = ["Delivery", "notify_run", "notify_failure", "deliver"]

log = logging.getLogger("hub.alerts")
Channel = WebhookChannel | EmailChannel
Sender = Callable[[Channel, Event, float], None]
#: an attempt needs at least this much of the budget to be worth starting
_MIN_ATTEMPT = 0.2


@dataclass(frozen=True)
class Delivery:
    """What happened to one event on one channel."""

    channel: str
    event: str
    event_key: str
    status: str  # sent | failed | suppressed
    attempts: int = 0
    error: str | None = None


def notify_run(config: HubConfig, engine: Engine, run_id: int, *, now: dt.datetime | None = None) -> list[Delivery]:
    """Send the events of finished run ``run_id`` to every subscribed channel; never raises."""
    deliveries: list[Delivery] = []
    if not config.alerts:
        return deliveries
    try:
        facts = read_facts(config, engine, run_id)
        if facts is None:
            log.warning("alerts: no run %s in the store; nothing to tell", run_id)
            return deliveries
        now = now or utcnow()
    except Exception as exc:  # the run's own outcome must never depend on its alerts
        log.warning("alerts of run %s could not be worked out: %s", run_id, _masked(exc, config.alerts))
        return deliveries
    for channel in config.alerts:
        try:  # one channel's trouble does not keep the others quiet
            deliveries += deliver(engine, channel, derive_events(facts, channel, now), now)
        except Exception as exc:
            log.warning("alerts of run %s to channel %s failed: %s", run_id, channel.label, _masked(exc, [channel]))
    return deliveries


def notify_failure(
    config: HubConfig, engine: Engine | None, pipeline: str, reason: str, *, now: dt.datetime | None = None
) -> list[Delivery]:
    """Send a ``run_failed`` event for a run the store has no row of (it failed before opening one); never raises."""
    deliveries: list[Delivery] = []
    try:
        now = now or utcnow()
        event = failure_event(pipeline, reason, now)
        for channel in config.alerts:
            if "run_failed" in channel.events:
                deliveries += deliver(engine, channel, [event], now)
    except Exception as exc:
        log.warning("alerts of the failed %s run could not be sent: %s", pipeline, _masked(exc, config.alerts))
    return deliveries


def deliver(
    engine: Engine | None, channel: Channel, events: Iterable[Event], now: dt.datetime, sender: Sender | None = None
) -> list[Delivery]:
    """Deliver ``events`` through one channel within its budget; records and returns each outcome."""
    from hub.alerts.channels import send

    sender = sender or send
    secrets = secret_values(channel)
    deadline = time.monotonic() + channel.budget_seconds
    down: str | None = None
    out: list[Delivery] = []
    for event in events:
        if _recently_sent(engine, channel, event, now, secrets):
            result = Delivery(channel.label, event.name, event.key, "suppressed")
        elif down is not None:
            result = Delivery(channel.label, event.name, event.key, "failed", 0, f"not attempted: {down}")
        else:
            attempts, error = _attempt(sender, channel, event, deadline, secrets)
            result = Delivery(channel.label, event.name, event.key, "failed" if error else "sent", attempts, error)
            if error:
                down = "the channel failed earlier in this notification"
        _log(result)
        _record(engine, result, event.run_id, now, secrets)
        out.append(result)
    return out


def _attempt(
    sender: Sender, channel: Channel, event: Event, deadline: float, secrets: list[str]
) -> tuple[int, str | None]:
    """(attempts made, masked error or None): retriable hub errors are retried within the budget."""
    import tenacity

    attempts = 0

    def once() -> None:
        nonlocal attempts
        left = deadline - time.monotonic()
        if left < _MIN_ATTEMPT:
            raise TimeoutError(f"no time left of the channel's {channel.budget_seconds:g} s budget")
        attempts += 1
        sender(channel, event, min(channel.timeout_seconds, left))

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        delay = channel.backoff_seconds * 2 ** (state.attempt_number - 1)
        return max(delay, float(getattr(error, "retry_after", None) or 0))

    def stop(state: tenacity.RetryCallState) -> bool:
        left = deadline - time.monotonic()
        return state.attempt_number > channel.retries or left - state.upcoming_sleep < _MIN_ATTEMPT

    retrying = tenacity.Retrying(
        stop=stop,
        wait=wait,
        reraise=True,
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, HubError) and e.retriable),
    )
    try:
        retrying(once)
    except Exception as exc:
        return attempts, _masked(exc, [channel], secrets)
    return attempts, None


def _recently_sent(engine: Engine | None, channel: Channel, event: Event, now: dt.datetime, secrets: list[str]) -> bool:
    """True when the channel already delivered this key within its window (or for this very run)."""
    if engine is None:
        return False
    t = AlertSent.__table__
    same_run = t.c.run_id == event.run_id if event.run_id is not None else None
    recent = t.c.sent_at >= now - dt.timedelta(minutes=channel.window_minutes)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(t.c.id)
                .where(
                    t.c.channel == channel.label,
                    t.c.event_key == event.key,
                    t.c.status == "sent",
                    or_(recent, same_run) if same_run is not None else recent,
                )
                .limit(1)
            ).first()
    except Exception as exc:  # no dedup is better than no alert
        log.warning("alerts: cannot read the alerts already sent (%s); sending anyway", mask(str(exc), secrets)[:300])
        return False
    return row is not None


def _record(engine: Engine | None, d: Delivery, run_id: int | None, now: dt.datetime, secrets: list[str]) -> None:
    if engine is None:
        return
    try:
        with engine.begin() as conn:
            conn.execute(
                AlertSent.__table__.insert().values(
                    channel=d.channel,
                    event=d.event,
                    event_key=d.event_key,
                    run_id=run_id,
                    status=d.status,
                    attempts=d.attempts,
                    error=d.error,
                    sent_at=now,
                )
            )
    except Exception as exc:
        log.warning(
            "alerts: cannot record the %s delivery of %s to %s: %s",
            d.status,
            d.event_key,
            d.channel,
            mask(str(exc), secrets)[:300],
        )


def _log(d: Delivery) -> None:
    if d.status == "failed":
        log.warning(
            "alert %s to channel %s failed after %s attempt(s): %s", d.event_key, d.channel, d.attempts, d.error
        )
    elif d.status == "suppressed":
        log.info("alert %s to channel %s suppressed: already sent within the window", d.event_key, d.channel)
    else:
        log.info("alert %s sent to channel %s", d.event_key, d.channel)


def _masked(exc: BaseException, channels: Iterable[Any], secrets: list[str] | None = None) -> str:
    """The error as one line of text with every channel secret masked."""
    values = list(secrets or [])
    for c in channels:
        try:
            values += secret_values(c)
        except Exception:  # a half-built channel has nothing to mask
            pass
    text = str(exc) if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"
    return mask(" ".join(text.split()), sorted(set(values), key=len, reverse=True))[:1000]
