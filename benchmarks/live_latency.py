"""Latency of the live view on the embedded default: file lands -> live page shows it.

    python benchmarks/live_latency.py [--files 20] [--spacing 20] [--history-events 5000]

Starts `dagster-daemon` on a fresh embedded home (SQLite instance, DuckDB warehouse, local landing
zone: engagement_pipeline/instance/embedded.py) with the project's sensors at their defaults, after
one `engagement live --once` pass over a day of generated history. Then lands --files Currents files
(a few email sends each, timed now) at spaced instants, --spacing seconds apart with a jitter, so
they fall at every phase of the sensor's interval. A file is visible when the live page is rewritten
after the pass that applied it: latency = that page write - the file's mtime. The page's writes are
seen by polling its mtime (the warehouse is not touched while the daemon runs: DuckDB has one
writer); which pass applied each file (`live_files.applied_at`) is read after the daemon stops.
Report definitions are left out (an empty folder), so no report delivery shares the one run slot;
late_data_sensor does run, as by default: its rebuild of today runs between two ingestions.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEND = "users.messages.email.Send"


def _write_send_file(landing: Path, index: int) -> Path:
    import fastavro

    now = int(time.time())
    fields = ["id", "user_id", "campaign_id", "campaign_name", "message_variation_id", "email_address"]
    schema = {
        "type": "record",
        "name": f"dataexport.S3.inner.{SEND}",
        "fields": [{"name": "time", "type": "long"}] + [{"name": f, "type": ["null", "string"], "default": None} for f in fields],
    }
    rows = [
        {"time": now, "id": f"bench-{index}-{n}", "user_id": f"bench-u{n}", "campaign_id": "bench-campaign",
         "campaign_name": "Latency benchmark", "message_variation_id": "v1", "email_address": f"u{n}@example.com"}
        for n in range(5)
    ]  # fmt: skip
    hour = datetime.now(timezone.utc).strftime("%Y-%m-%d-%H")
    key = f"currents/dataexport.prod-03.S3.integration.bench/event_type={SEND}/date={hour}/version=10/prod/bench+0+{index:05d}.avro"
    path = landing / key
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fastavro.writer(buffer, fastavro.parse_schema(schema), rows)
    partial = path.with_name(path.name + ".part")  # the landing sensor ignores partial uploads
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, path)
    return path


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ENGAGEMENT_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "ENGAGEMENT_REPORT_DEFS": str(home / "no_reports"),
    }


def _history(home: Path, events: int) -> None:
    from engagement_pipeline.sample_data.generator import generate_landing_zone

    now = datetime.now(timezone.utc)
    generate_landing_zone(home / "landing", now.date() - timedelta(days=1), 2, events, until=now)
    cli = "from engagement_pipeline.cli import main; main()"
    subprocess.run([sys.executable, "-c", cli, "live", "--once"], env=_env(home), cwd=home, check=True, capture_output=True)


def _page_writes(page: Path, until: float, seen: list[float]) -> None:
    last = page.stat().st_mtime if page.exists() else 0.0
    while time.time() < until:
        if page.exists() and page.stat().st_mtime != last:
            last = page.stat().st_mtime
            seen.append(last)
        time.sleep(0.25)


def run(files: int, spacing: float, history_events: int) -> dict:
    from engagement_pipeline.instance.embedded import ensure_embedded_home

    home = Path(tempfile.mkdtemp(prefix="live-latency-"))
    (home / "no_reports").mkdir()
    ensure_embedded_home(home / "dagster")
    _history(home, history_events)
    log = open(home / "daemon.log", "w")
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(ROOT / "workspace.yaml")],
        env=_env(home), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    page = home / "reports" / "live" / "index.html"
    writes: list[float] = []
    landed: dict[str, float] = {}
    try:
        _page_writes(page, time.time() + 30, writes)  # the daemon and its code server start
        for index in range(files):
            path = _write_send_file(home / "landing", index)
            landed[path.relative_to(home / "landing").as_posix()] = path.stat().st_mtime
            _page_writes(page, time.time() + spacing * (0.6 + 0.8 * ((index * 7) % 10) / 9), writes)
        _page_writes(page, time.time() + 150, writes)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(60)
        log.close()
    return {"home": str(home), **_latencies(home, landed, writes)}


def _latencies(home: Path, landed: dict[str, float], writes: list[float]) -> dict:
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        applied = dict(conn.execute("select object_key, epoch(applied_at) from live_files where object_key like '%bench+0+%'").fetchall())
    latencies, missing = [], []
    for key, mtime in sorted(landed.items()):
        at = applied.get(key)
        visible = next((w for w in sorted(writes) if at is not None and w >= at), None)
        if visible is None:
            missing.append(key)
        else:
            latencies.append(visible - mtime)
    return {"latencies": latencies, "missing": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=20.0, help="Mean seconds between two files.")
    parser.add_argument("--history-events", type=int, default=5000, help="Events a day of generated history (2 days).")
    args = parser.parse_args()
    result = run(args.files, args.spacing, args.history_events)
    lat = result["latencies"]
    print(f"home: {result['home']}")
    print("latencies (s): " + ", ".join(f"{x:.1f}" for x in lat))
    if lat:
        print(f"file mtime -> live page updated, {len(lat)} files: median {statistics.median(lat):.1f} s, max {max(lat):.1f} s")
    if result["missing"]:
        print(f"not visible within the run: {len(result['missing'])} file(s): {', '.join(result['missing'][:5])}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
