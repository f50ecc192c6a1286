"""The senders: one attempt at delivering one event to a webhook (JSON POST) or by e-mail (SMTP).

Failures are raised as hub errors (``hub.http.http_error`` for HTTP, ``hub.report.mail`` for
SMTP), so ``retriable`` says whether another attempt may help. Retries, dedup and recording
live in :mod:`hub.alerts.dispatch`.
"""

from __future__ import annotations

import html
import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hub.alerts.config import EmailChannel, WebhookChannel
from hub.alerts.events import Event
from hub.errors import ClientError, ConfigError

__all__ = ["send", "send_webhook", "send_email", "compose_email"]

_LABELS = {
    "run_failed": "run failed",
    "run_held": "run held",
    "breaker_held": "writes held by the circuit breaker",
    "dead_letters": "dead letters",
    "quarantine_spike": "quarantine spike",
    "stale_source": "stale source",
    "new_critical_discrepancies": "new critical discrepancies",
}


def send(channel: WebhookChannel | EmailChannel, event: Event, timeout: float) -> None:
    """Deliver ``event`` once through ``channel``; a failure raises a hub error."""
    if isinstance(channel, WebhookChannel):
        send_webhook(channel, event, timeout)
    else:
        send_email(channel, event, timeout)


def _headers(channel: WebhookChannel) -> dict[str, str]:
    headers = dict(channel.headers)
    for header, env in channel.secrets.items():
        value = os.environ.get(env)
        if not value:
            raise ConfigError(
                f"alert channel {channel.label!r}: environment variable {env} (header {header}) is not set"
            )
        headers[header] = value
    return headers


def send_webhook(channel: WebhookChannel, event: Event, timeout: float) -> None:
    """POST the event's JSON body; any answer outside 2xx is an error."""
    from hub.http import HttpPolicy, make_session

    headers = _headers(channel)
    policy = HttpPolicy(connect_timeout=timeout, read_timeout=timeout, verify=channel.ca_file or True, max_attempts=1)
    session = make_session(policy, system=f"alert channel {channel.label}")
    try:
        response = session.post(
            channel.url, json=event.body(), headers=headers, timeout=(timeout, timeout), allow_redirects=False
        )
        if not 200 <= response.status_code < 300:
            raise ClientError(
                f"the webhook answered {response.status_code} (a redirect is not followed)",
                system=f"alert channel {channel.label}",
                status=response.status_code,
            )
    finally:
        session.close()


def compose_email(channel: EmailChannel, event: Event) -> EmailMessage:
    """A short plain-text and HTML message with the event's facts."""
    subject = f"[ChannelHub] {event.pipeline}: {_LABELS.get(event.name, event.name)}"
    if event.run_id is not None:
        subject += f" (run {event.run_id})"
    facts: list[tuple[str, str]] = [
        ("Pipeline", event.pipeline),
        ("Run", str(event.run_id or "-")),
        ("Event", event.name),
        ("Outcome", event.outcome),
        ("At", event.at.isoformat()),
    ]
    facts += [(k.replace("_", " ").capitalize(), str(v)) for k, v in event.counts.items()]
    culprits = [_culprit_line(c) for c in event.culprits[:20]]
    text = [event.text, ""] + [f"{k}: {v}" for k, v in facts]
    if culprits:
        text += ["", "Culprits:"] + [f"- {c}" for c in culprits]
    rows = "".join(f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    items = "".join(f"<li>{html.escape(c)}</li>" for c in culprits)
    body = (
        f"<!doctype html><html><body><p><strong>{html.escape(event.text)}</strong></p><table>{rows}</table>"
        + (f"<p>Culprits:</p><ul>{items}</ul>" if items else "")
        + "</body></html>"
    )
    msg = EmailMessage()
    msg["From"] = channel.smtp.sender
    msg["To"] = ", ".join(channel.to)
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="channelhub.local")
    msg.set_content("\n".join(text) + "\n")
    msg.add_alternative(body, subtype="html")
    return msg


def _culprit_line(c: dict[str, object]) -> str:
    where = "/".join(str(c[k]) for k in ("system", "stream") if c.get(k))
    point = ", ".join(f"{k} {c[k]}" for k in ("file", "column", "rule") if c.get(k))
    head = " ".join(p for p in (str(c.get("kind") or ""), where, f"({point})" if point else "") if p)
    return f"{head}: {c['message']}" if c.get("message") else head


def send_email(channel: EmailChannel, event: Event, timeout: float) -> None:
    """Send the event's message over the channel's SMTP server (the attempt bounded by ``timeout``)."""
    from hub.report.mail import send_messages

    smtp = channel.smtp.model_copy(update={"timeout": min(channel.smtp.timeout, timeout)})
    send_messages(smtp, [compose_email(channel, event)])
