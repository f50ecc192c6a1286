"""Process-wide registry of secret values and their removal from text and log records."""

from __future__ import annotations

import base64
import logging
import re
import threading
from typing import Any
from urllib.parse import quote, quote_plus

__all__ = ["register_secret", "redact", "RedactingFilter", "install_log_filter", "MASK", "clear_secrets"]

MASK = "***"
MIN_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _forms(value: str) -> set[str]:
    """The value as written, base64-encoded and URL-encoded (how it travels in headers and URLs)."""
    raw = value.encode("utf-8")
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), base64.b64encode(raw).decode("ascii")}
    b64 = base64.b64encode(raw).decode("ascii").rstrip("=")
    if len(b64) >= MIN_LENGTH:
        forms.add(b64)
    return {f for f in forms if len(f) >= MIN_LENGTH}


def register_secret(value: Any) -> None:
    """Remember ``value`` (and its encodings) so ``redact`` hides it; values under 4 chars are ignored."""
    global _pattern
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    if len(text) < MIN_LENGTH:
        return
    with _lock:
        new = _forms(text) - _secrets
        if not new:
            return
        _secrets.update(new)
        # longest first so a value inside a longer registered value cannot leave a tail behind
        _pattern = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None


def redact(text: Any) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    s = text if isinstance(text, str) else str(text)
    pattern = _pattern
    return pattern.sub(MASK, s) if pattern is not None and s else s


class RedactingFilter(logging.Filter):
    """Redacts a record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_installed = RedactingFilter()
_factory_installed = False


def install_log_filter(logger: logging.Logger | None = None) -> RedactingFilter:
    """Redact every log record of the process; idempotent.

    The filter goes on ``logger`` (default: root) and its handlers, and a record factory
    applies it as records are made, so loggers and handlers configured later are covered too.
    """
    global _factory_installed
    target = logger or logging.getLogger()
    if _installed not in target.filters:
        target.addFilter(_installed)
    for handler in target.handlers:
        if _installed not in handler.filters:
            handler.addFilter(_installed)
    with _lock:
        if not _factory_installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                _installed.filter(record)
                return record

            logging.setLogRecordFactory(factory)
            _factory_installed = True
    return _installed
