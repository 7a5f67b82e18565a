"""Benchmark the recipient export of one campaign with N recipients (default 5,000,000): time and peak RSS.

    python benchmarks/recipients_bench.py [--recipients 5000000] [--compression zip]

Builds (once, reused from benchmarks/.data) a DuckDB warehouse whose campaign "bench" has N
recipients over 7 days: 90 % sent one of three variants (each sent and 98 % delivered, 30 % opened,
8 % clicked, 4 % converted, 1 % re-sent on a later day), 10 % enrolled in the control group (5 %
converted): about 2.5 events per recipient. Then exports it in a child process (its own peak RSS,
from getrusage) and prints one line.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / ".data"
FIRST = date(2026, 10, 1)

# (action, event type, channel, share of sent users in per-mille, seconds after the send)
_ACTIONS = (
    ("delivery", "users.messages.email.Delivery", "email", 980, 5),
    ("open", "users.messages.email.Open", "email", 300, 600),
    ("click", "users.messages.email.Click", "email", 80, 700),
    ("conversion", "users.campaigns.Conversion", None, 40, 3600),
    ("send", "users.messages.email.Send", "email", 10, 86400),
)


def _insert(raw, where: str, action: str, event_type: str, channel: str | None, offset: int, variation: str, n: int) -> None:
    channel_sql = f"'{channel}'" if channel else "null"
    raw.execute(
        f"""
        insert into raw_currents_events (event_id, event_type, channel, action, occurred_at, event_date, user_id,
            external_user_id, campaign_id, campaign_name, message_variation_id, message_variation_name,
            is_machine_open, is_bot_click, is_drop, source_file, loaded_at)
        select '{action}-' || i, '{event_type}', {channel_sql}, '{action}', t, cast(t as date), 'user-' || i,
            'ext-' || i, 'bench', 'Benchmark', {variation}, null, false, false, false, 'bench', timestamp '2026-01-01'
        from (select i, timestamp '{FIRST.isoformat()}' + to_seconds(i % 518400 + {offset}) as t from range({n}) as r(i))
        where {where}
        """
    )


def build(db: Path, recipients: int) -> None:
    from engagement_pipeline.lib.ingest.load import ensure_tables
    from engagement_pipeline.lib.platform.warehouse import dispose_engine, make_engine
    from tests.support import materialize_days

    url = f"duckdb:///{db}"
    with make_engine(url).begin() as conn:
        ensure_tables(conn)
    materialize_days(url, db.parent / "home", FIRST)  # creates every model (views over the raw table, empty tables)
    sent = recipients * 9 // 10
    variant = "'v' || cast(i % 3 as varchar)"
    with make_engine(url).begin() as conn:
        raw = conn.connection.driver_connection
        _insert(raw, f"i < {sent}", "send", "users.messages.email.Send", "email", 0, variant, recipients)
        for action, event_type, channel, per_mille, offset in _ACTIONS:
            name = "resend" if action == "send" else action
            _insert(raw, f"i < {sent} and i % 1000 < {per_mille}", name, event_type, channel, offset, variant, recipients)
        _insert(raw, f"i >= {sent}", "enroll_in_control", "users.campaigns.EnrollInControl", None, 0, "'vc'", recipients)
        _insert(raw, f"i >= {sent} and i % 1000 < 50", "control_conversion", "users.campaigns.Conversion", None, 3600, "'vc'", recipients)
        raw.execute("update raw_currents_events set action = 'send' where action = 'resend'")
        raw.execute("update raw_currents_events set action = 'conversion' where action = 'control_conversion'")
    dispose_engine(url)  # release the file for the measured child


def export(db: Path, compression: str) -> dict:
    from engagement_pipeline.lib.platform.warehouse import make_engine
    from engagement_pipeline.lib.reports.recipient_export import Target, window, write_export

    out = db.parent / "recipients-out"
    out.mkdir(exist_ok=True)
    engine = make_engine(f"duckdb:///{db}")
    started = time.perf_counter()
    span = window(FIRST, date(2026, 10, 31), "UTC", date(2026, 10, 31))
    target = Target("campaign", "bench", {"v0": "A", "v1": "B", "v2": "C"}, {})
    [(path, rows)] = write_export(engine, out, [target], span, tz="UTC", compression=compression, delimiter=",", archive="bench")
    seconds = time.perf_counter() - started
    with engine.connect() as conn:
        events = conn.exec_driver_sql("select count(*) from raw_currents_events").scalar_one()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "events": events, "seconds": round(seconds, 1), "rss_mib": round(rss), "bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=5_000_000)
    parser.add_argument("--compression", default="zip", choices=["zip", "gzip", "none"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(export(Path(args.child), args.compression)), flush=True)
        return
    db = DATA / f"recipients-{args.recipients}" / "warehouse.duckdb"
    if not db.is_file():
        db.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build(db, args.recipients)
        print(f"built {db} in {time.perf_counter() - started:.0f} s", flush=True)
    child = [sys.executable, __file__, "--child", str(db), "--compression", args.compression]
    proc = subprocess.run(child, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"export failed:\n{proc.stderr[-3000:]}")
    r = json.loads(lines[-1][7:])
    print(
        f"recipient export, {r['rows']:,} recipients ({r['events']:,} events), {args.compression}: "
        f"{r['seconds']} s, peak RSS {r['rss_mib']:,} MiB, file {r['bytes'] / 2**20:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
