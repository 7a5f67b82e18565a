"""A hand-built workspace for the campaign report pages, and the numbers a person would count in it.

The report period is 2026-11-10 .. 2026-11-11 in Asia/Kolkata (UTC+05:30): the UTC instants
2026-11-09T18:30:00 (inclusive) .. 2026-11-11T18:30:00 (exclusive). Events one second either
side of both edges and a bounce just after the end check that the breakdowns cut at local
midnight, not at UTC days. Campaigns: "Autumn sale" (email, variants "Subject A" / "Subject B"),
"Push promo" (push on two platforms, one influenced open), "SMS promo" (a delivery, a failure
and a rejection), "In-app banner", and the Canvas "Onboarding" (an email step and a push step).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from tests.support import event, load_events, materialize_days

TIMEZONE = "Asia/Kolkata"
PERIOD = (date(2026, 11, 10), date(2026, 11, 11))
UTC_DAYS = (date(2026, 11, 9), date(2026, 11, 12))
START, END = "2026-11-09T18:30:00", "2026-11-11T18:30:00"
EMAIL, PUSH, SMS = "users.messages.email.", "users.messages.pushnotification.", "users.messages.sms."
DEFINITION = f"""name: Autumn pages
messages:
  campaigns: [c_mail, c_push, c_sms, c_iam]
  canvases: [cv_onb]
level: {{campaigns: campaign, canvases: canvas}}
time_frame: {{start: {PERIOD[0]}, end: {PERIOD[1]}}}
interval: total
timezone: {TIMEZONE}
compression: none
formats: [csv, html]
recipients: [analyst@example.com]
"""
LINK_A, LINK_B, LINK_C, LINK_BOT = (f"https://shop.example.com/{p}" for p in ("autumn", "boots", "coats", "bot"))


def _mail(variant: str, domain: str | None = None, **extra) -> dict:
    keys = {"campaign_id": "c_mail", "campaign_name": "Autumn sale", "message_variation_id": variant}
    keys["message_variation_name"] = {"va": "Subject A", "vb": "Subject B"}[variant]
    return keys | ({"email_domain": domain} if domain else {}) | extra


def email_events() -> list[dict]:
    sends = {"u1": ("va", "gmail.com"), "u2": ("va", "gmail.com"), "u3": ("va", "yahoo.com"), "u7": ("va", "hotmail.com")}
    sends |= {"u4": ("vb", "example.org"), "u5": ("vb", "gmail.com"), "u6": ("vb", "yahoo.com")}
    rows = [event(EMAIL + "Send", START, user, **_mail(v, d)) for user, (v, d) in sends.items()]
    rows += [event(EMAIL + "Delivery", "2026-11-10T02:00:00", u, **_mail(sends[u][0], sends[u][1])) for u in ("u1", "u2", "u4", "u5")]
    rows += [
        event(
            EMAIL + "Bounce", "2026-11-10T02:00:00", "u3", **_mail("va", "yahoo.com", bounce_reason="550-5.1.1 The account does not exist")
        ),
        event(EMAIL + "Bounce", "2026-11-10T02:00:00", "u7", **_mail("va", "hotmail.com", bounce_reason="554 5.7.1 Rejected by policy")),
        event(EMAIL + "SoftBounce", "2026-11-10T03:00:00", "u6", **_mail("vb", "yahoo.com", bounce_reason="452 4.2.2 Mailbox full")),
        event(EMAIL + "Open", "2026-11-10T04:10:00", "u1", **_mail("va", "gmail.com")),
        event(EMAIL + "Open", "2026-11-10T04:20:00", "u1", **_mail("va", "gmail.com", is_machine_open=True)),
        event(EMAIL + "Open", "2026-11-10T05:00:00", "u2", **_mail("va", "gmail.com", is_machine_open=True)),
        event(EMAIL + "Open", "2026-11-11T09:00:00", "u4", **_mail("vb", "example.org")),
        event(EMAIL + "Open", "2026-11-11T18:29:59", "u5", **_mail("vb", "gmail.com")),
        event(EMAIL + "Click", "2026-11-10T04:11:00", "u1", **_mail("va", "gmail.com", url=LINK_A, link_alias="hero")),
        event(EMAIL + "Click", "2026-11-10T04:12:00", "u1", **_mail("va", "gmail.com", url=LINK_A, link_alias="hero")),
        event(EMAIL + "Click", "2026-11-10T04:13:00", "u1", **_mail("va", "gmail.com", url=LINK_B, link_alias="boots")),
        event(EMAIL + "Click", START, "u2", **_mail("va", "gmail.com", url=LINK_A, link_alias="hero")),
        event(EMAIL + "Click", "2026-11-11T09:05:00", "u4", **_mail("vb", "example.org", url=LINK_C)),
        event(EMAIL + "Click", "2026-11-11T09:06:00", "u5", **_mail("vb", "gmail.com", url=LINK_BOT, is_bot_click=True)),
        event(EMAIL + "Unsubscribe", "2026-11-11T09:10:00", "u4", **_mail("vb", "example.org")),
        event(EMAIL + "MarkAsSpam", "2026-11-11T09:20:00", "u5", **_mail("vb", "gmail.com")),
        # outside the local period: one second before its start, at its end, and a bounce after it
        event(EMAIL + "Send", "2026-11-09T18:29:59", "u8", **_mail("va", "gmail.com")),
        event(EMAIL + "Open", END, "u1", **_mail("va", "gmail.com")),
        event(EMAIL + "Click", END, "u1", **_mail("va", "gmail.com", url=LINK_C)),
        event(EMAIL + "Bounce", "2026-11-11T18:45:00", "u9", **_mail("va", "other.com", bounce_reason="550 5.1.1 user unknown")),
    ]
    return rows


def other_events() -> list[dict]:
    push = {"campaign_id": "c_push", "campaign_name": "Push promo", "message_variation_id": "vp"}
    sms = {"campaign_id": "c_sms", "campaign_name": "SMS promo", "message_variation_id": "vs"}
    iam = {"campaign_id": "c_iam", "campaign_name": "In-app banner", "message_variation_id": "vi"}
    step = {"canvas_id": "cv_onb", "canvas_name": "Onboarding", "canvas_variation_id": "cvv", "canvas_variation_name": "Main"}
    email_step = step | {"canvas_step_id": "s1", "canvas_step_name": "Welcome email", "email_domain": "gmail.com"}
    push_step = step | {"canvas_step_id": "s2", "canvas_step_name": "Push nudge", "platform": "ios"}
    return [
        event(PUSH + "Send", "2026-11-10T06:00:00", "u1", platform="ios", **push),
        event(PUSH + "Open", "2026-11-10T06:05:00", "u1", platform="ios", **push),
        event(PUSH + "Send", "2026-11-10T06:00:00", "u2", platform="android", **push),
        event("users.behaviors.app.SessionStart", "2026-11-10T06:10:00", "u2", platform="android"),
        event(PUSH + "Send", "2026-11-10T06:00:00", "u3", platform="android", **push),
        event(PUSH + "Bounce", "2026-11-10T06:00:01", "u3", platform="android", **push),
        event(PUSH + "Send", "2026-11-09T18:00:00", "u4", platform="ios", **push),
        event(SMS + "Send", "2026-11-10T07:00:00", "u1", **sms),
        event(SMS + "CarrierSend", "2026-11-10T07:00:01", "u1", **sms),
        event(SMS + "Delivery", "2026-11-10T07:00:05", "u1", **sms),
        event(SMS + "Send", "2026-11-10T07:00:00", "u2", **sms),
        event(SMS + "DeliveryFailure", "2026-11-10T07:00:09", "u2", error_code="30003", **sms),
        event(SMS + "Send", "2026-11-10T07:00:00", "u3", **sms),
        event(SMS + "Rejection", "2026-11-10T07:00:02", "u3", error_code="21610", **sms),
        event(SMS + "Rejection", "2026-11-11T18:31:00", "u4", error_code="30007", **sms),
        event("users.messages.inappmessage.Impression", "2026-11-10T08:00:00", "u1", **iam),
        event("users.messages.inappmessage.Impression", "2026-11-10T09:00:00", "u1", **iam),
        event("users.messages.inappmessage.Impression", "2026-11-10T08:00:00", "u2", **iam),
        event("users.messages.inappmessage.Click", "2026-11-10T08:00:05", "u1", button_id="0", **iam),
        event("users.messages.inappmessage.Click", "2026-11-10T08:00:07", "u2", button_id="1", **iam),
        event(EMAIL + "Send", "2026-11-10T10:00:00", "u5", **email_step),
        event(EMAIL + "Delivery", "2026-11-10T10:00:02", "u5", **email_step),
        event(EMAIL + "Open", "2026-11-10T10:30:00", "u5", **email_step),
        event(PUSH + "Send", "2026-11-10T11:00:00", "u5", **push_step),
    ]


CATALOG = {
    "campaigns.list.json": (
        "campaigns",
        [("c_mail", "Autumn sale"), ("c_push", "Push promo"), ("c_sms", "SMS promo"), ("c_iam", "In-app banner")],
    ),
    "canvas.list.json": ("canvases", [("cv_onb", "Onboarding")]),
}


def build_page_workspace(url: str, home: Path) -> None:
    """Load the events and a Braze catalog export, then build every model for the four UTC days."""
    load_events(url, email_events() + other_events())
    folder = home / "landing" / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, (key, items) in CATALOG.items():
        listed = [{"id": i, "name": n, "tags": ["autumn"], "last_edited": "2026-09-01T00:00:00+00:00"} for i, n in items]
        (folder / file_name).write_text(json.dumps({key: listed, "message": "success"}))
    materialize_days(url, home, *UTC_DAYS)


@dataclass
class PageView:
    """What a reader of a page sees, by the page's data attributes: tiles by (channel, stat) and table
    cells by table id, row key and column (``data-value`` for numbers, the text otherwise)."""

    tiles: dict[tuple[str, str], str] = field(default_factory=dict)
    tables: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.view = PageView()
        self.channel: str | None = None
        self.table: dict | None = None
        self.row: dict | None = None
        self.cell: str | None = None
        self.value: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "section" and "data-channel" in a:
            self.channel = a["data-channel"]
            self.view.channels.append(a["data-channel"])
        elif tag == "div" and "data-stat" in a:
            self.view.tiles[(self.channel, a["data-stat"])] = a["data-value"]
        elif tag == "table" and "id" in a:
            self.table = self.view.tables.setdefault(a["id"], {})
        elif tag == "tr" and self.table is not None and "data-key" in a:
            self.row = self.table.setdefault(a["data-key"], {})
        elif tag == "td" and self.row is not None:
            self.cell, self.value, self.text = a["data-col"], a.get("data-value"), ""

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.row is not None:
            self.row[self.cell] = self.value if self.value is not None else self.text.strip()
            self.cell = None
        elif tag == "table":
            self.table = self.row = None


def read_page(html: str) -> PageView:
    reader = _Reader()
    reader.feed(html)
    return reader.view


def render_with_pages(url: str, home: Path, text: str, report_id: str) -> tuple:
    """Render a definition given as YAML into ``home/reports``: (report, {csv name: rows}, {page file: html})."""
    from datetime import UTC, datetime

    from engagement_pipeline.lib.platform.storage import ObjectStore
    from engagement_pipeline.lib.platform.warehouse import make_engine
    from engagement_pipeline.lib.reports.build import generate_report
    from tests.support.reports import definition, read_files

    (home / "defs").mkdir(exist_ok=True)
    defn = definition(text, home / "defs", report_id)
    store = ObjectStore(str(home / "reports"))
    report = generate_report(defn, make_engine(url), store, run_id=f"run-{report_id}", as_of=datetime(2026, 11, 13, tzinfo=UTC))
    pages = {f.name: store.read(f.key).decode() for f in report.output.files if f.name.endswith(".html")}
    return report, read_files(store, report), pages
