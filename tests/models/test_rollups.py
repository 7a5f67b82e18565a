"""The core rollups on small hand-made days: every stat and rate of every channel, checked by hand."""

import json
from datetime import date, datetime

import dagster as dg
import pytest

from tests.support import event, load_events, materialize_days, table

DAY, NEXT = date(2026, 11, 20), date(2026, 11, 21)
STATS = (
    "sent delivered bounces soft_bounces opens unique_opens machine_opens clicks unique_clicks unsubscribes "
    "reported_spam direct_opens body_clicks influenced_opens total_opens impressions unique_impressions "
    "first_button_clicks second_button_clicks dismissals errors sent_to_carrier rejected delivery_failed read "
    "failed unique_recipients conversions unique_conversions enrolled_in_control entries aborts retries"
).split()
RATES = (
    "delivery_rate bounce_rate open_rate unique_open_rate click_rate unique_click_rate click_to_open_rate "
    "unsubscribe_rate spam_rate direct_open_rate error_rate conversion_rate"
).split()
MARTS = (
    "channel_daily_stats",
    "campaign_daily_stats",
    "campaign_variant_daily_stats",
    "canvas_daily_stats",
    "canvas_step_daily_stats",
)
ROLLUPS = dg.AssetSelection.assets(*MARTS, "message_catalog", "message_components").upstream()


def run(url: str, home, first: date, last: date | None = None, **settings) -> dg.ExecuteInProcessResult:
    """Materialize the rollups and everything upstream of them (with their grain checks)."""
    return materialize_days(url, home, first, last, selection=ROLLUPS, **settings)


def sender(family: str, day: date = DAY, **key):
    """A builder of one message's events: `build('Open', '09:10:00', 'u1')` is users.messages.<family>.Open
    on `day`; a full event type (`users.campaigns.Conversion`) is taken as it is."""

    def build(action: str, hms: str, user: str, **fields) -> dict:
        event_type = action if action.startswith("users.") else f"users.messages.{family}.{action}"
        return event(event_type, f"{day.isoformat()}T{hms}", user, **{**key, **fields})

    return build


def expect(**given) -> dict:
    return {**{name: 0 for name in STATS}, **{name: None for name in RATES}, **given}


def row(url: str, mart: str, **where) -> dict:
    clause = " and ".join(f"{column} = :{column}" for column in where)
    rows = table(url, f"select * from {mart} where {clause}", **where)
    assert len(rows) == 1, f"{mart} {where}: {rows}"
    return rows[0]


def assert_stats(found: dict, expected: dict) -> None:
    assert {name: found[name] for name in expected} == pytest.approx(expected)


def email_events() -> list[dict]:
    e = sender("email", campaign_id="c-email", message_variation_id="v1", campaign_name="Welcome", message_variation_name="A")
    return [
        *(e("Send", "09:00:00", user) for user in ("u1", "u2", "u3", "u4")),
        *(e("Delivery", "09:00:05", user) for user in ("u1", "u2", "u3")),
        e("SoftBounce", "09:00:03", "u4"),
        e("Bounce", "09:00:09", "u4"),
        e("Open", "09:10:00", "u1", is_machine_open=True),
        e("Open", "09:20:00", "u1"),
        e("Open", "09:30:00", "u2"),
        e("Click", "09:21:00", "u1"),
        e("Click", "09:31:00", "u2", is_bot_click=True),
        e("Unsubscribe", "09:22:00", "u1"),
        e("MarkAsSpam", "09:40:00", "u2"),
        e("Abort", "09:00:00", "u5"),
        e("Retry", "09:00:01", "u3"),
        e("Deferral", "09:00:02", "u3"),
    ]


@pytest.mark.parametrize("count_bot_clicks", [False, True])
def test_email_stats_and_rates(warehouse_url, tmp_path, count_bot_clicks):
    load_events(warehouse_url, email_events())
    run(warehouse_url, tmp_path, DAY, count_bot_clicks=count_bot_clicks)

    clicks = 2 if count_bot_clicks else 1
    expected = expect(
        sent=4,
        delivered=3,
        bounces=1,
        soft_bounces=1,
        opens=3,
        unique_opens=2,
        machine_opens=1,
        clicks=clicks,
        unique_clicks=clicks,
        unsubscribes=1,
        reported_spam=1,
        unique_recipients=4,
        aborts=1,
        retries=2,
        delivery_rate=0.75,
        bounce_rate=0.25,
        open_rate=1.0,
        unique_open_rate=2 / 3,
        click_rate=clicks / 3,
        unique_click_rate=clicks / 3,
        click_to_open_rate=clicks / 2,
        unsubscribe_rate=1 / 3,
        spam_rate=0.25,
    )
    assert_stats(row(warehouse_url, "campaign_variant_daily_stats", campaign_id="c-email", message_variation_id="v1"), expected)
    assert_stats(row(warehouse_url, "campaign_daily_stats", campaign_id="c-email", channel="email"), expected)
    assert_stats(row(warehouse_url, "channel_daily_stats", channel="email"), expected)


def push_events() -> list[dict]:
    p = sender("pushnotification", campaign_id="c-push", message_variation_id="v1")
    return [
        p("Send", "08:00:00", "u1", platform="ios"),
        p("Send", "08:00:00", "u2", platform="android"),
        p("Send", "08:00:00", "u3", platform="ios"),
        p("Bounce", "08:00:01", "u3", platform="ios"),
        p("Open", "08:05:00", "u1", platform="ios"),
        p("Open", "08:06:00", "u2", platform="android", button_string="Buy"),
        p("Abort", "08:00:00", "u9", platform="ios"),
        p("Retry", "08:00:00", "u2", platform="android"),
        p("Send", "08:00:00", "u4", platform="web"),
        p("Send", "08:00:00", "u5", platform="web"),
        p("Open", "08:07:00", "u4", platform="web"),
    ]


def test_push_and_web_push_stats_and_rates(warehouse_url, tmp_path):
    load_events(warehouse_url, push_events())
    run(warehouse_url, tmp_path, DAY)

    assert_stats(
        row(warehouse_url, "campaign_daily_stats", campaign_id="c-push", channel="push"),
        expect(
            sent=3,
            bounces=1,
            direct_opens=2,
            body_clicks=1,
            total_opens=2,
            unique_recipients=3,
            aborts=1,
            retries=1,
            bounce_rate=1 / 3,
            direct_open_rate=1.0,
        ),
    )
    assert_stats(
        row(warehouse_url, "campaign_daily_stats", campaign_id="c-push", channel="web_push"),
        expect(
            sent=2,
            direct_opens=1,
            body_clicks=1,
            total_opens=1,
            unique_recipients=2,
            bounce_rate=0.0,
            direct_open_rate=0.5,
        ),
    )


def influenced_events() -> list[dict]:
    p = sender("pushnotification", campaign_id="c-influence", message_variation_id="v1", platform="ios")
    session = sender("app")
    return [
        *(p("Send", "10:00:00", user) for user in ("u1", "u2", "u3")),
        session("users.behaviors.app.SessionStart", "10:10:00", "u1"),
        session("users.behaviors.app.SessionStart", "10:40:00", "u2"),
        p("Open", "10:05:00", "u3"),
        session("users.behaviors.app.SessionStart", "10:05:00", "u3"),
        session("users.behaviors.app.SessionStart", "10:10:00", "u-no-push"),
        p("Send", "10:00:00", "u6", platform="web"),
        session("users.behaviors.app.SessionStart", "10:10:00", "u6"),
        p("Send", "23:50:00", "u4"),
        sender("app", NEXT)("users.behaviors.app.SessionStart", "00:05:00", "u4"),
    ]


def test_influenced_opens_one_day_at_a_time(warehouse_url, tmp_path):
    load_events(warehouse_url, influenced_events())
    run(warehouse_url, tmp_path, DAY)
    run(warehouse_url, tmp_path, NEXT)

    stats = lambda day: row(warehouse_url, "campaign_daily_stats", campaign_id="c-influence", channel="push", event_date=day)
    assert_stats(
        stats(DAY),
        expect(
            sent=4,
            direct_opens=1,
            body_clicks=1,
            influenced_opens=1,
            total_opens=2,
            unique_recipients=4,
            bounce_rate=0.0,
            direct_open_rate=0.25,
        ),
    )
    assert_stats(stats(NEXT), expect(influenced_opens=1, total_opens=1))
    web = row(warehouse_url, "campaign_daily_stats", campaign_id="c-influence", channel="web_push", event_date=DAY)
    assert (web["influenced_opens"], web["total_opens"]) == (0, 0)


def in_app_and_card_events() -> list[dict]:
    i = sender("inappmessage", campaign_id="c-iam", message_variation_id="v1")
    c = sender("contentcard", canvas_id="k-card", canvas_variation_id="kv", canvas_step_id="s1")
    return [
        i("Impression", "11:00:00", "u1"),
        i("Impression", "11:30:00", "u1"),
        i("Impression", "11:00:00", "u2"),
        i("Impression", "11:00:00", "u3"),
        i("Click", "11:01:00", "u1", button_id="0"),
        i("Click", "11:01:00", "u2", button_id="1"),
        i("Click", "11:31:00", "u1"),
        i("Abort", "11:00:00", "u4"),
        c("Send", "07:00:00", "u1"),
        c("Send", "07:00:00", "u2"),
        c("Impression", "12:00:00", "u1"),
        c("Impression", "12:00:00", "u2"),
        c("Impression", "13:00:00", "u2"),
        c("Click", "12:01:00", "u1"),
        c("Dismiss", "13:01:00", "u2"),
    ]


def test_in_app_message_and_content_card_stats_and_rates(warehouse_url, tmp_path):
    load_events(warehouse_url, in_app_and_card_events())
    run(warehouse_url, tmp_path, DAY)

    assert_stats(
        row(warehouse_url, "campaign_variant_daily_stats", campaign_id="c-iam", channel="in_app_message"),
        expect(
            impressions=4,
            unique_impressions=3,
            clicks=3,
            unique_clicks=2,
            first_button_clicks=1,
            second_button_clicks=1,
            aborts=1,
            click_rate=0.75,
            unique_click_rate=2 / 3,
        ),
    )
    assert_stats(
        row(warehouse_url, "canvas_step_daily_stats", canvas_id="k-card", canvas_step_id="s1"),
        expect(
            sent=2,
            impressions=3,
            unique_impressions=2,
            clicks=1,
            unique_clicks=1,
            dismissals=1,
            unique_recipients=2,
            click_rate=1 / 3,
            unique_click_rate=0.5,
        ),
    )


def sms_webhook_whatsapp_events() -> list[dict]:
    s = sender("sms", campaign_id="c-sms", message_variation_id="v1")
    w = sender("webhook", canvas_id="k-hook", canvas_variation_id="kv", canvas_step_id="s1")
    a = sender("whatsapp", campaign_id="c-wa", message_variation_id="v1")
    users = ("u1", "u2", "u3", "u4", "u5")
    return [
        *(s("Send", "14:00:00", user) for user in users),
        *(s("CarrierSend", "14:00:01", user) for user in users[:4]),
        *(s("Delivery", "14:00:02", user) for user in users[:3]),
        s("Rejection", "14:00:01", "u5"),
        s("DeliveryFailure", "14:00:02", "u4"),
        s("ShortLinkClick", "14:10:00", "u1"),
        s("ShortLinkClick", "14:11:00", "u1"),
        s("InboundReceive", "14:12:00", "u2"),
        s("Retry", "14:00:00", "u5"),
        s("Abort", "14:00:00", "u6"),
        *(w("Send", "15:00:00", user) for user in users[:4]),
        w("Failure", "15:00:01", "u1"),
        w("Retry", "15:00:02", "u1"),
        w("Retry", "15:00:03", "u1"),
        w("Abort", "15:00:00", "u5"),
        *(a("Send", "16:00:00", user) for user in users[:3]),
        *(a("Delivery", "16:00:01", user) for user in users[:2]),
        a("Read", "16:05:00", "u1"),
        a("Failure", "16:00:01", "u3"),
        a("Click", "16:06:00", "u1"),
        a("InboundReceive", "16:07:00", "u2"),
    ]


def test_sms_webhook_and_whatsapp_stats_and_rates(warehouse_url, tmp_path):
    load_events(warehouse_url, sms_webhook_whatsapp_events())
    run(warehouse_url, tmp_path, DAY)

    assert_stats(
        row(warehouse_url, "channel_daily_stats", channel="sms"),
        expect(
            sent=5,
            sent_to_carrier=4,
            delivered=3,
            rejected=1,
            delivery_failed=1,
            clicks=2,
            unique_recipients=5,
            retries=1,
            aborts=1,
            delivery_rate=0.6,
            click_rate=2 / 3,
        ),
    )
    assert_stats(
        row(warehouse_url, "canvas_daily_stats", canvas_id="k-hook", channel="webhook"),
        expect(
            sent=4,
            errors=1,
            unique_recipients=4,
            retries=2,
            aborts=1,
            error_rate=0.25,
        ),
    )
    assert_stats(
        row(warehouse_url, "channel_daily_stats", channel="whatsapp"),
        expect(
            sent=3,
            delivered=2,
            read=1,
            failed=1,
            clicks=1,
            unique_recipients=3,
            delivery_rate=2 / 3,
            click_rate=0.5,
        ),
    )


def conversion_events() -> list[dict]:
    email = sender("email", campaign_id="c-conv", message_variation_id="v1")
    multi = sender("email", campaign_id="c-multi")
    step = sender("email", canvas_id="k-conv", canvas_variation_id="kv", canvas_step_id="s1")
    later = sender("email", NEXT, campaign_id="c-conv", message_variation_id="v1")
    return [
        email("Send", "09:00:00", "u1"),
        email("Send", "09:00:00", "u2"),
        email("users.campaigns.Conversion", "10:00:00", "u1"),
        email("users.campaigns.Conversion", "11:00:00", "u1"),
        email("users.campaigns.Conversion", "10:00:00", "u2"),
        email("users.campaigns.EnrollInControl", "09:00:00", "u3", message_variation_id="control"),
        email("users.campaigns.EnrollInControl", "09:00:00", "u4", message_variation_id="control"),
        later("users.campaigns.Conversion", "08:00:00", "u2"),
        later("users.campaigns.Conversion", "09:00:00", "u3", message_variation_id="control"),
        sender("pushnotification", campaign_id="c-multi")("Send", "09:00:00", "u1", message_variation_id="v-push"),
        multi("Send", "09:00:00", "u1", message_variation_id="v-mail"),
        multi("users.campaigns.Conversion", "10:00:00", "u1", message_variation_id="v-push"),
        multi("users.campaigns.Conversion", "10:00:00", "u1", message_variation_id="v-new"),
        sender("webhook", campaign_id="c-web")("Send", "09:00:00", "u1", message_variation_id="v1"),
        sender("pushnotification", campaign_id="c-web")("Send", "09:00:00", "u1", message_variation_id="v2", platform="web"),
        sender("webhook", campaign_id="c-web")("users.campaigns.Conversion", "10:00:00", "u1", message_variation_id="v3"),
        sender("email", campaign_id="c-lonely")("users.campaigns.Conversion", "10:00:00", "u1", message_variation_id="v1"),
        step("Send", "09:00:00", "u1"),
        step("users.canvas.Entry", "08:59:00", "u1"),
        step("users.canvas.Entry", "08:59:00", "u2"),
        step("users.canvas.Conversion", "12:00:00", "u1"),
        step("users.canvas.Conversion", "12:30:00", "u1"),
    ]


def test_conversions_and_entries_take_the_message_channel_and_a_control_group_its_own(warehouse_url, tmp_path):
    load_events(warehouse_url, conversion_events())
    run(warehouse_url, tmp_path, DAY, NEXT)

    campaign = row(warehouse_url, "campaign_daily_stats", campaign_id="c-conv", event_date=DAY, channel="email")
    assert_stats(
        campaign,
        expect(
            sent=2,
            unique_recipients=2,
            conversions=3,
            unique_conversions=2,
            delivery_rate=0.0,
            bounce_rate=0.0,
            spam_rate=0.0,
        ),
    )
    assert [
        r["channel"]
        for r in table(
            warehouse_url,
            "select channel from campaign_daily_stats where event_date = :d and campaign_id = 'c-conv' order by channel",
            d=DAY,
        )
    ] == ["control", "email"]
    enrolled = row(warehouse_url, "campaign_variant_daily_stats", message_variation_id="control", event_date=DAY)
    assert_stats(enrolled, expect(enrolled_in_control=2, conversion_rate=0.0))
    converted = row(warehouse_url, "campaign_daily_stats", campaign_id="c-conv", event_date=NEXT, channel="control")
    assert_stats(converted, expect(conversions=1, unique_conversions=1))
    assert row(warehouse_url, "campaign_daily_stats", campaign_id="c-conv", event_date=NEXT, channel="email")["conversions"] == 1
    others = table(warehouse_url, "select * from campaign_variant_daily_stats where conversions > 0 and campaign_id <> 'c-conv'")
    channels = {(r["message_variation_id"], r["channel"]): r["conversions"] for r in others}
    assert channels == {("v-push", "push"): 1, ("v-new", "email"): 1, ("v3", "web_push"): 1, ("v1", "unknown"): 1}
    canvas = row(warehouse_url, "canvas_step_daily_stats", canvas_id="k-conv", canvas_step_id="s1")
    assert (canvas["channel"], canvas["entries"], canvas["conversions"], canvas["unique_conversions"]) == ("email", 2, 2, 0)


def boundary_events() -> list[dict]:
    today = sender("email", campaign_id="c-day", message_variation_id="v1")
    tomorrow = sender("email", NEXT, campaign_id="c-day", message_variation_id="v1")
    duplicate = today("Send", "12:00:00", "u3", event_id="dup-send")
    return [
        today("Send", "09:00:00", "u1", campaign_name="Old name", message_variation_name="A"),
        today("Send", "15:00:00", "u2", campaign_name="New name", message_variation_name="A2"),
        duplicate,
        {**duplicate, "source_file": "tests/redelivered.avro"},
        today("Open", "23:59:59", "u1"),
        tomorrow("Open", "00:00:00", "u1"),
        today("Open", "16:00:00", "u1", message_variation_id="v2"),
        sender(
            "email", canvas_id="k-day", canvas_variation_id="kv", canvas_step_id="s1", canvas_name="Journey", canvas_step_name="First mail"
        )("Send", "12:00:00", "u1"),
    ]


def test_day_edges_duplicates_and_uniques_over_days(warehouse_url, tmp_path):
    load_events(warehouse_url, boundary_events())
    run(warehouse_url, tmp_path, DAY, NEXT)

    today, tomorrow = (
        row(warehouse_url, "campaign_variant_daily_stats", campaign_id="c-day", message_variation_id="v1", event_date=day)
        for day in (DAY, NEXT)
    )
    assert (today["sent"], today["opens"], today["unique_opens"]) == (3, 1, 1)
    assert (tomorrow["opens"], tomorrow["unique_opens"]) == (1, 1)
    assert (today["campaign_name"], today["message_variation_name"]) == ("New name", "A2")
    campaign = row(warehouse_url, "campaign_daily_stats", campaign_id="c-day", event_date=DAY)
    assert (campaign["opens"], campaign["unique_opens"]) == (2, 1)
    over_both_days = table(
        warehouse_url,
        """
        select count(distinct user_id) as users from int_user_touches__daily
        inner join int_message_components__keyed using (component_key)
        where message_id = 'c-day' and variation_id = 'v1' and stat = 'unique_opens'
            and event_date between :first and :last""",
        first=DAY,
        last=NEXT,
    )
    assert over_both_days == [{"users": 1}]
    step = row(warehouse_url, "canvas_step_daily_stats", canvas_id="k-day", event_date=DAY)
    assert (step["canvas_name"], step["canvas_step_name"], step["sent"]) == ("Journey", "First mail", 1)
    assert row(warehouse_url, "channel_daily_stats", channel="email", event_date=DAY)["sent"] == 4


def test_campaigns_and_canvases_add_up_to_channels(warehouse_url, tmp_path):
    events = [
        *email_events(),
        *push_events(),
        *influenced_events(),
        *in_app_and_card_events(),
        *sms_webhook_whatsapp_events(),
        *conversion_events(),
        *boundary_events(),
    ]
    load_events(warehouse_url, events)
    run(warehouse_url, tmp_path, DAY, NEXT)

    additive = [name for name in STATS if not name.startswith("unique_")]
    columns, sums = ", ".join(additive), ", ".join(f"sum({name}) as {name}" for name in additive)
    by_message = table(
        warehouse_url,
        f"""
        select event_date, channel, {sums} from (
            select event_date, channel, {columns} from campaign_daily_stats
            union all
            select event_date, channel, {columns} from canvas_daily_stats
        ) as messages
        group by event_date, channel order by event_date, channel""",
    )
    by_channel = table(warehouse_url, f"select event_date, channel, {columns} from channel_daily_stats order by 1, 2")
    assert {r["channel"] for r in by_channel} == {
        "email",
        "push",
        "web_push",
        "in_app_message",
        "content_card",
        "sms",
        "webhook",
        "whatsapp",
        "unknown",
        "control",
    }
    assert by_message == by_channel
    for mart in MARTS:
        columns = list(table(warehouse_url, f"select * from {mart} limit 1")[0])
        assert columns[0] == "event_date" and columns[-len(STATS + RATES) :] == STATS + RATES, mart


def test_message_catalog_and_components(warehouse_url, tmp_path):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "campaigns.list.json").write_text(
        json.dumps(
            {
                "campaigns": [
                    {"id": "c-cat", "name": "Spring (catalog)", "tags": ["promo", "Seasonal"], "last_edited": "2026-11-01T00:00:00Z"},
                    {"id": "c-draft", "name": "Not sent yet", "tags": ["draft"], "last_edited": "2026-11-02T00:00:00Z"},
                ]
            }
        )
    )
    load_events(
        warehouse_url,
        [
            sender("email", campaign_id="c-cat", message_variation_id="v1")("Send", "09:00:00", "u1", campaign_name="Spring"),
            sender("pushnotification", NEXT, campaign_id="c-cat", message_variation_id="v1", message_variation_name="Push A")(
                "Send", "09:00:00", "u1", campaign_name="Spring sale", platform="ios"
            ),
            sender("email", campaign_id="c-quiet")("users.campaigns.Conversion", "10:00:00", "u1", message_variation_id="v1"),
        ],
    )
    run(warehouse_url, tmp_path, DAY, NEXT, catalog_path=str(catalog))

    rows = table(warehouse_url, "select * from message_catalog order by message_kind, message_id")
    assert [tuple(r.values()) for r in rows] == [
        ("campaign", "c-cat", "Spring sale", "email,push", "Seasonal,promo", DAY, NEXT, datetime(2026, 11, 20, 9)),
        ("campaign", "c-draft", "Not sent yet", "", "draft", None, None, None),
        ("campaign", "c-quiet", None, "", "", DAY, DAY, datetime(2026, 11, 20, 10)),
    ]
    components = table(warehouse_url, "select * from message_components where message_id = 'c-cat' order by channel")
    assert [(r["channel"], r["message_name"], r["variation_name"], r["first_event_date"]) for r in components] == [
        ("email", "Spring sale", "Push A", DAY),
        ("push", "Spring sale", "Push A", NEXT),
    ]


def test_a_days_names_are_the_latest_named_events(warehouse_url, tmp_path):
    """Latest event time wins, an empty name never does, a tie on time goes to the higher event id."""
    send = sender("email", campaign_id="c-ren", message_variation_id="v1")
    load_events(
        warehouse_url,
        [
            send("Send", "08:00:00", "u1", campaign_name="First", message_variation_name="Var 1", event_id="e-01"),
            send("Delivery", "09:00:00", "u1", campaign_name="", message_variation_name="", event_id="e-02"),
            send("Open", "10:00:00", "u1", campaign_name="Tied low", message_variation_name="Var 2", event_id="e-03"),
            send("Click", "10:00:00", "u1", campaign_name="Tied high", message_variation_name=None, event_id="e-04"),
        ],
    )
    run(warehouse_url, tmp_path, DAY)

    rows = table(warehouse_url, "select channel, message_name, variation_name, events from int_messages__daily where message_id = 'c-ren'")
    assert rows == [{"channel": "email", "message_name": "Tied high", "variation_name": "Var 2", "events": 4}]
