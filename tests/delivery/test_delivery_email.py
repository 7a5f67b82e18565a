"""Report emails received by a real SMTP server: recipients, subject, parts, chart, working links, once only."""

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
import requests

from engagement_pipeline.defs.resources import StorageLocation
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.outputs import read_outputs
from tests.support.delivery import DUE, OCTOBER, Delivery, definition, metadata, workspace  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore::dagster.BetaWarning", "ignore::dagster.PreviewWarning")


@pytest.fixture
def delivery(workspace, smtp_server, tmp_path) -> Delivery:  # noqa: F811
    return Delivery(workspace, tmp_path, f"smtp://127.0.0.1:{smtp_server.port}", StorageLocation(url=str(tmp_path / "files")))


def parts(message) -> tuple[str, str, list]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    return text, html, images


def campaigns_csv(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return bundle.read("campaigns.csv").decode()


def test_the_report_email_reaches_its_recipients_with_summary_chart_and_a_link_to_the_file(delivery, smtp_server):
    delivery.define("promo_local", definition("Promo performance"))
    result = delivery.run("promo_local")

    assert result.success
    [envelope] = smtp_server.envelopes
    assert sorted(envelope.rcpt_tos) == ["analyst@example.com", "crm@example.com"]
    message = envelope.message
    assert message["Subject"] == "Promo performance: 2026-10-01 – 2026-10-31"
    text, html, [chart] = parts(message)
    assert chart["Content-ID"].strip("<>") in html and chart.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert re.search(r"Email\s+1\s+1\s+1", text), text
    assert "In-app message" in text and "In-app message" in html
    href = re.search(r'href="(file://[^"]+)"', html).group(1)
    path = Path(url2pathname(urlsplit(href).path))
    assert path.name == "promo_local.zip" and f"local file: {path}" in text
    assert re.search(r"promo_local\.zip \([^)]*, expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\)", text), text
    assert "c_promo" in campaigns_csv(path.read_bytes())

    record = delivery.log("promo_local")
    assert record.status == "sent" and record.message_id == message["Message-ID"] and record.attempts == 1
    shown = metadata(result)
    assert shown["status"] == "sent" and "promo_local" in shown["delivery_log"] and "| sent |" in shown["delivery_log"]


def test_an_s3_report_link_is_a_presigned_url_that_downloads_the_file(delivery, smtp_server, s3_server):
    bucket = s3_server.new_bucket()
    delivery.report_store = StorageLocation(url=f"s3://{bucket}/reports", endpoint_url=s3_server.endpoint_url)
    delivery.define("promo_s3", definition("Promo on S3"))
    assert delivery.run("promo_s3").success

    text, html, _ = parts(smtp_server.messages[0])
    url = re.search(r'href="(http[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "X-Amz-Signature=" in url and "expires " in text
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert "c_promo" in campaigns_csv(response.content)


def test_running_the_same_delivery_again_sends_no_second_email(delivery, smtp_server):
    delivery.define("promo_once", definition("Promo once"))
    first = delivery.run("promo_once")
    again = delivery.run("promo_once", trigger="release")

    assert first.success and again.success
    assert len(smtp_server.messages) == 1
    assert metadata(again)["already_sent"] is True
    assert delivery.log("promo_once").run_id == first.run_id


def test_a_run_launched_without_a_due_time_is_the_current_delivery_and_is_not_sent_twice(delivery, smtp_server):
    last_due = 'schedule: {every: {days: 1}, at: "07:00", starting: 2026-11-20, until: 2026-11-23}\n'
    delivery.define("promo_ui", definition("Promo UI", extra=OCTOBER + last_due))
    scheduled = delivery.run("promo_ui")
    from_the_ui = (
        delivery.definitions()
        .resolve_job_def("deliver_report_job")
        .execute_in_process(instance=delivery.workspace.instance, partition_key="promo_ui", raise_on_error=False)
    )

    assert scheduled.success and from_the_ui.success
    assert len(smtp_server.messages) == 1
    shown = metadata(from_the_ui)
    assert shown["already_sent"] is True and shown["due_key"] == "promo_ui:2026-11-23T07:00:00Z"
    tags = delivery.workspace.instance.get_run_by_id(from_the_ui.run_id).tags
    assert (tags["due_key"], tags["delivery/status"]) == ("promo_ui:2026-11-23T07:00:00Z", "sent")
    with make_engine(delivery.workspace.url).connect() as conn:
        [output] = read_outputs(conn, "promo_ui", from_the_ui.run_id)
    assert output.due_at == DUE.replace(tzinfo=None)


def test_a_recipient_outside_the_allowed_domains_is_refused_and_nothing_is_sent(delivery, smtp_server):
    delivery.define("leak", definition("Leak", recipients="[crm@example.com, someone@gmail.com]"))
    result = delivery.run("leak")

    assert not result.success
    errors = " ".join(e.step_failure_data.error.message for e in result.all_events if e.is_step_failure)
    assert "leak.yaml" in errors and "recipients" in errors and "someone@gmail.com" in errors
    assert smtp_server.messages == []
    assert delivery.log("leak") is None


def test_a_campaign_with_two_variants_gets_a_comparison_table_in_the_email(delivery, smtp_server):
    both_variants = "messages: {campaigns: [c_promo]}\ntime_frame: {start: 2026-09-30, end: 2026-11-02}\ninterval: total\n"
    delivery.define("promo_variants", f"name: Black Friday variants\n{both_variants}recipients: [crm@example.com]\n")
    assert delivery.run("promo_variants").success

    text, html, _ = parts(smtp_server.messages[0])
    assert "Variants of Black Friday (whole period):" in text and "Variants of Black Friday" in html
    comparison = re.split(r"\n\s*\n", text.split("Variants of Black Friday (whole period):")[1].strip())[0].splitlines()
    header = next(line for line in comparison if line.startswith("Variant "))
    assert header.split("  ")[0] == "Variant" and "Sent" in header and "Unique opens" in header and "Conversion rate" in header
    rows = {line.split("  ")[0]: line.split()[2:] for line in comparison if line.startswith("Subject ")}
    columns = [c.strip() for c in re.split(r"\s{2,}", header)][1:]
    shown = {variant: dict(zip(columns, values, strict=True)) for variant, values in rows.items()}
    assert list(shown) == ["Subject A", "Subject B"]
    assert (shown["Subject A"]["Unique recipients"], shown["Subject B"]["Unique recipients"]) == ("2", "2")
    assert (shown["Subject A"]["Sent"], shown["Subject A"]["Unique opens"], shown["Subject A"]["Unique conversions"]) == ("2", "2", "1")
    assert (shown["Subject B"]["Sent"], shown["Subject B"]["Unique opens"], shown["Subject B"]["Unique conversions"]) == ("2", "1", "0")
