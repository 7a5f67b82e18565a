"""Delivery of report emails: through an SMTP server, or into a local outbox of .eml files.

The SMTP server is given as a URL whose scheme picks the transport security:
``smtp://host:port`` (plain, no TLS), ``smtp+starttls://user:pass@host:587`` (STARTTLS) and
``smtps://user:pass@host:465`` (implicit TLS). User and password are URL-decoded. The password
never appears in a log line or an error message: those use ``SmtpTarget.redacted()``.

Every failure to deliver is a ``MailDeliveryError`` that says whether it is transient (the same
message may go through later: connection refused or reset, timeout, DNS failure, a 4xx answer)
or permanent (a 5xx answer, a rejected login, a TLS certificate or protocol mismatch, or a
message that cannot be written, such as a header with a line break). Callers retry the first
kind and never the second; the rules live here only.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

Security = Literal["plain", "starttls", "tls"]

_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to reach an SMTP server, parsed from an SMTP URL."""

    scheme: str
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def redacted(self) -> str:
        """The URL with the password replaced by ``***``, safe for logs."""
        userinfo = ""
        if self.username is not None:
            userinfo = quote(self.username, safe="") + (":***" if self.password else "") + "@"
        return f"{self.scheme}://{userinfo}{self.host}:{self.port}"


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, hostport = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostport}{rest[len(authority) :]}"


def parse_smtp_url(url: str) -> SmtpTarget:
    """Parse ``smtp://``, ``smtp+starttls://`` or ``smtps://`` URLs; errors never show the password."""
    shown = _redact_url(url)
    expected = "expected smtp://host[:port], smtp+starttls://user:pass@host[:port] or smtps://user:pass@host[:port]"
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"SMTP URL {shown!r}: unknown scheme {parts.scheme!r}; {expected}")
    if not parts.hostname:
        raise ValueError(f"SMTP URL {shown!r}: no host name; {expected}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"SMTP URL {shown!r}: unexpected path or query after the host; {expected}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"SMTP URL {shown!r}: the port must be a number from 1 to 65535") from None
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if password and not username:
        raise ValueError(f"SMTP URL {shown!r}: a password was given without a user name")
    security, default_port = _SCHEMES[scheme]
    return SmtpTarget(scheme, parts.hostname, port or default_port, security, username, password)


@dataclass(frozen=True)
class SendResult:
    """What happened to one message: its Message-ID, the transport, and the .eml path in outbox mode."""

    message_id: str
    transport: Literal["smtp", "outbox"]
    path: Path | None = None
    refused_recipients: tuple[str, ...] = ()


class MailDeliveryError(RuntimeError):
    """The message was not delivered; ``transient`` says whether sending it again later may work.

    Never carries the password."""

    def __init__(self, server: str, code: int | None, text: str, *, transient: bool) -> None:
        self.server = server
        self.code = code
        self.text = text
        self.transient = transient
        detail = f"{code} {text}" if code is not None else text
        where = f" via {server}" if server else ""
        kind = "temporary failure, will retry" if transient else "permanent failure"
        super().__init__(f"could not send mail{where} ({kind}): {detail}")


_INVALID_MESSAGE = (ValueError, MessageError)


@contextmanager
def composing(what: str) -> Iterator[None]:
    """Build a message inside this block: a value that cannot go into a header (a line break in a
    subject or a name, a malformed address) becomes a permanent ``MailDeliveryError`` naming ``what``."""
    try:
        yield
    except _INVALID_MESSAGE as exc:
        raise MailDeliveryError("", None, f"invalid message ({what}): {exc}", transient=False) from exc


def encode_subject(msg: EmailMessage) -> None:
    """Store a non-ASCII Subject as RFC 2047 encoded words, folded between encoded words.

    Python's own folding breaks the line between a plain word and an encoded word (the dash), and
    readers then show two spaces before the dash; whitespace between two encoded words is ignored,
    so this subject decodes exactly as written."""
    subject = msg["Subject"]
    if subject is None or str(subject).isascii():
        return
    del msg["Subject"]
    msg.set_raw("Subject", Header(str(subject), "utf-8", header_name="Subject").encode())


def _is_transient_code(code: int) -> bool:
    """4xx answers are temporary by RFC 5321; so is a reply smtplib could not read (code -1)."""
    return not 500 <= code < 600


def _classify(exc: Exception) -> tuple[int | None, str, bool]:
    """(SMTP code, description, transient) of an error raised while talking to the server."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        transient = all(_is_transient_code(code) for code, _ in exc.recipients.values())
        return None, f"all recipients refused ({refused})", transient
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code, _text(exc.smtp_error), _is_transient_code(exc.smtp_code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return None, f"the server closed the connection: {exc}", True
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return None, f"the server does not support what this message needs: {exc}", False
    if isinstance(exc, TimeoutError):
        return None, "timed out waiting for the server", True
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLEOFError):
        return None, f"TLS failed (check the URL's scheme and port, and the certificate): {type(exc).__name__}: {exc}", False
    if isinstance(exc, _INVALID_MESSAGE):
        return None, f"invalid message: {exc}", False
    return None, f"{type(exc).__name__}: {exc}", True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _safe_file_part(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", message_id.strip("<> "))[:120]


class MailSender:
    """What the `Mailer` resource (defs/resources.py) does, in plain Python: sends email through
    ``smtp_url``, or writes .eml files to ``outbox_dir`` when no URL is set. A subclass provides
    ``smtp_url``, ``outbox_dir``, ``sender`` and ``timeout_seconds``, and may log elsewhere."""

    smtp_url: str | None
    outbox_dir: str
    sender: str
    timeout_seconds: float

    def logger(self) -> logging.Logger:
        return logging.getLogger("engagement_pipeline.mail")

    def target(self) -> SmtpTarget | None:
        """The parsed SMTP URL, or None in outbox mode."""
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    def send(self, msg: EmailMessage) -> SendResult:
        """Deliver ``msg``, filling in From, Date and Message-ID when missing."""
        with composing("headers"):
            self._complete_headers(msg)
        if not any(msg.get_all(h) for h in ("To", "Cc", "Bcc")):
            raise ValueError(f"email {msg['Subject']!r}: no recipients; set To, Cc or Bcc")
        target = self.target()
        if target is None:
            return self._write_outbox(msg)
        return self._send_smtp(target, msg)

    def _complete_headers(self, msg: EmailMessage) -> None:
        encode_subject(msg)
        if msg["From"] is None:
            msg["From"] = self.sender
        if msg["Date"] is None:
            msg["Date"] = format_datetime(datetime.now(UTC))
        if msg["Message-ID"] is None:
            domain = parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"
            msg["Message-ID"] = make_msgid(domain=domain)

    def _send_smtp(self, target: SmtpTarget, msg: EmailMessage) -> SendResult:
        try:
            with self._connect(target) as client:
                refused = client.send_message(msg)
        except (smtplib.SMTPException, OSError, *_INVALID_MESSAGE) as exc:
            code, text, transient = _classify(exc)
            if target.password:
                text = text.replace(target.password, "***")
            raise MailDeliveryError(target.redacted(), code, text, transient=transient) from exc
        if refused:
            self.logger().warning(f"{target.redacted()} refused some recipients of {msg['Message-ID']}: {sorted(refused)}")
        self.logger().info(f"sent {msg['Message-ID']} via {target.redacted()}")
        return SendResult(str(msg["Message-ID"]), "smtp", None, tuple(sorted(refused)))

    def _connect(self, target: SmtpTarget) -> smtplib.SMTP:
        if target.security == "tls":
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=self.timeout_seconds, context=context)
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=self.timeout_seconds)
        try:
            if target.security == "starttls":
                client.ehlo()
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if target.username:
                client.login(target.username, target.password or "")
        except BaseException:
            client.close()
            raise
        return client

    def _write_outbox(self, msg: EmailMessage) -> SendResult:
        if not self.outbox_dir:
            raise ValueError("Mailer: set smtp_url to send through SMTP, or outbox_dir to write .eml files")
        outbox = Path(self.outbox_dir)
        outbox.mkdir(parents=True, exist_ok=True)
        message_id = str(msg["Message-ID"])
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = outbox / f"{stamp}-{_safe_file_part(message_id)}.eml"
        fd, tmp_name = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".eml.tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(msg.as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        self.logger().info(f"wrote {message_id} to {path}")
        return SendResult(message_id, "outbox", path)


@dataclass
class OutboxMailer(MailSender):
    """A sender that only writes .eml files to ``outbox_dir`` (the alert fallback when SMTP fails)."""

    outbox_dir: str
    sender: str
    smtp_url: str | None = None
    timeout_seconds: float = 30
