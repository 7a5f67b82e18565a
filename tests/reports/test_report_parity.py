"""Report numbers equal the rollups', and uniques are exact over periods, on DuckDB and on PostgreSQL."""

from datetime import date

from engagement_pipeline.lib.reports.stats import STAT_CATALOG
from tests.support import table
from tests.support.reports import build_workspace, pick, render

FRAME = "time_frame: {start: 2026-09-30, end: 2026-11-02}\n"
KEYS = {
    "campaigns.csv": ("campaign_variant_daily_stats", ("campaign_id", "variation_id"), ("campaign_id", "message_variation_id")),
    "canvases.csv": (
        "canvas_step_daily_stats",
        ("canvas_id", "canvas_variation_id", "step_id"),
        ("canvas_id", "canvas_variation_id", "canvas_step_id"),
    ),
}


def _number(text: str) -> float | None:
    return float(text) if text else None


def _mart_rows(url: str, mart: str, keys: tuple[str, ...]) -> dict[tuple, dict]:
    rows = table(url, f"select * from {mart}")
    return {(r["event_date"].isoformat(), *(r[k] for k in keys), r["channel"]): r for r in rows}


def test_daily_report_rows_equal_the_daily_rollups(warehouse_url, tmp_path):
    build_workspace(warehouse_url, tmp_path)
    text = "name: all\nmessages: {tags: {values: [promo, newsletter, onboarding]}}\n" + FRAME
    _, files = render(warehouse_url, tmp_path / "report", text)

    compared = 0
    for name, (mart, csv_keys, mart_keys) in KEYS.items():
        marts = _mart_rows(warehouse_url, mart, mart_keys)
        stats = [c for c in files[name][0] if c in STAT_CATALOG]
        for row in files[name]:
            mart_row = marts.get((row["period_start"], *(row[k] for k in csv_keys), row["channel"]))
            for stat in stats:
                info = STAT_CATALOG[stat]
                if row["channel"] not in info.channels:
                    assert row[stat] == "", (name, row, stat)
                    continue
                if mart_row is None:
                    assert row[stat] == ("" if info.kind == "rate" else "0"), (name, row, stat)
                    continue
                expected = mart_row[stat]
                assert _number(row[stat]) == (None if expected is None else float(expected)), (name, row, stat)
                compared += 1
    assert compared > 250


def test_period_uniques_are_recounted_not_summed(warehouse_url, tmp_path):
    build_workspace(warehouse_url, tmp_path)
    text = "name: weekly\nmessages: {campaigns: [c_promo]}\nstats: [opens, unique_opens, unique_clicks, unique_recipients]\n"
    _, files = render(warehouse_url, tmp_path / "report", text + FRAME + "interval: {weeks: 1}\nlevel: {campaigns: campaign}")
    daily = table(
        warehouse_url,
        "select sum(unique_opens) as summed from campaign_daily_stats where campaign_id = 'c_promo' and event_date between :s and :e",
        s=date(2026, 9, 30),
        e=date(2026, 10, 4),
    )
    first_week = files["campaigns.csv"][0]
    assert pick([first_week], "period_start", "period_end", "opens", "unique_opens", "unique_recipients") == [
        ("2026-09-30", "2026-10-04", "2", "1", "2"),
    ]
    assert int(daily[0]["summed"]) == 2, "the same user opened on two days: daily uniques add up to 2"
