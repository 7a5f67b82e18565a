"""A campaign's control group in campaigns.csv: its own rows (channel `control`), only the control stats."""

from datetime import date

from tests.support import event, load_events, materialize_days
from tests.support.reports import pick, render

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 21)
FRAME = "name: Spring\ntime_frame: {start: 2026-11-20, end: 2026-11-21}\nmessages: {campaigns: [c_ab]}\n"


def _ab(variation: str, name: str | None) -> dict:
    return {"campaign_id": "c_ab", "campaign_name": "Spring sale", "message_variation_id": variation, "message_variation_name": name}


def _events() -> list[dict]:
    email, convert = "users.messages.email.", "users.campaigns.Conversion"
    sent = [
        event(email + action, f"2026-11-20T09:00:0{i}", user, **_ab("va", "Subject A"))
        for user in ("u1", "u2")
        for i, action in enumerate(("Send", "Delivery"))
    ]
    enrolled = [
        event("users.campaigns.EnrollInControl", "2026-11-20T09:00:00", user, **_ab("vc", None)) for user in ("u3", "u4", "u5", "u6")
    ]
    return [
        *sent,
        *enrolled,
        event(convert, "2026-11-20T12:00:00", "u1", **_ab("va", "Subject A")),
        event(convert, "2026-11-20T13:00:00", "u3", **_ab("vc", None)),
        event(convert, "2026-11-21T08:00:00", "u3", **_ab("vc", None)),
        event(convert, "2026-11-21T09:00:00", "u4", **_ab("vc", None)),
    ]


def test_the_control_group_has_its_own_rows_with_only_its_stats(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    materialize_days(warehouse_url, tmp_path, DAY, NEXT)

    _, files = render(warehouse_url, tmp_path / "variants", FRAME + "interval: total\n")
    rows = files["campaigns.csv"]
    columns = (
        "variation_id",
        "variation_name",
        "channel",
        "sent",
        "delivered",
        "unique_recipients",
        "enrolled_in_control",
        "conversions",
        "unique_conversions",
        "conversion_rate",
    )
    assert pick(rows, *columns) == [
        ("va", "Subject A", "email", "2", "2", "2", "0", "1", "1", ""),
        ("vc", "Control Group", "control", "", "", "", "4", "3", "2", "0.5"),
    ]
    control = rows[1]
    assert {stat for stat, value in control.items() if value} == {
        "period_start",
        "period_end",
        "campaign_id",
        "campaign_name",
        "variation_id",
        "variation_name",
        "channel",
        "enrolled_in_control",
        "conversions",
        "unique_conversions",
        "conversion_rate",
    }

    _, files = render(warehouse_url, tmp_path / "campaign", FRAME + "level: {campaigns: campaign}\n")
    daily = pick(
        files["campaigns.csv"],
        "period_start",
        "variation_name",
        "channel",
        "enrolled_in_control",
        "conversions",
        "unique_conversions",
        "conversion_rate",
    )
    assert daily == [
        ("2026-11-20", "", "control", "4", "1", "1", "0.25"),
        ("2026-11-20", "", "email", "0", "1", "1", ""),
        ("2026-11-21", "", "control", "0", "2", "2", ""),
        ("2026-11-21", "", "email", "0", "0", "0", ""),
    ]


def test_a_report_without_enrolments_shows_no_control_group_row(warehouse_url, tmp_path):
    load_events(warehouse_url, _events())
    materialize_days(warehouse_url, tmp_path, DAY, NEXT)

    _, files = render(warehouse_url, tmp_path / "report", FRAME + "interval: total\nstats: [sent, conversions]\n")

    assert pick(files["campaigns.csv"], "variation_id", "channel", "sent", "conversions") == [("va", "email", "2", "1")]
