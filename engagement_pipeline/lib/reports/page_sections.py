"""What each channel section of a campaign report page shows: its tiles, tables and charts.

Adobe Campaign's delivery reports are the model: for email a delivery summary, non-deliverables
by type and by domain, tracking indicators, URLs and click streams, and activity over time; for
the other channels their own counts and breakdowns. Stat keys are the metric contract's; the
page adds ``other_opens`` (opens − machine_opens) and shows ``click_to_open_rate`` as
"Reactivity", Adobe's name for it. Every chart has a table with the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from markupsafe import Markup

from engagement_pipeline.lib.models.bounce_categories import BOUNCE_CATEGORIES
from engagement_pipeline.lib.pages.charts import bar_svg, columns_svg, stacked_bar_svg, time_series_svg
from engagement_pipeline.lib.reports.page_data import PageData, top_links
from engagement_pipeline.lib.reports.page_sql import buckets
from engagement_pipeline.lib.reports.stats import CHANNEL_LABELS

LABELS = {
    "unique_recipients": "Unique recipients",
    "sent": "Sent",
    "delivered": "Delivered",
    "bounces": "Bounces",
    "soft_bounces": "Soft bounces",
    "delivery_rate": "Delivery rate",
    "opens": "Opens",
    "unique_opens": "Unique opens",
    "clicks": "Clicks",
    "unique_clicks": "Unique clicks",
    "click_to_open_rate": "Reactivity",
    "unsubscribes": "Unsubscribes",
    "reported_spam": "Spam complaints",
    "machine_opens": "Machine opens",
    "other_opens": "Other opens",
    "direct_opens": "Direct opens",
    "influenced_opens": "Influenced opens",
    "total_opens": "Total opens",
    "direct_open_rate": "Direct open rate",
    "sent_to_carrier": "Sent to carrier",
    "delivery_failed": "Failures",
    "rejected": "Rejections",
    "impressions": "Impressions",
    "unique_impressions": "Unique impressions",
    "first_button_clicks": "Button 1 clicks",
    "second_button_clicks": "Button 2 clicks",
    "click_rate": "Click rate",
    "dismissals": "Dismissals",
    "errors": "Errors",
    "error_rate": "Error rate",
    "read": "Read",
    "failed": "Failed",
    "conversions": "Conversions",
}
TITLES = {
    "delivery_rate": "delivered / sent",
    "click_to_open_rate": "unique clicks / unique opens",
    "machine_opens": "opens flagged as machine opens (Apple Mail Privacy Protection and similar)",
    "other_opens": "opens − machine opens",
    "direct_open_rate": "direct opens / (sent − bounces)",
}
CHANNEL_NAMES = CHANNEL_LABELS
HEADLINE = {
    "email": ("unique_recipients", "sent", "delivered", "bounces", "soft_bounces", "delivery_rate"),
    "push": ("unique_recipients", "sent", "bounces", "direct_opens", "influenced_opens", "total_opens", "direct_open_rate"),
    "web_push": ("unique_recipients", "sent", "bounces", "direct_opens", "total_opens", "direct_open_rate"),
    "sms": ("unique_recipients", "sent", "sent_to_carrier", "delivered", "delivery_failed", "rejected", "delivery_rate", "clicks"),
    "in_app_message": (
        "impressions",
        "unique_impressions",
        "clicks",
        "unique_clicks",
        "first_button_clicks",
        "second_button_clicks",
        "click_rate",
    ),
    "content_card": ("sent", "impressions", "unique_impressions", "clicks", "unique_clicks", "dismissals"),
    "webhook": ("sent", "errors", "error_rate"),
    "whatsapp": ("sent", "delivered", "read", "failed"),
}
TRACKING = ("opens", "unique_opens", "clicks", "unique_clicks", "click_to_open_rate", "unsubscribes", "reported_spam")
OVER_TIME = {
    "email": {"opens": "Opens", "clicks": "Clicks"},
    "push": {"sent": "Sent", "direct_opens": "Direct opens"},
    "web_push": {"sent": "Sent", "direct_opens": "Direct opens"},
    "sms": {"sent": "Sent", "delivered": "Delivered", "delivery_failed": "Failures", "rejected": "Rejections"},
    "in_app_message": {"impressions": "Impressions", "clicks": "Clicks"},
    "content_card": {"sent": "Sent", "impressions": "Impressions", "clicks": "Clicks"},
    "webhook": {"sent": "Sent", "errors": "Errors"},
    "whatsapp": {"sent": "Sent", "delivered": "Delivered"},
}
TOP_DOMAINS = 20
CATEGORY_NAMES = {c: c.replace("_", " ").capitalize() for c in BOUNCE_CATEGORIES}


def _drawn(values: Sequence, draw: Callable[[], Markup]) -> Markup | None:
    """The chart ``draw()`` makes, or None when ``values`` are all empty or 0 (the page then shows its table or a note)."""
    return draw() if any(values) else None


def _is_rate(stat: str) -> bool:
    return stat.endswith("_rate")


EMAIL_LABELS = {"bounces": "Hard bounces", "delivery_rate": "Success rate"}


def label(stat: str, channel: str) -> str:
    return (EMAIL_LABELS if channel == "email" else {}).get(stat) or LABELS.get(stat, stat)


def tiles(stats: Sequence[str], values: dict, channel: str) -> list[dict]:
    return [
        {"key": s, "label": label(s, channel), "value": values.get(s), "percent": _is_rate(s), "title": TITLES.get(s, "")} for s in stats
    ]


def column(key: str, label: str, kind: str = "count") -> dict:
    return {"key": key, "label": label, "kind": kind}


def _stat_columns(stats: Sequence[str], channel: str) -> list[dict]:
    return [column(s, label(s, channel), "percent" if _is_rate(s) else "count") for s in stats]


def variants(page: PageData, channel: str) -> dict:
    """The variants (Canvas: variation / step) side by side: one row each, the channel's headline stats."""
    stats = [*HEADLINE[channel], *(TRACKING if channel == "email" else ())]
    rows = [{"variant": v.label, **v.stats} for v in page.variants if v.channel == channel]
    first = "Variant" if page.kind == "campaign" else "Variation / step"
    return {"columns": [column("variant", first, "text"), *_stat_columns(stats, channel)], "rows": rows}


def over_time(page: PageData, channel: str) -> dict:
    """Counts per local hour (or day) of ``channel``, every bucket of the period (zeros included)."""
    wanted = OVER_TIME[channel]
    mine = page.series[page.series["channel"] == channel].set_index("bucket")
    grid = pd.DataFrame({"bucket": buckets(page.window)})
    for stat in wanted:
        grid[stat] = [int(mine[stat].get(b, 0)) if stat in mine else 0 for b in grid["bucket"]]
    fmt = "%a %Y-%m-%d %H:%M" if page.window.hourly else "%a %Y-%m-%d"
    rows = [{"when": b.strftime(fmt), **{s: r[s] for s in wanted}} for b, (_, r) in zip(grid["bucket"], grid.iterrows())]
    grid["bucket"] = [b.tz_localize(None) for b in grid["bucket"]]
    return {
        "frame": grid,
        "rows": rows,
        "columns": [column("when", "Hour" if page.window.hourly else "Day", "text"), *_stat_columns(wanted, channel)],
    }


def email(page: PageData) -> dict:
    totals = page.totals["email"]
    other = None if totals.get("opens") is None else totals["opens"] - (totals.get("machine_opens") or 0)
    bounces = page.rows("bounces")
    categories = [c for c in BOUNCE_CATEGORIES if any(r["bounce_category"] == c for r in bounces)]
    per = {(r["bounce_type"], r["bounce_category"]): r["bounces"] for r in bounces}
    failed = sum(r["bounces"] for r in bounces)
    bounce_rows = [
        {
            "type": "Hard" if r["bounce_type"] == "hard" else "Soft",
            "category": CATEGORY_NAMES.get(r["bounce_category"], r["bounce_category"]),
            "key": f"{r['bounce_type']}:{r['bounce_category']}",
            "bounces": r["bounces"],
            "share": r["bounces"] / failed if failed else None,
            "example": r["example_reason"] or "–",
        }
        for r in sorted(bounces, key=lambda r: (r["bounce_type"], -r["bounces"], r["bounce_category"]))
    ]
    domains = sorted(page.rows("domains"), key=lambda r: (-(r["bounces"] + r["soft_bounces"]), -r["sent"], r["email_domain"]))
    failing = [d for d in domains if d["bounces"] + d["soft_bounces"]][:10]
    links = top_links(page)
    time = over_time(page, "email")
    return {
        "delivery": tiles(HEADLINE["email"], totals, "email"),
        "tracking": tiles(TRACKING, totals, "email"),
        "opens_split": tiles(
            ("machine_opens", "other_opens"), {"machine_opens": totals.get("machine_opens"), "other_opens": other}, "email"
        ),
        "opens_chart": _drawn(
            [totals.get("opens")],
            lambda: bar_svg(
                ["Machine opens", "Other opens"], [totals.get("machine_opens") or 0, other or 0], "Machine opens vs other opens"
            ),
        ),
        "bounce_rows": bounce_rows,
        "bounce_chart": _drawn(
            categories,
            lambda: stacked_bar_svg(
                [CATEGORY_NAMES[c] for c in categories],
                {"Hard": [per.get(("hard", c), 0) for c in categories], "Soft": [per.get(("soft", c), 0) for c in categories]},
                "Non-deliverables by type",
            ),
        ),
        "domain_rows": domains[:TOP_DOMAINS],
        "domains_left_out": max(0, len(domains) - TOP_DOMAINS),
        "domain_chart": _drawn(
            failing,
            lambda: stacked_bar_svg(
                [d["email_domain"] for d in failing],
                {"Hard": [d["bounces"] for d in failing], "Soft": [d["soft_bounces"] for d in failing]},
                "Non-deliverables by recipient domain (top 10)",
            ),
        ),
        "link_rows": links,
        "link_chart": _drawn(
            links, lambda: bar_svg([r["link_alias"] or r["url"] for r in links], [r["clicks"] for r in links], "Clicks per link (top 10)")
        ),
        "time": time,
        "click_chart": _drawn(
            time["frame"]["clicks"].tolist(),
            lambda: columns_svg(time["frame"], "bucket", {"clicks": "Clicks"}, "Click distribution over time", hourly=page.window.hourly),
        ),
        "activity_chart": _drawn(
            [*time["frame"]["opens"], *time["frame"]["clicks"]],
            lambda: time_series_svg(time["frame"], "bucket", OVER_TIME["email"], "User activity: opens and clicks"),
        ),
        "variants": variants(page, "email"),
    }


def other_channel(page: PageData, channel: str) -> dict:
    """Push, SMS, in-app, content cards, webhooks, WhatsApp: headline tiles, breakdowns, variants, activity."""
    totals = page.totals[channel]
    time = over_time(page, channel)
    section = {
        "tiles": tiles(HEADLINE[channel], totals, channel),
        "time": time,
        "time_chart": _drawn(
            time["frame"][list(OVER_TIME[channel])].to_numpy().ravel().tolist(),
            lambda: time_series_svg(time["frame"], "bucket", OVER_TIME[channel], f"{CHANNEL_NAMES[channel]} activity over time"),
        ),
        "variants": variants(page, channel),
    }
    if channel in ("push", "web_push"):
        platforms = sorted(page.rows("platforms", channel=channel), key=lambda r: (-r["sent"], r["platform"]))
        section["platform_rows"] = platforms
        section["platform_chart"] = _drawn(
            platforms, lambda: bar_svg([r["platform"] for r in platforms], [r["sent"] for r in platforms], "Sent by platform")
        )
    if channel in ("sms", "webhook", "whatsapp"):
        errors = sorted(page.rows("errors", channel=channel), key=lambda r: (-r["events"], r["error_type"], r["error_code"]))
        names = {"rejection": "Rejection", "delivery_failure": "Delivery failure", "failure": "Failure"}
        section["error_rows"] = [r | {"type": names[r["error_type"]], "key": f"{r['error_type']}:{r['error_code']}"} for r in errors]
        section["error_chart"] = _drawn(
            errors,
            lambda: bar_svg(
                [f"{names[r['error_type']]} {r['error_code']}" for r in errors], [r["events"] for r in errors], "Errors by reason"
            ),
        )
    return section
