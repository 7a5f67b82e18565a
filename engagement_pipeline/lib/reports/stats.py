"""The catalogue of report stats: which channels each applies to and how it rolls up.

Names and formulas follow the metric dictionary (shared notes, metrics.md); they are the
column names of the report CSVs. ``kind`` tells a report builder how a stat combines over a
longer period: ``additive`` counts can be summed, ``unique`` counts must be recomputed for the
period (a sum of daily uniques over-counts), ``rate`` values are recomputed from their
numerator and denominator and are empty when the denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

StatKind = Literal["additive", "unique", "rate"]
MessageKind = Literal["campaign", "canvas"]

CHANNELS: tuple[str, ...] = (
    "email",
    "push",
    "web_push",
    "in_app_message",
    "content_card",
    "webhook",
    "sms",
    "whatsapp",
)
CHANNEL_LABELS: dict[str, str] = {
    "email": "Email",
    "push": "Push",
    "web_push": "Web push",
    "in_app_message": "In-app message",
    "content_card": "Content card",
    "webhook": "Webhook",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
}
"""How people read each channel (emails, pages)."""
BOTH_KINDS: tuple[MessageKind, ...] = ("campaign", "canvas")
# The `channel` of a campaign's control group rows: its enrolments and their conversions. A control
# group is sent nothing, so its rows carry only CONTROL_STATS.
CONTROL = "control"
CONTROL_STATS: tuple[str, ...] = ("enrolled_in_control", "conversions", "unique_conversions", "conversion_rate")


@dataclass(frozen=True)
class Ratio:
    """numerator / (sum of ``plus`` − sum of ``minus``)."""

    numerator: str
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.numerator, *self.plus, *self.minus)

    def evaluate(self, values: Mapping[str, float | int | None]) -> float | None:
        """The rate, or None when an input is missing or the denominator is not positive."""
        parts = [values.get(name) for name in self.inputs]
        if any(part is None for part in parts):
            return None
        denominator = sum(values[n] or 0 for n in self.plus) - sum(values[n] or 0 for n in self.minus)
        if denominator <= 0:
            return None
        return float(values[self.numerator] or 0) / denominator


@dataclass(frozen=True)
class StatInfo:
    name: str
    channels: tuple[str, ...]
    kind: StatKind
    message_kinds: tuple[MessageKind, ...] = BOTH_KINDS
    ratio: Ratio | None = None
    channel_ratios: tuple[tuple[str, Ratio], ...] = ()
    sum_of: tuple[str, ...] = ()

    @property
    def numerator(self) -> str | None:
        return self.ratio.numerator if self.ratio else None

    @property
    def denominator(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(plus, minus) stat names of the default formula."""
        return (self.ratio.plus, self.ratio.minus) if self.ratio else None

    def ratio_for(self, channel: str) -> Ratio:
        """The formula of this rate for ``channel`` (click_rate differs for in-app messages)."""
        if self.ratio is None:
            raise ValueError(f"stat {self.name!r} is not a rate")
        return dict(self.channel_ratios).get(channel, self.ratio)


def _stat(name: str, channels: str | tuple[str, ...], kind: StatKind = "additive", **extra: object) -> StatInfo:
    chans = CHANNELS if channels == "all" else channels
    return StatInfo(name=name, channels=tuple(chans), kind=kind, **extra)  # type: ignore[arg-type]


def _rate(name: str, channels: tuple[str, ...], numerator: str, *plus: str, minus: tuple[str, ...] = ()) -> StatInfo:
    return StatInfo(name=name, channels=channels, kind="rate", ratio=Ratio(numerator, plus, minus))


_EMAIL = ("email",)
_PUSHES = ("push", "web_push")
_CARDS_AND_IAM = ("in_app_message", "content_card")

_STATS: tuple[StatInfo, ...] = (
    _stat("sent", ("email", "push", "web_push", "content_card", "webhook", "sms", "whatsapp")),
    _stat("delivered", ("email", "sms", "whatsapp")),
    _stat("bounces", ("email", *_PUSHES)),
    _stat("soft_bounces", _EMAIL),
    _stat("opens", _EMAIL),
    _stat("unique_opens", _EMAIL, "unique"),
    _stat("machine_opens", _EMAIL),
    _stat("clicks", ("email", *_CARDS_AND_IAM, "sms")),
    _stat("unique_clicks", ("email", *_CARDS_AND_IAM), "unique"),
    _stat("unsubscribes", _EMAIL),
    _stat("reported_spam", _EMAIL),
    _stat("direct_opens", _PUSHES),
    _stat("body_clicks", _PUSHES),
    _stat("influenced_opens", ("push",), "unique"),
    _stat("total_opens", _PUSHES, "unique", sum_of=("direct_opens", "influenced_opens")),
    _stat("impressions", _CARDS_AND_IAM),
    _stat("unique_impressions", _CARDS_AND_IAM, "unique"),
    _stat("first_button_clicks", ("in_app_message",)),
    _stat("second_button_clicks", ("in_app_message",)),
    _stat("dismissals", ("content_card",)),
    _stat("errors", ("webhook",)),
    _stat("sent_to_carrier", ("sms",)),
    _stat("rejected", ("sms",)),
    _stat("delivery_failed", ("sms",)),
    _stat("read", ("whatsapp",)),
    _stat("failed", ("whatsapp",)),
    _stat("unique_recipients", "all", "unique"),
    _stat("conversions", (*CHANNELS, CONTROL)),
    _stat("unique_conversions", (*CHANNELS, CONTROL), "unique", message_kinds=("campaign",)),
    _stat("enrolled_in_control", (*CHANNELS, CONTROL), message_kinds=("campaign",)),
    _stat("entries", "all", message_kinds=("canvas",)),
    _stat("aborts", "all"),
    _stat("retries", "all"),
    _rate("delivery_rate", ("email", "sms"), "delivered", "sent"),
    _rate("bounce_rate", _EMAIL, "bounces", "sent"),
    _rate("open_rate", _EMAIL, "opens", "delivered"),
    _rate("unique_open_rate", _EMAIL, "unique_opens", "delivered"),
    StatInfo(
        name="click_rate",
        channels=("email", "in_app_message"),
        kind="rate",
        ratio=Ratio("clicks", ("delivered",)),
        channel_ratios=(("in_app_message", Ratio("clicks", ("impressions",))),),
    ),
    _rate("unique_click_rate", _EMAIL, "unique_clicks", "delivered"),
    _rate("click_to_open_rate", _EMAIL, "unique_clicks", "unique_opens"),
    _rate("unsubscribe_rate", _EMAIL, "unsubscribes", "delivered"),
    _rate("spam_rate", _EMAIL, "reported_spam", "sent"),
    _rate("direct_open_rate", _PUSHES, "direct_opens", "sent", minus=("bounces",)),
    _rate("error_rate", ("webhook",), "errors", "sent"),
    StatInfo(
        name="conversion_rate",
        channels=(CONTROL,),
        kind="rate",
        message_kinds=("campaign",),
        ratio=Ratio("unique_conversions", ("enrolled_in_control",)),
    ),
)

STAT_CATALOG: dict[str, StatInfo] = {info.name: info for info in _STATS}

# What each stat counts, in the words of the metric dictionary (docs/metrics.md): the one source of
# the stat columns' descriptions in every model's docs (lib/models/model_docs.py).
_DEFINITIONS: dict[str, str] = {
    "sent": "Messages sent (the channel's Send event)",
    "delivered": "Messages delivered (email.Delivery: accepted by the receiving server; sms.Delivery: confirmed deliveries; whatsapp.Delivery)",
    "bounces": "Email hard bounces, incl. Braze drops (email.Bounce); push notifications the push service refused (pushnotification.Bounce)",
    "soft_bounces": "Email soft bounces: temporary failures (email.SoftBounce)",
    "opens": "Email opens, machine opens included (email.Open)",
    "unique_opens": "Users with at least one email open (email.Open)",
    "machine_opens": "Email opens flagged machine_open = 'true' (Apple Mail Privacy Protection and similar); also in opens",
    "clicks": "Clicks: email tracked-link clicks without suspected bot clicks unless ENGAGEMENT_COUNT_BOT_CLICKS (email.Click), "
    "in-app message and Content Card clicks, SMS short-link clicks (sms.ShortLinkClick)",
    "unique_clicks": "Users with at least one counted click (email.Click, inappmessage.Click, contentcard.Click)",
    "unsubscribes": "Unsubscribes from the message (email.Unsubscribe)",
    "reported_spam": "Spam complaints (email.MarkAsSpam)",
    "direct_opens": "Taps on the notification, body or button (pushnotification.Open)",
    "body_clicks": "Taps on the notification body, not on a button (pushnotification.Open with no button_string)",
    "influenced_opens": "Users who started an app session (users.behaviors.app.SessionStart) within 30 minutes after a push "
    "was sent to them, without a direct open of that push (Braze's rule); 0 when session events are not exported",
    "total_opens": "Direct and influenced opens together",
    "impressions": "Times shown (inappmessage.Impression, contentcard.Impression)",
    "unique_impressions": "Users who saw the message (inappmessage.Impression, contentcard.Impression)",
    "first_button_clicks": "Clicks on button 1 (inappmessage.Click with button_id '0')",
    "second_button_clicks": "Clicks on button 2 (inappmessage.Click with button_id '1')",
    "dismissals": "Content Cards dismissed (contentcard.Dismiss)",
    "errors": "Failed webhook calls (webhook.Failure)",
    "sent_to_carrier": "SMS handed to the carrier (sms.CarrierSend)",
    "rejected": "SMS the provider rejected (sms.Rejection)",
    "delivery_failed": "SMS the carrier could not deliver (sms.DeliveryFailure)",
    "read": "WhatsApp messages read (whatsapp.Read)",
    "failed": "WhatsApp messages that failed (whatsapp.Failure)",
    "unique_recipients": "Users sent the message (the channel's Send)",
    "conversions": "Conversion events (users.campaigns.Conversion, users.canvas.Conversion), in the rows of the channel "
    "of the message they are attributed to (channel 'control' for a campaign's control group)",
    "unique_conversions": "Users who converted (users.campaigns.Conversion)",
    "enrolled_in_control": "Users put in the campaign's control group (users.campaigns.EnrollInControl), on its rows of channel 'control'",
    "entries": "Users who entered the Canvas (users.canvas.Entry)",
    "aborts": "Sends aborted (<channel>.Abort; Adobe calls these exclusions)",
    "retries": "Send retries (<channel>.Retry, email.Deferral)",
    "delivery_rate": "Delivery rate",
    "bounce_rate": "Bounce rate",
    "open_rate": "Open rate (can exceed 1: one delivery can be opened many times)",
    "unique_open_rate": "Unique open rate",
    "click_rate": "Click rate (can exceed 1)",
    "unique_click_rate": "Unique click rate",
    "click_to_open_rate": "Click-to-open rate (Adobe: raw reactivity)",
    "unsubscribe_rate": "Unsubscribe rate",
    "spam_rate": "Spam complaint rate",
    "direct_open_rate": "Direct open rate",
    "error_rate": "Webhook error rate",
    "conversion_rate": "Share of the control group that converted: the baseline to compare the variants with",
}
_KIND_NOTES: dict[str, str] = {
    "additive": "A count of events: sums over days.",
    "unique": "Distinct users within the row's period (a daily table: its day); recount over a longer period, never sum.",
    "rate": "A decimal from the period's numerator and denominator; NULL when the denominator is 0.",
}
_MESSAGE_KIND_NOTES = {("campaign",): " Campaigns only.", ("canvas",): " Canvases only."}


def formula(ratio: Ratio) -> str:
    """A rate's formula as docs/metrics.md writes it: `direct_opens / (sent − bounces)`."""
    denominator = " + ".join(ratio.plus) + "".join(f" − {name}" for name in ratio.minus)
    return f"{ratio.numerator} / ({denominator})" if len(ratio.plus) + len(ratio.minus) > 1 else f"{ratio.numerator} / {denominator}"


def stat_description(name: str) -> str:
    """The description of a stat column: its definition, how it combines, its formula and its channels."""
    info = STAT_CATALOG[name]
    note = "Over a longer period, add up its recounted parts." if info.sum_of else _KIND_NOTES[info.kind]
    text = f"{_DEFINITIONS[name]}. {note}"
    if info.sum_of:
        text += f" Formula: `{' + '.join(info.sum_of)}`."
    if info.ratio is not None:
        formulas = [f"`{formula(info.ratio)}`", *(f"{channel}: `{formula(ratio)}`" for channel, ratio in info.channel_ratios)]
        text += f" Formula: {'; '.join(formulas)}."
    text += f" Channels: {', '.join(info.channels)}.{_MESSAGE_KIND_NOTES.get(info.message_kinds, '')}"
    return text


def stats_for_channels(channels: Iterable[str], message_kind: MessageKind | None = None) -> list[str]:
    """Every stat that applies to any of ``channels`` (optionally to one message kind), in catalogue order.

    The control group's stats come with any channel: a campaign on any channel can have a control group."""
    wanted = set(channels)
    unknown = wanted - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channel(s) {sorted(unknown)}; expected some of {', '.join(CHANNELS)}")
    return [
        info.name
        for info in _STATS
        if (wanted.intersection(info.channels) or (wanted and CONTROL in info.channels))
        and (message_kind is None or message_kind in info.message_kinds)
    ]


def base_stats_needed(stats: Iterable[str], channels: Iterable[str]) -> list[str]:
    """The non-rate stats a report must compute to fill ``stats`` for ``channels`` (catalogue order)."""
    chans = tuple(channels)
    needed: set[str] = set()
    for name in stats:
        info = STAT_CATALOG[name]
        if info.kind != "rate":
            needed.update((name, *info.sum_of))
            continue
        for channel in set(chans).intersection(info.channels) or {info.channels[0]}:
            needed.update(info.ratio_for(channel).inputs)
    return [info.name for info in _STATS if info.name in needed]
