"""SMTP outages and failed runs: retries with backoff, `failed` plus an alert, resend once, run-failure alerts."""

from email import message_from_bytes
from email.policy import default

import dagster as dg
import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.defs.delivery.sensors import alert_on_run_failure_sensor
from engagement_pipeline.lib.mailer import Mailer
from engagement_pipeline.lib.resources import StorageLocation
from tests.test_delivery_support import Delivery, definition, workspace  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")


@pytest.fixture
def delivery(workspace, smtp_server, tmp_path) -> Delivery:  # noqa: F811
    return Delivery(workspace, tmp_path, f"smtp://127.0.0.1:{smtp_server.port}", StorageLocation(url=str(tmp_path / "files")))


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


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


def test_smtp_down_retries_then_fails_with_an_alert_and_resend_delivers_once(delivery, smtp_server, monkeypatch):
    delivery.define("promo_down", definition("Promo down"))
    smtp_server.stop()
    result = delivery.run("promo_down")

    assert not result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retries) == 3
    record = delivery.log("promo_down")
    assert (record.status, record.attempts) == ("failed", 4)
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
    assert (delivery.log("promo_down").status, delivery.log("promo_down").attempts) == ("sent", 5)
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
