"""SMTP outages and refusals on a real SMTP server: automatic retries through the schedule sensor,
permanent failures logged with their cause and alerted once, resend once, run-failure alerts."""

import json
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import dagster as dg
import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.defs.delivery.sensors import alert_on_run_failure_sensor
from engagement_pipeline.defs.resources import Mailer, StorageLocation
from engagement_pipeline.lib.reports import spec as report_spec
from tests.support.delivery import DUE, OCTOBER, Delivery, definition, workspace  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")

# Due on 2026-11-23 07:00 UTC (DUE) for the last time: ticks after it request only retries and releases.
LAST_DUE_NOV_23 = OCTOBER + 'schedule: {every: {days: 1}, at: "07:00", starting: 2026-11-20, until: 2026-11-23}\n'


@pytest.fixture
def delivery(workspace, smtp_server, tmp_path) -> Delivery:  # noqa: F811
    return Delivery(workspace, tmp_path, f"smtp://127.0.0.1:{smtp_server.port}", StorageLocation(url=str(tmp_path / "files")))


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def cursor(report_id: str) -> str:
    return json.dumps({report_id: "2026-11-23T07:00:00Z"})


def retried_in_run(result: dg.ExecuteInProcessResult) -> list:
    return [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


def step_errors(result: dg.ExecuteInProcessResult) -> str:
    return " ".join(e.step_failure_data.error.message for e in result.all_events if e.is_step_failure)


def reports_to(smtp_server, address: str = "crm@example.com") -> list:
    return [e for e in smtp_server.envelopes if address in e.rcpt_tos]


def resend(delivery: Delivery, monkeypatch, report_id: str, due: str):
    env = {
        "ENGAGEMENT_HOME": str(delivery.home),
        "ENGAGEMENT_WAREHOUSE_URL": delivery.workspace.url,
        "ENGAGEMENT_REPORT_DEFS": str(delivery.home / "defs"),
        "ENGAGEMENT_REPORTS_URL": str(delivery.home / "files"),
        "ENGAGEMENT_SMTP_URL": delivery.smtp_url,
        "ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS": "example.com",
        "ENGAGEMENT_ALERT_RECIPIENTS": "oncall@example.com",
        "DAGSTER_HOME": delivery.workspace.instance.root_directory,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(app, ["report", "resend", report_id, "--due", due])


def test_an_smtp_outage_is_retried_by_the_sensor_and_ends_with_exactly_one_email(delivery, smtp_server):
    delivery.define("promo_outage", definition("Promo outage", extra=LAST_DUE_NOV_23))
    smtp_server.stop()
    first = delivery.run("promo_outage")

    assert not first.success and retried_in_run(first) == []
    down = delivery.log("promo_outage")
    assert (down.status, down.attempts) == ("retrying", 1)
    assert "temporary failure" in down.error and "ConnectionRefusedError" in down.error
    assert down.next_attempt_at == down.failing_since + timedelta(minutes=1)
    assert delivery.tick(down.next_attempt_at - timedelta(seconds=1), cursor("promo_outage")) == []

    [retry] = delivery.tick(down.next_attempt_at, cursor("promo_outage"))
    assert retry.run_key == "promo_outage:2026-11-23T07:00:00Z:retry-1"
    assert not delivery.execute(retry).success
    still_down = delivery.log("promo_outage")
    assert (still_down.status, still_down.attempts, still_down.failing_since) == ("retrying", 2, down.failing_since)
    assert still_down.next_attempt_at > down.next_attempt_at

    smtp_server.start()
    [retry] = delivery.tick(still_down.next_attempt_at, cursor("promo_outage"))
    assert retry.run_key == "promo_outage:2026-11-23T07:00:00Z:retry-2"
    assert delivery.execute(retry).success

    sent = delivery.log("promo_outage")
    assert (sent.status, sent.attempts, sent.error, sent.next_attempt_at) == ("sent", 3, None, None)
    assert [sorted(e.rcpt_tos) for e in smtp_server.envelopes] == [["analyst@example.com", "crm@example.com"]]
    assert delivery.tick(still_down.next_attempt_at + timedelta(days=2), cursor("promo_outage")) == []
    assert list(delivery.outbox.glob("*.eml")) == []


def test_a_permanent_refusal_is_not_retried_and_alerts_once_with_the_reason(delivery, smtp_server):
    delivery.define("promo_refused", definition("Promo refused", extra=LAST_DUE_NOV_23))
    smtp_server.refused_recipients = {
        "crm@example.com": "550 5.1.1 Mailbox unavailable",
        "analyst@example.com": "550 5.1.1 Mailbox unavailable",
    }
    first = delivery.run("promo_refused")
    again = delivery.run("promo_refused", trigger="release")

    assert not first.success and not again.success
    assert retried_in_run(first) == [] and retried_in_run(again) == []
    record = delivery.log("promo_refused")
    assert (record.status, record.attempts, record.next_attempt_at) == ("failed", 2, None)
    assert "permanent failure" in record.error and "550 5.1.1 Mailbox unavailable" in record.error
    assert "550 5.1.1 Mailbox unavailable" in step_errors(first)
    [alert] = smtp_server.envelopes
    assert alert.rcpt_tos == ("oncall@example.com",) and alert.message["Subject"] == "Report delivery failed: Promo refused"
    assert "550 5.1.1 Mailbox unavailable" in body(alert.message) and "retrying would not help" in body(alert.message)
    assert delivery.workspace.instance.get_run_by_id(first.run_id).tags["delivery/alerted"] == "true"
    assert delivery.tick(DUE + timedelta(days=3), cursor("promo_refused")) == []


def test_a_line_break_in_the_report_name_is_a_permanent_failure_logged_with_its_cause(delivery, smtp_server, monkeypatch):
    """Validation refuses such a name; if one reaches delivery anyway, its header error is not retried."""
    load_definition = report_spec.load_definition

    def with_a_line_break(*args, **kwargs):
        return load_definition(*args, **kwargs).model_copy(update={"name": "Promo\r\nBcc: someone@evil.example"})

    monkeypatch.setattr(report_spec, "load_definition", with_a_line_break)
    delivery.define("promo_crlf", definition("Promo", extra=LAST_DUE_NOV_23))
    result = delivery.run("promo_crlf")

    assert not result.success and retried_in_run(result) == []
    errors = step_errors(result)
    assert "invalid message" in errors and "linefeed or carriage return" in errors and "max_retries" not in errors
    record = delivery.log("promo_crlf")
    assert (record.status, record.attempts) == ("failed", 1)
    assert "invalid message (report email of promo_crlf)" in record.error and "linefeed" in record.error
    [alert] = smtp_server.envelopes
    assert alert.rcpt_tos == ("oncall@example.com",)
    assert alert.message["Subject"] == "Report delivery failed: Promo Bcc: someone@evil.example"
    assert reports_to(smtp_server, "someone@evil.example") == []
    assert delivery.tick(DUE + timedelta(days=3), cursor("promo_crlf")) == []


def test_after_the_retry_window_the_delivery_fails_with_one_alert_and_resend_sends_it_once(delivery, smtp_server, monkeypatch):
    delivery.retry_hours = 0
    delivery.define("promo_down", definition("Promo down"))
    smtp_server.stop()
    result = delivery.run("promo_down")

    assert not result.success and retried_in_run(result) == []
    record = delivery.log("promo_down")
    assert (record.status, record.attempts) == ("failed", 1) and "ConnectionRefusedError" in record.error
    [alert_file] = delivery.outbox.glob("*.eml")
    alert = message_from_bytes(alert_file.read_bytes(), policy=default)
    assert alert["To"] == "oncall@example.com" and alert["Subject"] == "Report delivery failed: Promo down"
    assert "engagement report resend promo_down --due 2026-11-23T07:00:00Z" in body(alert)
    assert delivery.workspace.instance.get_run_by_id(result.run_id).tags["delivery/alerted"] == "true"

    smtp_server.start()
    sent = resend(delivery, monkeypatch, "promo_down", "2026-11-23T07:00:00Z")
    refused = resend(delivery, monkeypatch, "promo_down", "2026-11-23T08:00:00+01:00")

    assert sent.exit_code == 0, sent.output
    assert [sorted(e.rcpt_tos) for e in smtp_server.envelopes] == [["analyst@example.com", "crm@example.com"]]
    assert (delivery.log("promo_down").status, delivery.log("promo_down").attempts) == ("sent", 2)
    assert refused.exit_code == 1 and "already sent" in refused.output
    assert len(smtp_server.messages) == 1


def test_a_failed_run_alerts_with_its_run_job_step_and_error(delivery, smtp_server):
    delivery.define("leak_alert", definition("Leak", recipients="[someone@gmail.com]"))
    result = delivery.run("leak_alert")
    assert not result.success

    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure_sensor",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=delivery.workspace.instance,
        dagster_run=result.dagster_run,
        resources={"mailer": Mailer(smtp_url=delivery.smtp_url), "settings": delivery.settings},
    ).for_run_failure()
    alert_on_run_failure_sensor(context)

    [alert] = smtp_server.messages
    assert alert["To"] == "oncall@example.com"
    assert alert["Subject"] == "Run failed: deliver_report_job (leak_alert)"
    text = body(alert)
    assert result.run_id in text and "report_files" in text and "someone@gmail.com" in text
