"""`engagement live --once`: one pass from a terminal ingests the new files, updates the live view,
writes the page and prints a short summary; a second pass finds nothing new."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.lib.live.window import utc_now
from tests.support.currents_events import land

SEND = "users.messages.email.Send"


def test_live_once_prints_the_window_totals_busiest_messages_and_page(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path))
    at = (utc_now() - timedelta(minutes=20)).replace(microsecond=0).isoformat()
    campaign = {"campaign_id": "c9", "campaign_name": "Winter Sale", "message_variation_id": "v1"}
    land(tmp_path / "landing", SEND, "sends", [{"id": f"s{i}", "user_id": f"u{i}", "time": at, **campaign} for i in range(3)])

    first = CliRunner().invoke(app, ["live", "--once"])
    again = CliRunner().invoke(app, ["live", "--once"])

    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith("live ") and lines[0].endswith("UTC: 1 new file(s), 3 event(s) applied")
    assert lines[1].split()[:2] == ["sent", "3"]
    assert "Winter Sale" in lines[2] and "sent        3" in lines[2]
    page = tmp_path / "reports" / "live" / "index.html"
    assert lines[-1] == f"  page: {page}" and page.is_file()
    assert again.exit_code == 0 and "0 new file(s), 0 event(s) applied" in again.output and "sent 3" in again.output
