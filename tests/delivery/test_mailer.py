from __future__ import annotations

import re
import resource
import signal
import traceback
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pandas as pd
import pytest

from engagement_pipeline.defs.resources import Mailer
from engagement_pipeline.lib.delivery.email_render import ReportLink, render_report_email
from engagement_pipeline.lib.delivery.mailer import MailDeliveryError, SmtpTarget, composing, parse_smtp_url
from tests.support.smtp_server import SmtpTestServer, self_signed_tls

PASSWORD = "p@ss:w/rd"
ENCODED_PASSWORD = "p%40ss%3Aw%2Frd"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", SmtpTarget("smtp", "127.0.0.1", 2525, "plain")),
        ("smtp://mail.example.com", SmtpTarget("smtp", "mail.example.com", 25, "plain")),
        (
            f"smtp+starttls://reports%40example.com:{ENCODED_PASSWORD}@smtp.example.com",
            SmtpTarget("smtp+starttls", "smtp.example.com", 587, "starttls", "reports@example.com", PASSWORD),
        ),
        (
            "smtp+starttls://u:pw@smtp.example.com:2587",
            SmtpTarget("smtp+starttls", "smtp.example.com", 2587, "starttls", "u", "pw"),
        ),
        (
            f"smtps://apikey:{ENCODED_PASSWORD}@smtp.example.com",
            SmtpTarget("smtps", "smtp.example.com", 465, "tls", "apikey", PASSWORD),
        ),
        ("SMTPS://relay.example.com:1465", SmtpTarget("smtps", "relay.example.com", 1465, "tls")),
    ],
)
def test_parse_smtp_url(url: str, expected: SmtpTarget) -> None:
    target = parse_smtp_url(url)
    assert target == expected
    assert target.password == expected.password


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"http://user:{ENCODED_PASSWORD}@smtp.example.com", "unknown scheme 'http'"),
        (f"smtp+ssl://user:{ENCODED_PASSWORD}@smtp.example.com:465", "unknown scheme 'smtp+ssl'"),
        (f"smtps://user:{ENCODED_PASSWORD}@", "no host name"),
        (f"smtps://user:{ENCODED_PASSWORD}@smtp.example.com:fourfivesix", "port must be a number"),
        (f"smtps://user:{ENCODED_PASSWORD}@smtp.example.com/inbox", "unexpected path"),
        (f"smtps://:{ENCODED_PASSWORD}@smtp.example.com", "password was given without a user name"),
    ],
)
def test_bad_smtp_url_is_explained_without_the_password(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_smtp_url(url)
    shown = str(caught.value)
    assert "***" in shown
    assert ENCODED_PASSWORD not in shown and PASSWORD not in shown


def test_redacted_target_and_repr_hide_the_password() -> None:
    target = parse_smtp_url(f"smtps://apikey:{ENCODED_PASSWORD}@smtp.example.com")
    assert target.redacted() == "smtps://apikey:***@smtp.example.com:465"
    assert PASSWORD not in repr(target)


def _report_email(recipients: list[str]) -> EmailMessage:
    return render_report_email(
        report_name="Weekly engagement",
        period_start=date(2026, 11, 16),
        period_end=date(2026, 11, 22),
        recipients=recipients,
        sender="Engagement Reports <reports@example.com>",
        links=[
            ReportLink(
                "campaigns.csv.zip",
                "https://reports.example.com/campaigns.csv.zip?X-Amz-Signature=abc&X-Amz-Expires=3600",
                datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
                48_213,
            ),
        ],
        summary=pd.DataFrame({"channel": ["email"], "sent": [120_400], "unique_open_rate": [0.3125]}),
        series=pd.DataFrame({"period_start": pd.date_range("2026-11-16", periods=7), "email": range(7)}),
        key_stat="unique_opens",
        generated_at=datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
    )


def _simple_email(to: str = "ops@example.com") -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Report held"
    msg["To"] = to
    msg.set_content("The weekly report was held.")
    return msg


@pytest.mark.smtp
def test_report_email_arrives_through_a_real_smtp_server(smtp_server: SmtpTestServer) -> None:
    mailer = Mailer(smtp_url=f"smtp://{smtp_server.host}:{smtp_server.port}", timeout_seconds=5)
    result = mailer.send(_report_email(["ana@example.com", "Bo <bo@example.org>"]))

    assert result.transport == "smtp" and result.path is None
    [envelope] = smtp_server.envelopes
    assert set(envelope.rcpt_tos) == {"ana@example.com", "bo@example.org"}
    received = envelope.message
    assert received["Subject"] == "Weekly engagement: 2026-11-16 – 2026-11-22"
    assert received["Message-ID"] == result.message_id
    assert received["Date"] is not None
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "campaigns.csv.zip" in text and "expires 2026-11-23 15:00 UTC" in text
    assert 'href="https://reports.example.com/campaigns.csv.zip?X-Amz-Signature=abc&amp;X-Amz-Expires=3600"' in html
    assert "120,400" in html and "31.2%" in html
    [image] = [part for part in received.walk() if part.get_content_type() == "image/png"]
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.smtp
def test_starttls_with_login_delivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, cert_path = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    with SmtpTestServer(tls_context=context, credentials=("reports@example.com", PASSWORD)) as server:
        url = f"smtp+starttls://reports%40example.com:{ENCODED_PASSWORD}@{server.host}:{server.port}"
        Mailer(smtp_url=url, timeout_seconds=5).send(_simple_email())
    assert [m["Subject"] for m in server.messages] == ["Report held"]


@pytest.mark.smtp
def test_smtps_with_login_delivers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, cert_path = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    with SmtpTestServer(tls_context=context, implicit_tls=True, credentials=("apikey", PASSWORD)) as server:
        url = f"smtps://apikey:{ENCODED_PASSWORD}@{server.host}:{server.port}"
        Mailer(smtp_url=url, timeout_seconds=5).send(_simple_email())
    assert [m["To"] for m in server.messages] == ["ops@example.com"]


@pytest.mark.smtp
def test_wrong_password_is_reported_with_the_server_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context, cert_path = self_signed_tls(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    with SmtpTestServer(tls_context=context, credentials=("apikey", "the-right-one")) as server:
        url = f"smtp+starttls://apikey:{ENCODED_PASSWORD}@{server.host}:{server.port}"
        with pytest.raises(MailDeliveryError) as caught:
            Mailer(smtp_url=url, timeout_seconds=5).send(_simple_email())
    assert caught.value.code == 535 and caught.value.transient is False
    assert f"smtp+starttls://apikey:***@{server.host}:{server.port}" in str(caught.value)
    assert server.messages == []


@pytest.mark.smtp
def test_server_down_raises_a_delivery_error_without_the_password(smtp_server: SmtpTestServer) -> None:
    url = f"smtp+starttls://apikey:{ENCODED_PASSWORD}@{smtp_server.host}:{smtp_server.port}"
    smtp_server.stop()
    with pytest.raises(MailDeliveryError) as caught:
        Mailer(smtp_url=url, timeout_seconds=5).send(_simple_email())
    shown = str(caught.value)
    assert f"{smtp_server.host}:{smtp_server.port}" in shown and "ConnectionRefusedError" in shown
    logged = "".join(traceback.format_exception(caught.value))
    assert PASSWORD not in logged and ENCODED_PASSWORD not in logged

    smtp_server.start()
    Mailer(smtp_url=f"smtp://{smtp_server.host}:{smtp_server.port}", timeout_seconds=5).send(_simple_email())
    assert len(smtp_server.messages) == 1


@pytest.mark.smtp
@pytest.mark.parametrize(
    ("refused", "data_reply", "code", "transient"),
    [
        ({}, "451 4.3.0 Try again later", 451, True),
        ({}, "421 4.7.0 Too many connections, slow down", 421, True),
        ({}, "554 5.6.0 Message rejected as spam", 554, False),
        ({"ops@example.com": "450 4.2.1 Mailbox busy"}, None, None, True),
        ({"ops@example.com": "550 5.1.1 No such user"}, None, None, False),
    ],
)
def test_an_smtp_answer_is_classified_as_temporary_or_permanent(
    smtp_server: SmtpTestServer, refused: dict, data_reply: str | None, code: int | None, transient: bool
) -> None:
    smtp_server.refused_recipients = refused
    smtp_server.data_reply = data_reply
    with pytest.raises(MailDeliveryError) as caught:
        Mailer(smtp_url=f"smtp://{smtp_server.host}:{smtp_server.port}", timeout_seconds=5).send(_simple_email())
    assert (caught.value.code, caught.value.transient) == (code, transient)
    answer = data_reply or next(iter(refused.values()))
    assert answer.split(" ", 1)[1] in str(caught.value)
    assert ("temporary failure" if transient else "permanent failure") in str(caught.value)
    assert smtp_server.messages == []


@pytest.mark.smtp
def test_a_server_that_refuses_connections_is_a_temporary_failure(smtp_server: SmtpTestServer) -> None:
    smtp_server.stop()
    with pytest.raises(MailDeliveryError) as caught:
        Mailer(smtp_url=f"smtp://{smtp_server.host}:{smtp_server.port}", timeout_seconds=5).send(_simple_email())
    assert caught.value.transient is True and "ConnectionRefusedError" in str(caught.value)


def test_a_line_break_in_a_header_is_a_permanent_failure_that_names_its_cause(tmp_path: Path) -> None:
    with pytest.raises(MailDeliveryError) as subject:
        with composing("report email of promo"):
            _report_email(["ana@example.com"]).replace_header("Subject", "Promo\r\nBcc: someone@evil.example")
    with pytest.raises(MailDeliveryError) as sender:
        Mailer(outbox_dir=str(tmp_path), sender="Reports <r@example.com>\r\nBcc: someone@evil.example").send(_simple_email())
    for caught in (subject, sender):
        assert caught.value.transient is False and "linefeed or carriage return" in str(caught.value)
    assert "report email of promo" in str(subject.value) and list(tmp_path.iterdir()) == []


def test_outbox_writes_one_complete_eml_file(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mailer = Mailer(outbox_dir=str(outbox), sender="Reports <reports@example.com>")
    result = mailer.send(_report_email(["ana@example.com"]))

    assert result.transport == "outbox" and result.path is not None
    assert [p.name for p in outbox.iterdir()] == [result.path.name]
    assert result.path.name.endswith(".eml") and result.path.name.endswith("example.com.eml")
    parsed = message_from_bytes(result.path.read_bytes(), policy=default)
    assert parsed["Message-ID"] == result.message_id
    assert parsed["From"] == "Engagement Reports <reports@example.com>"
    assert parsed["Subject"] == "Weekly engagement: 2026-11-16 – 2026-11-22"
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]


def test_outbox_fills_in_missing_headers_and_keeps_each_message(tmp_path: Path) -> None:
    mailer = Mailer(outbox_dir=str(tmp_path), sender="Ops <ops-bot@example.com>")
    first, second = mailer.send(_simple_email()), mailer.send(_simple_email())

    assert first.path != second.path and first.message_id != second.message_id
    parsed = message_from_bytes(first.path.read_bytes(), policy=default)  # type: ignore[union-attr]
    assert parsed["From"] == "Ops <ops-bot@example.com>"
    assert parsed["Date"].datetime.tzinfo is not None
    assert parsed["Message-ID"].endswith("@example.com>")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".eml", ".eml"]


def test_outbox_disk_full_leaves_no_partial_file(tmp_path: Path) -> None:
    msg = _report_email(["ana@example.com"])
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, limits[1]))
    try:
        with pytest.raises(OSError):
            Mailer(outbox_dir=str(tmp_path)).send(msg)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert list(tmp_path.iterdir()) == []


def test_mailer_without_url_or_outbox_says_what_to_set() -> None:
    with pytest.raises(ValueError, match="set smtp_url .* or outbox_dir"):
        Mailer().send(_simple_email())


def test_message_without_recipients_is_refused(tmp_path: Path) -> None:
    msg = _simple_email()
    del msg["To"]
    with pytest.raises(ValueError, match="no recipients"):
        Mailer(outbox_dir=str(tmp_path)).send(msg)


def test_a_long_subject_with_a_dash_decodes_without_a_double_space(tmp_path: Path) -> None:
    msg = _report_email(["ana@example.com"])
    msg.replace_header("Subject", "Black Friday variants and Cart Recovery steps: 2026-11-16 – 2026-11-22")
    result = Mailer(outbox_dir=str(tmp_path), sender="Reports <reports@example.com>").send(msg)

    raw = result.path.read_bytes()
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == "Black Friday variants and Cart Recovery steps: 2026-11-16 – 2026-11-22"
    assert all(len(line) <= 78 for line in raw.split(b"\n\n", 1)[0].splitlines())
