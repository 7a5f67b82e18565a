"""Upgrading a warehouse built before local time zones: reports refuse the old days, naming the one
command that rebuilds them, then render exactly the numbers they rendered before, on both engines."""

import pytest
import sqlalchemy as sa

from engagement_pipeline.lib.models import sql_models
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.build import ReportRunError
from tests.support import materialize_days
from tests.support.reports import FIRST_DAY, LAST_DAY, build_workspace, render

TEXT = (
    "name: all\nmessages: {tags: {values: [promo, newsletter, onboarding]}}\n"
    "time_frame: {start: 2026-09-30, end: 2026-11-02}\ninterval: {weeks: 1}\n"
)


def make_it_old(url: str) -> None:
    """What the earlier version left: no quarter-hour counts, touches without their quarter-hours."""
    with make_engine(url).begin() as conn:
        conn.execute(sa.text("drop table int_message_stats__quarter_hourly"))
        for table in ("int_user_touches__daily", "int_push_influenced_opens__daily"):
            for column in ("am_quarters", "pm_quarters"):
                conn.execute(sa.text(f"alter table {table} drop column {column}"))
    sql_models._VERIFIED.clear()  # a new process after the upgrade


def test_old_days_are_refused_with_the_command_then_rebuilt_to_the_same_numbers(warehouse_url, tmp_path):
    build_workspace(warehouse_url, tmp_path)
    _, before = render(warehouse_url, tmp_path / "before", TEXT)
    make_it_old(warehouse_url)

    with pytest.raises(ReportRunError, match=r"`engagement materialize --from 2026-09-30 --to 2026-11-02`"):
        render(warehouse_url, tmp_path / "refused", TEXT)

    materialize_days(warehouse_url, tmp_path, FIRST_DAY, LAST_DAY)
    _, after = render(warehouse_url, tmp_path / "after", TEXT)
    assert after == before
    assert len(after["campaigns.csv"]) > 5


def test_days_whose_touches_an_upgrade_recreated_are_refused_then_rebuilt_to_the_same_numbers(warehouse_url, tmp_path):
    """The first run after the upgrade to component keys recreates the touches table empty."""
    build_workspace(warehouse_url, tmp_path)
    _, before = render(warehouse_url, tmp_path / "before", TEXT)
    with make_engine(warehouse_url).begin() as conn:
        conn.execute(sa.text("delete from int_user_touches__daily"))

    with pytest.raises(ReportRunError, match=r"`engagement materialize --from 2026-09-30 --to 2026-11-02`"):
        render(warehouse_url, tmp_path / "refused", TEXT)

    materialize_days(warehouse_url, tmp_path, FIRST_DAY, LAST_DAY)
    _, after = render(warehouse_url, tmp_path / "after", TEXT)
    assert after == before
