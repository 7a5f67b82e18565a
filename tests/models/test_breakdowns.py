"""The breakdown marts Braze lacks: email by domain, bounce categories, links, push platforms, errors."""

import re
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from engagement_pipeline.lib.models.bounce_categories import BOUNCE_CATEGORIES, RULES, classify_bounce
from engagement_pipeline.lib.models.sql_models import SQL_ROOT
from tests.support import event, load_events, model_assets, resources, table

DAY = date(2026, 11, 20)
NEXT_DAY = date(2026, 11, 21)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
BREAKDOWNS = [
    "stg_currents__events",
    "int_email_bounces__classified",
    "email_domain_daily_stats",
    "email_bounce_reasons_daily",
    "email_link_daily_stats",
    "push_platform_daily_stats",
    "message_error_daily_stats",
]
KEY = ("message_kind", "message_id", "variation_id", "step_id")

BOUNCE_TEXTS = [
    ("550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking", "unknown_user"),
    ("550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table", "unknown_user"),
    ("smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "unknown_user"),
    ("550 No such user here", "unknown_user"),
    ("Host or domain name not found. Name service error for name=gmial.com type=A: Host not found", "invalid_domain"),
    ("550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", "invalid_domain"),
    ("550 Requested action not taken: domain does not exist", "invalid_domain"),
    ("552-5.2.2 The email account that you tried to reach is over quota.", "mailbox_full"),
    ("452 4.2.2 The recipient's inbox is out of storage space", "mailbox_full"),
    ("Mailbox is full / Blocks limit exceeded / Inode limit exceeded", "mailbox_full"),
    ("554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org", "refused"),
    ("550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender", "refused"),
    ("554 Message rejected due to content policy", "refused"),
    ("451 4.4.1 No answer from host", "unreachable"),
    ("Connection timed out while talking to mx.example.com", "unreachable"),
    ("421 Service temporarily unavailable, closing transmission channel", "unreachable"),
    ("554 5.3.4 Message too big for system (via relay 5.7.3.4)", "other"),
    ("", "other"),
    (None, "other"),
]


def build(url: str, home: Path, first: date, last: date | None = None, **settings) -> None:
    """Materialize the staging events and the breakdown models (with their grain checks)."""
    result = dg.materialize(
        model_assets(),
        selection=dg.AssetSelection.assets(*BREAKDOWNS),
        resources=resources(url, home, **settings),
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": (last or first).isoformat(),
        },
    )
    checks = result.get_asset_check_evaluations()  # one per grain check and day of the range
    days = ((last or first) - first).days + 1
    assert len(checks) == len(BREAKDOWNS) * days and all(check.passed for check in checks)
    assert {check.asset_key.path[-1] for check in checks} == set(BREAKDOWNS)


def rows(url: str, mart: str, *columns: str) -> list[tuple]:
    names = ", ".join((*KEY, *columns))
    return [tuple(r.values()) for r in table(url, f"select {names} from {mart} order by {names}")]


def email(action: str, user: str, domain: str = "gmail.com", **fields) -> dict:
    ids = fields.pop("ids", {"campaign_id": "c1", "message_variation_id": "v1"})
    return event(f"users.messages.email.{action}", "2026-11-20T09:00:00", user, email_domain=domain, **ids, **fields)


def test_email_stats_by_recipient_domain(warehouse_url, tmp_path):
    typo = "550 5.1.2 <u4@gmial.com>: Host or domain name not found"
    canvas = {"canvas_id": "cv1", "canvas_variation_id": "cvv1", "canvas_step_id": "s1", "campaign_id": "placeholder"}
    load_events(
        warehouse_url,
        [
            email("Send", "u1"),
            email("Delivery", "u1"),
            email("Open", "u1"),
            email("Open", "u1"),
            email("Click", "u1"),
            email("MarkAsSpam", "u1"),
            email("Send", "u2"),
            email("Delivery", "u2"),
            email("Open", "u2"),
            email("Click", "u2", is_bot_click=True),
            email("Send", "u3", "yahoo.com"),
            email("SoftBounce", "u3", "yahoo.com", bounce_reason="452 4.2.2 over quota"),
            email("Send", "u4", "gmial.com"),
            email("Bounce", "u4", "gmial.com", bounce_reason=typo),
            email("Send", "u5", ids=canvas),
        ],
    )
    build(warehouse_url, tmp_path, DAY)

    measures = ("sent", "delivered", "bounces", "soft_bounces", "unique_opens", "unique_clicks", "reported_spam")
    assert rows(warehouse_url, "email_domain_daily_stats", "email_domain", *measures) == [
        ("campaign", "c1", "v1", "", "gmail.com", 2, 2, 0, 0, 2, 1, 1),
        ("campaign", "c1", "v1", "", "gmial.com", 1, 0, 1, 0, 0, 0, 0),
        ("campaign", "c1", "v1", "", "yahoo.com", 1, 0, 0, 1, 0, 0, 0),
        ("canvas", "cv1", "cvv1", "s1", "gmail.com", 1, 0, 0, 0, 0, 0, 0),
    ]
    assert rows(warehouse_url, "email_bounce_reasons_daily", "bounce_type", "bounce_category", "bounces") == [
        ("campaign", "c1", "v1", "", "hard", "invalid_domain", 1),
        ("campaign", "c1", "v1", "", "soft", "mailbox_full", 1),
    ]


@pytest.mark.parametrize(("reason", "category"), BOUNCE_TEXTS)
def test_bounce_reason_category(reason, category):
    assert classify_bounce(reason) == category


def test_bounce_categories_in_sql_match_the_documented_rules(warehouse_url, tmp_path):
    bounces = [email("Bounce", f"u{n}", bounce_reason=reason) for n, (reason, _) in enumerate(BOUNCE_TEXTS)]
    load_events(warehouse_url, bounces)
    build(warehouse_url, tmp_path, DAY)

    found = {r["event_id"]: r["bounce_category"] for r in table(warehouse_url, "select * from int_email_bounces__classified")}
    assert [found[b["event_id"]] for b in bounces] == [category for _, category in BOUNCE_TEXTS]


def test_hard_and_soft_bounces_are_counted_apart_with_a_sample_reason(warehouse_url, tmp_path):
    load_events(
        warehouse_url,
        [
            email("Bounce", "u1", bounce_reason="550 5.1.1 user unknown"),
            email("Bounce", "u2", bounce_reason="550 5.1.1 mailbox does not exist"),
            email("SoftBounce", "u3", bounce_reason="452 4.2.2 mailbox full"),
            email("SoftBounce", "u4", bounce_reason="550 5.1.1 user unknown"),
            email("SoftBounce", "u5"),
        ],
    )
    build(warehouse_url, tmp_path, DAY)

    assert rows(warehouse_url, "email_bounce_reasons_daily", "bounce_type", "bounce_category", "bounces", "example_reason") == [
        ("campaign", "c1", "v1", "", "hard", "unknown_user", 2, "550 5.1.1 mailbox does not exist"),
        ("campaign", "c1", "v1", "", "soft", "mailbox_full", 1, "452 4.2.2 mailbox full"),
        ("campaign", "c1", "v1", "", "soft", "other", 1, None),
        ("campaign", "c1", "v1", "", "soft", "unknown_user", 1, "550 5.1.1 user unknown"),
    ]


@pytest.mark.parametrize(("count_bot_clicks", "hero"), [(False, (3, 2)), (True, (4, 3))])
def test_link_clicks_and_unique_clicks(warehouse_url, tmp_path, count_bot_clicks, hero):
    hero_url, footer_url = "https://shop.example/sale", "https://shop.example/help"
    load_events(
        warehouse_url,
        [
            email("Click", "u1", url=hero_url, link_alias="hero"),
            email("Click", "u1", url=hero_url, link_alias="hero"),
            email("Click", "u2", url=hero_url, link_alias="hero"),
            email("Click", "u3", url=hero_url, link_alias="hero", is_bot_click=True),
            email("Click", "u1", url=footer_url),
        ],
    )
    build(warehouse_url, tmp_path, DAY, count_bot_clicks=count_bot_clicks)

    assert rows(warehouse_url, "email_link_daily_stats", "url", "link_alias", "clicks", "unique_clicks") == [
        ("campaign", "c1", "v1", "", footer_url, None, 1, 1),
        ("campaign", "c1", "v1", "", hero_url, "hero", *hero),
    ]


def documented_query(name: str) -> str:
    match = re.search(rf"<!-- query: {name} -->\s*```sql\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert match, f"{DOCS}: no ```sql block after <!-- query: {name} -->"
    return match.group(1)


def test_top_10_links_query_ranks_links_over_the_period(warehouse_url, tmp_path):
    def click(n: int, user: int, at: str = "2026-11-20T09:00:00", **fields) -> dict:
        url = f"https://shop.example/p{n:02d}"
        return event("users.messages.email.Click", at, f"u{user}", campaign_id="c1", url=url, **fields)

    clicks = [click(n, user) for n in (1, 2, *range(5, 12)) for user in range(1, n + 1)]
    clicks += [click(3, user) for user in (1, 2, 3, 4)] + [click(4, user) for user in (1, 1, 2, 2)]
    clicks += [click(12, user, at) for at in ("2026-11-20T09:00:00", "2026-11-21T09:00:00") for user in range(1, 7)]
    clicks += [click(1, 99, is_bot_click=True) for _ in range(20)]
    clicks += [event("users.messages.email.Click", "2026-11-21T10:00:00", "u1", campaign_id="c2", url="https://x.example")]
    load_events(warehouse_url, clicks)
    build(warehouse_url, tmp_path, DAY, NEXT_DAY)

    top = table(warehouse_url, documented_query("top_links"), start_date=DAY, end_date=date(2026, 11, 22), count_bot_clicks=False)

    c1 = [
        (r["url"].removeprefix("https://shop.example/"), r["clicks"], r["unique_clicks"], r["link_rank"])
        for r in top
        if r["message_id"] == "c1"
    ]
    assert c1 == [
        ("p12", 12, 6, 1),
        ("p11", 11, 11, 2),
        ("p10", 10, 10, 3),
        ("p09", 9, 9, 4),
        ("p08", 8, 8, 5),
        ("p07", 7, 7, 6),
        ("p06", 6, 6, 7),
        ("p05", 5, 5, 8),
        ("p03", 4, 4, 9),
        ("p04", 4, 2, 10),
    ]
    assert [(r["message_id"], r["url"], r["link_rank"]) for r in top if r["message_id"] == "c2"] == [("c2", "https://x.example", 1)]


def test_push_stats_by_platform_including_web_push(warehouse_url, tmp_path):
    def push(action: str, user: str, platform: str) -> dict:
        at = "2026-11-20T12:00:00"
        return event(f"users.messages.pushnotification.{action}", at, user, platform=platform, campaign_id="c1", message_variation_id="v1")

    load_events(
        warehouse_url,
        [
            push("Send", "u1", "ios"),
            push("Send", "u2", "ios"),
            push("Open", "u1", "ios"),
            push("Send", "u3", "android"),
            push("Bounce", "u3", "android"),
            push("Send", "u4", "web"),
            push("Open", "u4", "web"),
        ],
    )
    build(warehouse_url, tmp_path, DAY)

    assert rows(warehouse_url, "push_platform_daily_stats", "channel", "platform", "sent", "bounces", "direct_opens") == [
        ("campaign", "c1", "v1", "", "push", "android", 1, 1, 0),
        ("campaign", "c1", "v1", "", "push", "ios", 2, 0, 1),
        ("campaign", "c1", "v1", "", "web_push", "web", 1, 0, 1),
    ]


def test_errors_by_sms_provider_code_and_webhook_http_status(warehouse_url, tmp_path):
    def failure(event_type: str, code: str | None, **ids) -> dict:
        ids = ids or {"campaign_id": "c1", "message_variation_id": "v1"}
        return event(f"users.messages.{event_type}", "2026-11-20T15:00:00", error_code=code, **ids)

    load_events(
        warehouse_url,
        [
            failure("sms.Rejection", "30005"),
            failure("sms.Rejection", "30005"),
            failure("sms.Rejection", "30007"),
            failure("sms.Rejection", None),
            failure("sms.DeliveryFailure", "30003"),
            failure("webhook.Failure", "500"),
            failure("webhook.Failure", "500"),
            failure("webhook.Failure", "404"),
            failure("whatsapp.Failure", "131026"),
            failure("webhook.Failure", "503", canvas_id="cv1", canvas_variation_id="cvv1", canvas_step_id="s1"),
        ],
    )
    build(warehouse_url, tmp_path, DAY)

    assert rows(warehouse_url, "message_error_daily_stats", "channel", "error_type", "error_code", "events") == [
        ("campaign", "c1", "v1", "", "sms", "sms_delivery_failure", "30003", 1),
        ("campaign", "c1", "v1", "", "sms", "sms_rejection", "30005", 2),
        ("campaign", "c1", "v1", "", "sms", "sms_rejection", "30007", 1),
        ("campaign", "c1", "v1", "", "sms", "sms_rejection", "unknown", 1),
        ("campaign", "c1", "v1", "", "webhook", "webhook_failure", "404", 1),
        ("campaign", "c1", "v1", "", "webhook", "webhook_failure", "500", 2),
        ("campaign", "c1", "v1", "", "whatsapp", "whatsapp_failure", "131026", 1),
        ("canvas", "cv1", "cvv1", "s1", "webhook", "webhook_failure", "503", 1),
    ]


def test_sql_rules_and_docs_list_the_python_rules_in_order():
    sql = (SQL_ROOT / "intermediate" / "int_email_bounces__classified.sql").read_text()
    in_sql = re.findall(r"\((\d+), '([^']*)', '([a-z_]+)'\)", sql)
    assert in_sql == [(str(r.priority), r.pattern, r.category) for r in RULES]
    docs = DOCS.read_text()
    missing = [r.pattern for r in RULES if f"`{r.pattern}`" not in docs]
    assert not missing, f"{DOCS}: bounce rules not documented: {missing}"
    assert {r.category for r in RULES} | {"other"} == set(BOUNCE_CATEGORIES)
