"""`engagement materialize` and `engagement report run`, each in its own process, on a Spark warehouse
in local mode (the catalog persists between them in the lake's Derby metastore), on generated data."""

import csv
import os
import subprocess
import sys
from pathlib import Path

from engagement_pipeline.sample_data.generator import generate_landing_zone

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-17"
REPORT = ROOT / "reports" / "black_friday_by_variant.yaml"


def _engagement(env: dict, *args: str) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("engagement")  # the console script `pip install` made
    return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, timeout=900)


def test_materialize_then_report_run_on_spark(spark_lake, tmp_path):
    from datetime import date

    landing = tmp_path / "landing"
    generate_landing_zone(landing, date.fromisoformat(DAY), 1, 800, seed=7)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ENGAGEMENT_HOME": str(tmp_path / "home"),
        "ENGAGEMENT_WAREHOUSE_URL": f"spark:///{spark_lake / 'cli'}?master=local[2]",
        "ENGAGEMENT_LANDING_URL": str(landing),
        "ENGAGEMENT_PARTITIONS_START": "2026-11-01",
        "ENGAGEMENT_LANDING_MAX_AGE_HOURS": "100000",
    }
    built = _engagement(env, "materialize", "--from", DAY, "--to", DAY)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "0 failed" in built.stdout and "materializations" in built.stdout

    report = _engagement(env, "report", "run", str(REPORT), "--from", DAY, "--to", DAY)
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    paths = [Path(line.split(": ", 1)[1].strip()) for line in report.stdout.splitlines() if line.strip().startswith("campaigns.csv:")]
    assert paths and paths[0].is_file(), report.stdout
    rows = list(csv.DictReader(paths[0].open(newline=""), delimiter="|"))
    assert rows and sum(int(row["sent"] or 0) for row in rows) > 0, rows[:3]
