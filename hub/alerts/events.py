"""The events of a finished run, as a channel's thresholds see them: pure functions of :class:`RunFacts`.

Each event has a *key* that says "the same problem": the dedup window of a channel sends one
key once. Keys name the pipeline and what went wrong, never counts or times, so the same
failure every five minutes alerts once per window while a different culprit alerts at once::

    run_failed:<pipeline>:<culprits>        run_held:<pipeline>:<culprits>
    breaker_held:<pipeline>:<targets>       dead_letters:<pipeline>:<targets>
    quarantine_spike:<pipeline>:<streams>   stale_source:<pipeline>:<streams>
    new_critical_discrepancies:<pipeline>:run<id>   (new ones are new in every run)

A culprit's signature is its kind, system/stream and column or rule (not its file, whose name
often carries a date, nor its message, which carries counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from hub.alerts.config import SEVERITIES, EmailChannel, WebhookChannel
from hub.alerts.facts import RunFacts

__all__ = ["Event", "derive_events", "failure_event"]

_KEY_MAX = 160
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Event:
    """One thing a person should know about, with everything a message needs."""

    name: str
    key: str
    pipeline: str
    run_id: int | None
    outcome: str
    text: str
    culprits: tuple[dict[str, Any], ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def body(self) -> dict[str, Any]:
        """The webhook JSON body (``text`` is what Slack-compatible hooks show)."""
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "event": self.name,
            "outcome": self.outcome,
            "culprits": list(self.culprits),
            "counts": dict(self.counts),
            "text": self.text,
            "details": dict(self.details),
            "at": self.at.isoformat(),
        }


def derive_events(facts: RunFacts, channel: WebhookChannel | EmailChannel, now: dt.datetime) -> list[Event]:
    """Every event of ``facts`` the channel subscribes to, judged by the channel's thresholds."""
    makers = {
        "run_failed": _run_outcome,
        "run_held": _run_outcome,
        "breaker_held": _breaker_held,
        "dead_letters": _dead_letters,
        "quarantine_spike": _quarantine_spike,
        "stale_source": _stale_source,
        "new_critical_discrepancies": _new_critical,
    }
    out = []
    for name in channel.events:
        event = makers[name](name, facts, channel, now)
        if event is not None:
            out.append(event)
    return out


def failure_event(pipeline: str, reason: str, now: dt.datetime, outcome: str = "failed") -> Event:
    """A ``run_failed`` event for a run the store has no row of (e.g. an Airflow run that failed before opening one)."""
    first = (reason or "failed").strip().splitlines()[0][:300]
    return Event(
        "run_failed",
        f"run_failed:{pipeline}:{_shorten(_DIGITS.sub('#', first))}",
        pipeline,
        None,
        outcome,
        f"ChannelHub: a run of {pipeline} {outcome}: {first}",
        at=now,
    )


def _prefix(facts: RunFacts) -> str:
    return f"ChannelHub: run {facts.run_id} of {facts.pipeline}"


def _event(name: str, facts: RunFacts, what: str, text: str, now: dt.datetime, **details: Any) -> Event:
    return Event(
        name,
        f"{name}:{facts.pipeline}:{_shorten(what)}",
        facts.pipeline,
        facts.run_id,
        facts.outcome,
        text,
        tuple(facts.culprits),
        facts.counts(),
        details,
        now,
    )


def _shorten(what: str) -> str:
    return what if len(what) <= _KEY_MAX else hashlib.sha256(what.encode()).hexdigest()[:24]


def _culprit_signature(c: dict[str, Any]) -> str:
    where = "/".join(str(c[k]) for k in ("system", "stream") if c.get(k))
    point = next((str(c[k]) for k in ("column", "rule", "field") if c.get(k)), "")
    sig = ":".join(p for p in (str(c.get("kind") or "error"), where, point) if p)
    if not where and not point:  # nothing structured: the message, without its numbers
        sig += ":" + _DIGITS.sub("#", str(c.get("message") or ""))[:120]
    return sig


def _describe(c: dict[str, Any]) -> str:
    if c.get("message"):
        where = "/".join(str(c[k]) for k in ("system", "stream") if c.get(k))
        message = str(c["message"]).strip().splitlines()[0] if str(c["message"]).strip() else ""
        return message if not where or where in message else f"{where}: {message}"
    return _culprit_signature(c)


def _run_outcome(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    wanted = "failed" if name == "run_failed" else "held"
    if facts.outcome != wanted:  # the summary's outcome, else the run's status
        return None
    if facts.culprits:
        what = ",".join(sorted({_culprit_signature(c) for c in facts.culprits}))
        why = _describe(facts.culprits[0]) + (
            f" (and {len(facts.culprits) - 1} more)" if len(facts.culprits) > 1 else ""
        )
    else:
        first = (facts.error or "no reason recorded").strip().splitlines()[0][:300]
        what, why = _DIGITS.sub("#", first), first
    return _event(name, facts, what, f"{_prefix(facts)} {wanted}: {why}", now)


def _breaker_held(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    if not facts.breaker_held:
        return None
    targets = ", ".join(facts.breaker_held)
    text = (
        f"{_prefix(facts)}: the circuit breaker held the writes to {targets}; review them and approve with "
        f"'hub push --approve {facts.run_id}'"
    )
    return _event(name, facts, ",".join(facts.breaker_held), text, now, targets=list(facts.breaker_held))


def _dead_letters(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    if not facts.dead_letters:
        return None
    n = sum(d["count"] for d in facts.dead_letters)
    parts = ", ".join(f"{d['system']}/{d['stream']} {d['count']}" for d in facts.dead_letters)
    last = next((d["error"] for d in facts.dead_letters if d["error"]), "")
    text = f"{_prefix(facts)}: {n} write(s) became dead letters ({parts})" + (
        f"; last error: {last[:200]}" if last else ""
    )
    targets = sorted(f"{d['system']}/{d['stream']}" for d in facts.dead_letters)
    return _event(name, facts, ",".join(targets), text, now, dead_letters=facts.dead_letters)


def _quarantine_spike(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    n, prev = facts.quarantined, facts.previous_quarantined
    by_rows = n >= channel.quarantine_spike_rows
    by_factor = (
        channel.quarantine_spike_factor > 0
        and prev is not None
        and n >= channel.quarantine_spike_min_rows
        and n >= channel.quarantine_spike_factor * max(prev, 1)
    )
    if not (by_rows or by_factor):
        return None
    streams = facts.quarantined_by_stream()
    top = ", ".join(f"{k} {v}" for k, v in sorted(streams.items(), key=lambda kv: -kv[1])[:5])
    before = f" (previous run: {prev})" if prev is not None else ""
    text = f"{_prefix(facts)} quarantined {n} rows{before}: {top}"
    return _event(name, facts, ",".join(sorted(streams)), text, now, quarantined=streams, previous=prev)


def _stale_source(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    limit = now - dt.timedelta(hours=channel.stale_hours)
    stale = [p for p in facts.profiles if p["data_at"] is not None and p["data_at"] < limit]
    if not stale:
        return None
    labels = [f"{p['system']}/{p['stream']}" for p in stale]
    ages = ", ".join(
        f"{lbl} since {p['data_at']:%Y-%m-%d %H:%M} UTC ({(now - p['data_at']).total_seconds() / 3600:.0f} h)"
        for lbl, p in zip(labels, stale)
    )
    text = f"ChannelHub: pipeline {facts.pipeline} (run {facts.run_id}): no new data for over {channel.stale_hours:g} h from {ages}"
    return _event(
        name,
        facts,
        ",".join(labels),
        text,
        now,
        stale=[{"stream": lbl, "data_at": p["data_at"].isoformat()} for lbl, p in zip(labels, stale)],
    )


def _new_critical(name: str, facts: RunFacts, channel: Any, now: dt.datetime) -> Event | None:
    floor = SEVERITIES.index(channel.min_severity)
    found = [
        d for d in facts.new_discrepancies if d["severity"] in SEVERITIES and SEVERITIES.index(d["severity"]) >= floor
    ]
    if not found:
        return None
    n = sum(d["count"] for d in found)
    parts = ", ".join(f"{d['kind']} {d['count']} ({d['severity']})" for d in found)
    text = f"{_prefix(facts)} opened {n} new discrepancies of severity {channel.min_severity} or above: {parts}"
    return _event(name, facts, f"run{facts.run_id}", text, now, discrepancies=found)
