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
