"""`engagement quarantine list | show`: an operator sees what ingestion skipped or quarantined, and why, without SQL."""

import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from tests.support import ingest_landing
from tests.support.avro_files import currents_key, write_events

NOV20 = 1_795_132_800  # 2026-11-20T00:00:00Z
SEND = "users.messages.email.Send"
BANNER = "users.messages.banner.Impression"


@pytest.fixture
def cli(monkeypatch, tmp_path):
    def run(url: str, *args: str, code: int = 0) -> str:
        monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("ENGAGEMENT_WAREHOUSE_URL", url)
        result = CliRunner().invoke(app, ["quarantine", *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def land_a_messy_zone(url: str, tmp_path) -> None:
    landing = tmp_path / "landing"
    write_events(landing / currents_key(SEND, "2026-11-20-10", "good"), [{"id": "g1", "user_id": "u", "time": NOV20}])
    write_events(
        landing / currents_key(SEND, "2026-11-20-11", "string-time"),
        [{"id": "s", "user_id": "u", "time": "soon"}],
        field_types={"time": ["null", "string"]},
    )
    write_events(
        landing / currents_key(SEND, "2026-11-20-12", "absurd"),
        [
            {"id": "ok", "user_id": "u", "time": NOV20},
            {"id": "y3000", "user_id": "u", "time": 32_503_680_000},
            {"id": "neg", "user_id": "u", "time": -86400},
        ],
        field_types={"time": ["null", "long"]},
    )
    write_events(landing / currents_key(BANNER, "2026-11-20-10", "banner"), [{"id": "b", "user_id": "u", "time": NOV20}], event_type=BANNER)
    (landing / "notes.txt").write_text("not an export")
    ingest_landing(url, tmp_path, landing)


def test_list_shows_each_file_not_fully_loaded_with_its_reason(warehouse_url, tmp_path, cli):
    land_a_messy_zone(warehouse_url, tmp_path)
    out = cli(warehouse_url, "list")

    lines = out.splitlines()
    files = {line.split()[-1].rsplit("/", 1)[-1]: lines[n + 1].strip() for n, line in enumerate(lines) if line[:4].isdigit()}
    assert set(files) == {"string-time.avro", "absurd.avro", "banner.avro", "notes.txt"}
    assert files["string-time.avro"].startswith("field time cannot be mapped")
    assert files["banner.avro"] == f"skipped: unknown event type {BANNER}"
    assert files["notes.txt"].startswith("skipped: not an Avro file")
    assert "(UNIX seconds) is" in files["absurd.avro"] and files["absurd.avro"].endswith("(+1 other reason(s))")
    assert "loaded 1, quarantined 2 record(s)" in out and "  quarantined  " in out
    assert "good.avro" not in out


def test_list_filters_by_reason_and_time(warehouse_url, tmp_path, cli):
    land_a_messy_zone(warehouse_url, tmp_path)

    by_reason = cli(warehouse_url, "list", "--reason", "BEFORE 2010")
    assert "absurd.avro" in by_reason and "banner.avro" not in by_reason and "1 file(s)" in by_reason
    assert "banner.avro" in cli(warehouse_url, "list", "--reason", "unknown event type", "--since", "2026-01-01")
    assert cli(warehouse_url, "list", "--since", "2999-01-01").strip() == "no file skipped or quarantined"
    assert "expected YYYY-MM-DD" in cli(warehouse_url, "list", "--since", "yesterday", code=2)


def test_show_lists_a_files_quarantined_records(warehouse_url, tmp_path, cli):
    land_a_messy_zone(warehouse_url, tmp_path)
    out = cli(warehouse_url, "show", "absurd.avro")

    assert "loaded 1, quarantined 2 record(s)" in out and "2 quarantined record(s):" in out
    assert "  neg: time -86400 (UNIX seconds) is before 2010-01-01T00:00:00Z" in out
    assert "  y3000: time 32503680000 (UNIX seconds) is after" in out
    assert '"id": "y3000"' in out
    quarantined_file = cli(warehouse_url, "show", "string-time.avro")
    assert "  quarantined  " in quarantined_file and "field time cannot be mapped" in quarantined_file
    assert "no file in the manifest" in cli(warehouse_url, "show", "missing.avro", code=1)


def test_an_empty_warehouse_has_nothing_to_show(duckdb_url, cli):
    assert cli(duckdb_url, "list").startswith("nothing ingested yet")
