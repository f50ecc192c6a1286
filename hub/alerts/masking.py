"""Secrets of a channel and how to hide them: the values to mask in any text, and a URL safe to show.

A webhook URL may carry its token in the query string, the user info or the path (Slack and
Teams put it in the path); header values come from the environment; the SMTP password too. Every
error text an alert records or logs goes through :func:`mask` with the channel's secret values,
so a receiver that echoes a token in its error body cannot get it into a log or the store; the
values are also registered with :mod:`hub.redact`, whose log filter hides them everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from hub.alerts.config import EmailChannel, WebhookChannel
from hub.redact import redact, register_secret

__all__ = ["secret_values", "mask", "display_url"]

MASK = "***"
#: a path segment this long made of token characters is treated as a credential
_TOKENISH = re.compile(r"^[A-Za-z0-9_\-.~%]{16,}$")
#: values shorter than this are not masked (masking "a" would garble every message)
_MIN_SECRET = 4


def display_url(url: str) -> str:
    """``url`` without user info, query, fragment or token-like path segments."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = "/".join(MASK if _TOKENISH.match(seg) else seg for seg in parts.path.split("/"))
    return urlunsplit((parts.scheme, host, path, MASK if parts.query else "", ""))


def _url_secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    out = [url]
    if parts.query:
        out.append(parts.query)
        out += [v for _, v in parse_qsl(parts.query, keep_blank_values=True)]
        out += [pair.partition("=")[2] for pair in parts.query.split("&")]  # the values as written (URL-encoded)
    if parts.username:
        out += [parts.username, unquote(parts.username)]
    if parts.password:
        out += [parts.password, unquote(parts.password)]
    out += [seg for seg in parts.path.split("/") if _TOKENISH.match(seg)]
    out += [unquote(seg) for seg in parts.path.split("/") if _TOKENISH.match(seg)]
    return out


def secret_values(channel: WebhookChannel | EmailChannel) -> list[str]:
    """Every secret value the channel uses now (from its URL and the environment), longest first."""
    values: list[str] = []
    if isinstance(channel, WebhookChannel):
        values += _url_secrets(channel.url)
        values += [os.environ.get(env, "") for env in channel.secrets.values()]
    elif channel.smtp.password_env:
        values.append(os.environ.get(channel.smtp.password_env, ""))
    found = sorted({v for v in values if len(v) >= _MIN_SECRET}, key=len, reverse=True)
    for value in found:  # the process-wide registry: log filters and other error paths hide them too
        register_secret(value)
    return found


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for value in secrets:  # longest first, so a value inside another is not half-masked
        if value and value in text:
            text = text.replace(value, MASK)
    return redact(text)
