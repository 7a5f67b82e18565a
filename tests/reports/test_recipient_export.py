"""The recipient export on both engines: one row per recipient, the right variant and control flag, flags, time zone."""

import csv
import gzip
import io
import zipfile
from datetime import date

import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.recipient_export import store_export, target_names, window
from tests.support.reports import render

TODAY = date(2026, 11, 22)
SHOWN = ("user_id", "external_user_id", "variation_id", "variation_name", "in_control_group", "first_sent_at")
FLAGS = ("delivered", "opened", "clicked", "converted", "unsubscribed", "bounced", "in_several_variants")


def _export(url: str, home, kind: str, message_id: str, *, tz="UTC", start=None, end=None, compression="none", folder="x"):
    engine = make_engine(url)
    with engine.connect() as conn:
        target = target_names(conn, kind, message_id)
    store = ObjectStore(str(home / "exports"))
    span = window(start, end, tz, TODAY)
    files = store_export(engine, store, folder, [target], span, tz=tz, compression=compression, archive="spring")
    (stored,) = files
    data = store.read(stored.key)
    if compression == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            assert bundle.namelist() == [f"recipients_{message_id}.csv"]
            data = bundle.read(bundle.namelist()[0])
    elif compression == "gzip":
        data = gzip.decompress(data)
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert stored.rows == len(rows)
    return stored, rows


def test_every_recipient_once_with_the_variant_of_the_first_send_and_the_control_flag(built):
    url, home = built
    stored, rows = _export(url, home, "campaign", "c_exp", compression="zip", folder="zip")
    assert stored.name == "spring.zip"
    assert [tuple(r[c] for c in SHOWN) for r in rows] == [
        ("u1", "ext-u1", "va", "Subject A", "false", "2026-11-20T09:00:00+00:00"),
        ("u2", "ext-u2", "va", "Subject A", "false", "2026-11-20T09:01:00+00:00"),
        ("u3", "ext-u3", "va", "Subject A", "false", "2026-11-20T09:02:00+00:00"),
        ("u4", "ext-u4", "vb", "Subject B", "false", "2026-11-20T09:30:00+00:00"),
        ("u5", "ext-u5", "vb", "Subject B", "false", "2026-11-20T09:31:00+00:00"),
        ("u6", "ext-u6", "vc", "Control Group", "true", "2026-11-20T09:00:00+00:00"),
        ("u7", "ext-u7", "vc", "Control Group", "true", "2026-11-20T09:00:00+00:00"),
        ("u8", "ext-u8", "vc", "Control Group", "true", "2026-11-20T09:00:00+00:00"),
        ("u9", "ext-u9", "va", "Subject A", "false", "2026-11-21T09:10:00+00:00"),
    ]
    flags = {r["user_id"]: {f for f in FLAGS if r[f] == "true"} for r in rows}
    assert flags == {
        "u1": {"delivered", "opened", "clicked", "converted"},  # re-sent on day 2: still one row
        "u2": {"delivered"},  # a suspected bot click is not a click
        "u3": {"delivered", "in_several_variants"},  # sent vb on day 2 after va on day 1
        "u4": {"delivered", "converted"},  # its conversion arrived twice
        "u5": {"bounced"},
        "u6": {"converted"},
        "u7": {"converted"},
        "u8": set(),
        "u9": {"delivered", "unsubscribed"},
    }


def test_the_period_and_time_zone_of_the_export(built):
    url, home = built
    _, rows = _export(url, home, "campaign", "c_exp", tz="America/New_York", compression="gzip", folder="ny")
    assert rows[0]["first_sent_at"] == "2026-11-20T04:00:00-05:00"
    _, rows = _export(url, home, "campaign", "c_exp", start=date(2026, 11, 21), end=date(2026, 11, 21), folder="day2")
    # u3 was sent only vb within the day; u7 only converted (no enrolment within the day): not a recipient
    assert [(r["user_id"], r["variation_id"], r["in_several_variants"]) for r in rows] == [
        ("u1", "va", "false"),
        ("u3", "vb", "false"),
        ("u9", "va", "false"),
    ]


def test_a_canvas_has_a_row_per_user_variation_and_step(built):
    url, home = built
    _, rows = _export(url, home, "canvas", "cv_x", folder="canvas")
    got = [(r["user_id"], r["canvas_variation_name"], r["step_name"], r["clicked"]) for r in rows]
    assert got == [
        ("u10", "Variant A", "First email", "true"),
        ("u10", "Variant A", "Second email", "false"),
        ("u11", "Variant A", "First email", "false"),
        ("u12", "Variant B", "First email", "false"),
    ]
    assert "email_address" not in rows[0] and "in_control_group" not in rows[0]


def test_a_campaign_without_recipients_in_the_period_gives_a_header_only_file(built):
    url, home = built
    stored, rows = _export(url, home, "campaign", "c_exp", start=date(2026, 12, 1), end=date(2026, 12, 1), folder="empty")
    assert rows == [] and stored.rows == 0
    header = ObjectStore(str(home / "exports")).read(stored.key).decode()
    assert header == ",".join((*SHOWN, *FLAGS[:-1], "in_several_variants")) + "\r\n"


@pytest.mark.parametrize("built", ["duckdb"], indirect=True)
def test_the_command_writes_the_export_into_a_folder_or_the_report_store(built, tmp_path, monkeypatch):
    url, home = built
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ENGAGEMENT_WAREHOUSE_URL", url)
    monkeypatch.setenv("ENGAGEMENT_REPORTS_URL", str(tmp_path / "reports"))
    runner = CliRunner()
    args = ["export", "recipients", "--campaign", "c_exp", "--from", "2026-11-20", "--to", "2026-11-21"]

    result = runner.invoke(app, [*args, "--canvas", "cv_x", "--compression", "none", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "recipients_c_exp.csv (9 recipients)" in result.output
    assert (tmp_path / "out" / "recipients_cv_x.csv").read_bytes().count(b"\r\n") == 5

    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "recipients.zip (9 recipients," in result.output
    [stored] = (tmp_path / "reports" / "exports" / "recipients").glob("*/recipients.zip")
    assert str(stored.resolve()) in result.output

    result = runner.invoke(app, ["export", "recipients", "--campaign", "c_nope"])
    assert result.exit_code == 2
    assert "--campaign c_nope: not in the message catalog" in result.output


def test_a_recipients_definition_exports_each_selected_message_as_a_report_does(built):
    url, home = built
    text = (
        "name: Spring recipients\nkind: recipients\nmessages: {campaigns: [c_exp], canvases: [cv_x]}\n"
        "time_frame: {start: 2026-11-20, end: 2026-11-21}\ntimezone: Europe/Paris\ncompression: gzip\ndelimiter: ';'\n"
    )
    report, files = render(url, home / "kind", text)
    assert [(f.name, f.rows) for f in report.output.files] == [("recipients_c_exp.csv.gz", 9), ("recipients_cv_x.csv.gz", 4)]
    assert report.output.expires_at > report.output.generated_at
    assert files["recipients_c_exp.csv"][0]["first_sent_at"] == "2026-11-20T10:00:00+01:00"
    assert definition_error("kind: recipients\nstats: [sent]\n") == "kind: recipients exports users, not stats"


def definition_error(extra: str) -> str:
    from pathlib import Path

    from engagement_pipeline.lib.reports.spec import ReportDefinitionError, parse_definition

    body = f"name: x\nmessages: {{campaigns: [a]}}\nrecipients: [a@example.com]\n{extra}"
    with pytest.raises(ReportDefinitionError) as caught:
        parse_definition(body.encode(), Path("r.yaml"))
    return str(caught.value).split(": ", 2)[-1].split(";")[0]
