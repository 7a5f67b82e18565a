from __future__ import annotations

import pytest

from engagement_pipeline.lib.reports.stats import CHANNELS, CONTROL, STAT_CATALOG, base_stats_needed, stats_for_channels


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        (
            ["webhook"],
            [
                "sent",
                "errors",
                "unique_recipients",
                "conversions",
                "unique_conversions",
                "enrolled_in_control",
                "entries",
                "aborts",
                "retries",
                "error_rate",
                "conversion_rate",
            ],
        ),
        (
            ["whatsapp"],
            [
                "sent",
                "delivered",
                "read",
                "failed",
                "unique_recipients",
                "conversions",
                "unique_conversions",
                "enrolled_in_control",
                "entries",
                "aborts",
                "retries",
                "conversion_rate",
            ],
        ),
        (
            ["web_push"],
            [
                "sent",
                "bounces",
                "direct_opens",
                "body_clicks",
                "total_opens",
                "unique_recipients",
                "conversions",
                "unique_conversions",
                "enrolled_in_control",
                "entries",
                "aborts",
                "retries",
                "direct_open_rate",
                "conversion_rate",
            ],
        ),
    ],
)
def test_stats_for_channels_in_catalogue_order(channels: list[str], expected: list[str]) -> None:
    assert stats_for_channels(channels) == expected


def test_email_gets_every_email_stat_and_rate() -> None:
    email = set(stats_for_channels(["email"]))
    assert {"opens", "unique_opens", "machine_opens", "soft_bounces", "reported_spam", "click_to_open_rate", "spam_rate"} <= email
    assert not {"direct_opens", "impressions", "errors"} & email


def test_canvas_only_and_campaign_only_stats() -> None:
    assert "entries" not in stats_for_channels(["email"], message_kind="campaign")
    assert {"unique_conversions", "enrolled_in_control", "conversion_rate"}.isdisjoint(stats_for_channels(["email"], message_kind="canvas"))


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel"):
        stats_for_channels(["fax"])


@pytest.mark.parametrize(
    ("rate", "channel", "values", "expected"),
    [
        ("open_rate", "email", {"opens": 30, "delivered": 120}, 0.25),
        ("click_to_open_rate", "email", {"unique_clicks": 5, "unique_opens": 20}, 0.25),
        ("direct_open_rate", "push", {"direct_opens": 9, "sent": 100, "bounces": 10}, 0.1),
        ("click_rate", "email", {"clicks": 2, "delivered": 8, "impressions": 100}, 0.25),
        ("click_rate", "in_app_message", {"clicks": 2, "delivered": 8, "impressions": 100}, 0.02),
        ("delivery_rate", "sms", {"delivered": 0, "sent": 0}, None),
        ("error_rate", "webhook", {"errors": 1, "sent": None}, None),
        ("conversion_rate", "control", {"unique_conversions": 1, "enrolled_in_control": 4}, 0.25),
    ],
)
def test_rate_formulas(rate: str, channel: str, values: dict[str, int | None], expected: float | None) -> None:
    assert STAT_CATALOG[rate].ratio_for(channel).evaluate(values) == expected


def test_catalogue_is_consistent() -> None:
    for info in STAT_CATALOG.values():
        assert info.channels and set(info.channels) <= {*CHANNELS, CONTROL}, info.name
        assert (info.kind == "rate") == (info.ratio is not None), info.name
        if info.ratio:
            assert all(STAT_CATALOG[name].kind != "rate" for name in info.ratio.inputs), info.name
    assert STAT_CATALOG["direct_open_rate"].denominator == (("sent",), ("bounces",))
    assert STAT_CATALOG["unique_opens"].kind == "unique" and STAT_CATALOG["opens"].kind == "additive"


def test_base_stats_needed_for_rates() -> None:
    assert base_stats_needed(["open_rate", "total_opens"], ["email", "push"]) == [
        "delivered",
        "opens",
        "direct_opens",
        "influenced_opens",
        "total_opens",
    ]
    assert base_stats_needed(["click_rate"], ["in_app_message"]) == ["clicks", "impressions"]
