"""Alerts to ENGAGEMENT_ALERT_RECIPIENTS through the mailer, with an outbox fallback.

When the SMTP server itself is down, the alert would be lost with it: it is written as an
.eml file into the outbox folder instead (the mailer's ``outbox_dir``, else
``$ENGAGEMENT_HOME/outbox``), and the log says where.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from engagement_pipeline.lib.delivery.email_render import render_alert_email
from engagement_pipeline.lib.delivery.mailer import MailDeliveryError, MailSender, OutboxMailer, SendResult


def outbox_folder(mailer: MailSender, home: str) -> Path:
    return Path(mailer.outbox_dir) if mailer.outbox_dir else Path(home) / "outbox"


def send_alert(
    mailer: MailSender,
    recipients: Sequence[str],
    *,
    subject: str,
    headline: str,
    details: Mapping[str, str],
    fallback_dir: Path,
    log: Callable[[str], None],
    link: str | None = None,
) -> SendResult | None:
    """Email an alert; None (and a log line) when no alert recipient is configured.

    Line breaks and other control characters in ``subject`` (a report name can carry them
    into it) become spaces: the alert about a message that could not be written must not
    fail the same way."""
    subject = " ".join("".join(c if c.isprintable() else " " for c in subject).split())
    if not recipients:
        log(f"alert not sent, ENGAGEMENT_ALERT_RECIPIENTS is empty: {subject}")
        return None
    msg = render_alert_email(subject=subject, recipients=recipients, sender=mailer.sender, headline=headline, details=details, link=link)
    try:
        return mailer.send(msg)
    except MailDeliveryError as exc:
        result = OutboxMailer(outbox_dir=str(fallback_dir), sender=mailer.sender).send(msg)
        log(f"alert {subject!r} could not be emailed ({exc}); written to {result.path} instead")
        return result
