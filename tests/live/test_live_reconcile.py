"""The reconciliation compares the live buckets with int_message_stats__quarter_hourly on both
warehouses: a day agrees once its rollups are built after the live view's last file, waits before
that, and a difference on either side is named (quarter-hour, message, channel, stat, both values)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.load import ingest
from engagement_pipeline.lib.live.buckets import apply_new_files
from engagement_pipeline.lib.live.reconcile import reconcile
from engagement_pipeline.lib.models.sql_models import discover_models, run_model
from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from tests.support.currents_events import land

NOW = datetime(2026, 11, 20, 12, 2, 30)
DAYS = (date(2026, 11, 19), date(2026, 11, 20))
CHAIN = (
    "stg_currents__events",
    "int_events__keyed",
    "int_message_channels__daily",
    "int_message_channel_fills__daily",
    "int_events__attributed",
    "int_message_stats__quarter_hourly",
)
CAMPAIGN = {"campaign_id": "c1", "message_variation_id": "v1"}


def build_rollups(engine: sa.Engine) -> None:
    models = discover_models()
    with engine.begin() as conn:
        for name in CHAIN:
            run_model(conn, models[name], DAYS[0], DAYS[-1] + timedelta(days=1), {"count_bot_clicks": False})


def test_reconciliation_waits_agrees_and_names_the_first_difference(warehouse_url: str, tmp_path: Path) -> None:
    landing, engine = tmp_path / "landing", make_engine(warehouse_url)
    land(landing, "users.messages.email.Send", "sends", [
        {"id": f"s{i}", "user_id": f"u{i}", "time": at, **CAMPAIGN}
        for i, at in enumerate(["2026-11-19T09:20:00", "2026-11-20T10:07:00", "2026-11-20T10:08:00", "2026-11-20T11:59:00"])
    ])  # fmt: skip
    land(landing, "users.messages.email.Open", "opens", [{"id": "o1", "user_id": "u1", "time": "2026-11-20T10:20:00", **CAMPAIGN}])
    land(landing, "users.campaigns.Conversion", "conversions", [{"id": "c1", "user_id": "u1", "time": "2026-11-20T10:30:00", **CAMPAIGN}])
    ingest(engine, ObjectStore(str(landing)))
    apply_new_files(engine, now=NOW)
    built = {day: NOW + timedelta(minutes=5) for day in DAYS}

    with engine.begin() as conn:
        before = reconcile(conn, {}, NOW)
    build_rollups(engine)
    with engine.begin() as conn:
        stale = reconcile(conn, {day: NOW - timedelta(minutes=5) for day in DAYS}, NOW)
        agrees = reconcile(conn, built, NOW)
        conn.execute(sa.text("update live_buckets set sent = sent + 2 where bucket_at = :at"), {"at": datetime(2026, 11, 20, 10, 5)})
        differs = reconcile(conn, built, NOW)
        conn.execute(sa.text("update live_buckets set sent = sent - 2 where bucket_at = :at"), {"at": datetime(2026, 11, 20, 10, 5)})
        conn.execute(sa.text("delete from live_buckets where bucket_at = :at"), {"at": datetime(2026, 11, 20, 11, 55)})
        missing = reconcile(conn, built, NOW)

    assert before.passed and before.compared == [] and "no partition 2026-11-19" in before.waiting["2026-11-19"]
    assert stale.compared == [] and "before the live view applied its last file" in stale.waiting["2026-11-20"]
    assert agrees.passed and agrees.compared == ["2026-11-19", "2026-11-20"], agrees
    assert not differs.passed and differs.differences == 1
    assert differs.first_difference == (
        "2026-11-20 10:00-10:15 UTC, campaign c1 variation v1, channel email: sent is 4 in the live view and 2 in"
        " int_message_stats__quarter_hourly"
    )
    assert missing.first_difference.startswith("2026-11-20 11:45-12:00 UTC, campaign c1 variation v1, channel email: sent is 0 in the live")
