"""E-mail delivery: compose a message per audience (HTML summary body, attachments) and send it over SMTP.

SMTP failures are mapped to the hub's error tree in one place (:func:`_map_error`): rejected
credentials -> AuthError, refused sender or recipients and 5xx replies -> ClientError, 4xx
replies, timeouts and dropped connections -> TransientError, TLS failures -> SourceError.
The password comes from the environment only when connecting and never appears in errors.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from hub.errors import AuthError, ClientError, SourceError, TransientError
from hub.report.cells import format_value
from hub.report.config import SmtpConfig, smtp_password
from hub.report.model import Report

__all__ = ["compose", "send_messages", "plain_text"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plain_text(report: Report) -> str:
    """The key figures as plain text (the alternative part of the mail)."""
    lines = [report.title]
    if report.run:
        lines.append(f"Run {report.run.id} of {report.run.pipeline}, as of {report.scope.as_of}")
    for s in report.sections:
        lines += ["", s.title, "-" * len(s.title)]
        lines += [f"{f.label}: {format_value(f.value, f.kind) or '-'}" for f in s.figures]
    return "\n".join(lines) + "\n"


def compose(
    report: Report,
    *,
    sender: str,
    to: Iterable[str],
    cc: Iterable[str] = (),
    subject: str,
    attachments: Iterable[Path] = (),
) -> EmailMessage:
    """One message: plain-text and HTML summary alternatives, then the attachments."""
    from hub.report.render_html import email_html

    files = list(attachments)
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc := list(cc):
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = " ".join(subject.split())  # no header injection through line breaks
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="channelhub.local")
    msg.set_content(plain_text(report))
    msg.add_alternative(email_html(report, [p.name for p in files]), subtype="html")
    for path in files:
        ctype = _XLSX if path.suffix == ".xlsx" else (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def send_messages(smtp: SmtpConfig, messages: Iterable[EmailMessage]) -> int:
    """Send ``messages`` over one SMTP session; returns how many were sent."""
    password = smtp_password(smtp)
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    sent = 0
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.effective_port, timeout=smtp.timeout, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.effective_port, timeout=smtp.timeout)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                client.login(smtp.username, password or "")
            for msg in messages:
                client.send_message(msg)
                sent += 1
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise _map_error(exc, smtp) from None
    return sent


def _map_error(exc: BaseException, smtp: SmtpConfig) -> SourceError:
    where = {"system": "smtp", "host": f"{smtp.host}:{smtp.effective_port}"}
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return AuthError(
            f"the SMTP server rejected the login of {smtp.username!r} ({exc.smtp_code})", status=exc.smtp_code, **where
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return ClientError(f"the SMTP server refused the recipients {', '.join(sorted(exc.recipients))}", **where)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return ClientError(
            f"the SMTP server refused the sender {exc.sender!r}: {exc.smtp_code}", status=exc.smtp_code, **where
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ClientError(f"the SMTP server does not support what the config asks ({exc}); check 'security'", **where)
    if isinstance(exc, smtplib.SMTPResponseException):
        error = TransientError if 400 <= exc.smtp_code < 500 else ClientError
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return error(f"the SMTP server answered {exc.smtp_code}: {text}", status=exc.smtp_code, **where)
    if isinstance(exc, ssl.SSLError):
        return SourceError(f"TLS with the SMTP server failed: {exc.reason or exc}", **where)
    return TransientError(f"cannot talk to the SMTP server: {exc}", **where)
