"""The YAML shape of a report definition: one pydantic model per block, with user-facing checks.

Every validator raises ``ValueError("<what was wrong>; expected <what>")`` so that
``report_spec`` can print ``<file>: <field path>: <message>`` lines. Value types that keep
their YAML shape after validation (``TimeFrame``, ``Interval``, ``Schedule``) are public and
re-exported by ``report_spec``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engagement_pipeline.lib.platform.storage import MAX_LINK_EXPIRY, MIN_LINK_EXPIRY
from engagement_pipeline.lib.reports.stats import STAT_CATALOG

# ten years of days: a longer window is a typo (an extra digit), and past year 1 it cannot be computed
MAX_LAST_DAYS = 3660
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DURATION = re.compile(r"(?:\d+[dhms])+")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_CONTROL_NAMES = {"\r": "CR", "\n": "LF", "\t": "TAB", "\x00": "NUL"}


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _control_character(value: str) -> str | None:
    """The name of the first control character or line break in ``value`` (CR, LF, TAB, NUL, U+2028...)."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return _CONTROL_NAMES.get(char) or unicodedata.name(char, f"U+{ord(char):04X}")
    return None


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty; expected some text")
    text = value.strip()
    found = _control_character(text)
    if found:
        raise ValueError(f"got {_shown(text)} with a control character ({found}); expected one line of plain text")
    return text


def _shown(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _stat_name(value: str) -> str:
    if value in STAT_CATALOG:
        return value
    hint = _suggest(value, list(STAT_CATALOG))
    expected = "a stat name" if hint else f"one of {', '.join(STAT_CATALOG)}"
    raise ValueError(f"unknown stat {value!r}; expected {expected}{hint}")


def _recipient(value: str, info: ValidationInfo) -> str:
    address = value.strip()
    found = _control_character(address)
    if found:
        raise ValueError(f"got {_shown(address)} with a control character ({found}); expected one e-mail address")
    if not _EMAIL.fullmatch(address):
        raise ValueError(f"{value!r} is not an e-mail address; expected name@domain.tld")
    allowed = [d.lower().lstrip("@") for d in (info.context or {}).get("allowed_domains", ())]
    if allowed and address.rsplit("@", 1)[1].lower() not in allowed:
        domains = ", ".join(allowed)
        raise ValueError(f"{address} is outside the allowed recipient domains; expected an address at {domains}")
    return address


@cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())


def check_timezone(value: str) -> str:
    """Return ``value`` if it is a known IANA zone, else raise ValueError with a suggestion."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        hint = _suggest(value, _zone_names())
        raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as Europe/Paris{hint}") from None
    return value


def _at(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'got {value!r}; expected a local time of day "HH:MM" such as "08:00"')
    return time(int(match[1]), int(match[2]))


def _expiry(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str) and re.fullmatch(r"-\s*(?:\d+[dhms])+", value.strip()):
        raise ValueError(f"got {value!r}; expected a duration longer than zero such as 15m, 1h, 24h or 7d")
    elif isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in re.findall(r"(\d+)([dhms])", value))
    else:
        raise ValueError(f"got {value!r}; expected a duration such as 15m, 1h, 24h or 7d")
    if seconds < MIN_LINK_EXPIRY.total_seconds():
        raise ValueError(f"got {value!r}; expected a duration longer than zero (at least 1s)")
    if seconds > MAX_LINK_EXPIRY.total_seconds():
        raise ValueError(f"got {value!r}, longer than signed S3 links allow; expected at most 7d")
    return timedelta(seconds=seconds)


def _calendar_date(value: Any) -> date:
    """A YAML date (unquoted ``2026-10-01``) or the text of one; an impossible day names itself."""
    if isinstance(value, datetime):
        raise ValueError(f"got {value!r}, a date with a time; expected a date YYYY-MM-DD")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value.strip())
        if match:
            try:
                return date(*map(int, match.groups()))
            except ValueError as exc:
                raise ValueError(
                    f"got {value.strip()}, which is not a day of the calendar ({exc}); expected a real date YYYY-MM-DD"
                ) from None
    raise ValueError(f"got {value!r}; expected a date YYYY-MM-DD")


def _at_least_one(value: int) -> int:
    if value < 1:
        raise ValueError(f"got {value}; expected a whole number >= 1")
    return value


def _days_window(value: int) -> int:
    if value > MAX_LAST_DAYS:
        raise ValueError(f"got {value}; expected at most {MAX_LAST_DAYS} days (ten years)")
    return value


def _non_empty_list(value: list[Any]) -> list[Any]:
    if not value:
        raise ValueError("is an empty list; expected at least one entry (or leave the key out)")
    return value


def _format_list(value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError(f"got {value!r}; expected a list of formats such as [csv, html]")
    return value


def _no_repeats(value: list[str]) -> list[str]:
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once; expected each format once")
    return value


Text = Annotated[str, AfterValidator(_text)]
StatName = Annotated[str, AfterValidator(_stat_name)]
Recipient = Annotated[str, AfterValidator(_recipient)]
TimeZoneName = Annotated[str, AfterValidator(check_timezone)]
AtLeastOne = Annotated[int, AfterValidator(_at_least_one)]
TimeOfDay = Annotated[time, PlainValidator(_at)]
LinkExpiry = Annotated[timedelta, PlainValidator(_expiry)]
CalendarDate = Annotated[date, PlainValidator(_calendar_date)]
DaysWindow = Annotated[int, AfterValidator(_at_least_one), AfterValidator(_days_window)]


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TagsIn(_Block):
    match: Literal["any", "all"] = "any"
    values: Annotated[list[Text], AfterValidator(_non_empty_list)]


class MessagesIn(_Block):
    campaigns: list[Text] = []
    canvases: list[Text] = []
    tags: TagsIn | None = None

    @model_validator(mode="after")
    def _selects_something(self) -> MessagesIn:
        if not (self.campaigns or self.canvases or self.tags):
            raise ValueError("selects no message; expected campaign ids, canvas ids or tags.values")
        return self


class LevelIn(_Block):
    campaigns: Literal["variant", "campaign"] = "variant"
    canvases: Literal["step", "canvas"] = "step"


class TimeFrame(_Block):
    """A custom range ``start``..``end`` (inclusive local dates) or the ``last_days`` ending today."""

    start: CalendarDate | None = None
    end: CalendarDate | None = None
    last_days: DaysWindow | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if end and start and end < start:
            raise ValueError(f"{end} is before start {start}; expected an end on or after the start")
        return end

    @model_validator(mode="after")
    def _one_form(self) -> TimeFrame:
        has_range = self.start is not None or self.end is not None
        if has_range and self.last_days is not None:
            raise ValueError("sets both a start/end range and last_days; expected one of the two")
        if has_range and (self.start is None or self.end is None):
            raise ValueError("sets only one of start and end; expected both (YYYY-MM-DD)")
        if not has_range and self.last_days is None:
            raise ValueError("is empty; expected {start, end} or {last_days: N}")
        return self


IntervalKind = Literal["daily", "days", "weeks", "monthly", "quarterly", "total"]
_INTERVAL_HELP = "daily, {days: N}, {weeks: N}, monthly, quarterly or total"


class Interval(_Block):
    """How the time frame is cut into report rows; ``n`` counts days or weeks."""

    kind: IntervalKind
    n: int = 1

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        if isinstance(value, str) and value in ("daily", "monthly", "quarterly", "total"):
            return {"kind": value, "n": 1}
        if isinstance(value, dict) and "kind" in value:
            return value
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("days", "weeks"):
            unit, n = next(iter(value.items()))
            if type(n) is not int or n < 1:
                raise ValueError(f"{unit}: got {n!r}; expected a whole number >= 1")
            return {"kind": unit, "n": n}
        got = f"a mapping with keys {', '.join(map(str, value))}" if isinstance(value, dict) else repr(value)
        raise ValueError(f"got {got}; expected {_INTERVAL_HELP}")


class Every(_Block):
    days: AtLeastOne | None = None
    weeks: AtLeastOne | None = None
    months: AtLeastOne | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Every:
        given = [unit for unit in ("days", "weeks", "months") if getattr(self, unit) is not None]
        if len(given) != 1:
            raise ValueError(f"sets {' and '.join(given) or 'no unit'}; expected exactly one of days, weeks or months")
        return self


class Schedule(_Block):
    """``send: immediately`` or an ``every`` schedule at a local time of day from ``starting`` to ``until``."""

    send: Literal["immediately"] | None = None
    every: Every | None = None
    at: TimeOfDay | None = None
    starting: CalendarDate | None = None
    until: CalendarDate | None = None

    @field_validator("until")
    @classmethod
    def _until_after_starting(cls, until: date | None, info: ValidationInfo) -> date | None:
        starting = info.data.get("starting")
        if until and starting and until < starting:
            raise ValueError(f"{until} is before starting {starting}; expected a date on or after starting")
        return until

    @model_validator(mode="after")
    def _one_form(self) -> Schedule:
        if (self.send is None) == (self.every is None):
            raise ValueError("expected either {send: immediately} or {every: {days|weeks|months: N}, at, starting}")
        if self.every is None and (self.at or self.starting or self.until):
            raise ValueError("at/starting/until are set with send: immediately; expected them only with every")
        if self.every is not None and (self.at is None or self.starting is None):
            raise ValueError('every needs at and starting; expected at: "HH:MM" and starting: YYYY-MM-DD')
        return self

    @property
    def is_immediate(self) -> bool:
        return self.every is None

    @property
    def unit(self) -> Literal["days", "weeks", "months"] | None:
        if self.every is None:
            return None
        return "days" if self.every.days else "weeks" if self.every.weeks else "months"

    @property
    def n(self) -> int:
        return getattr(self.every, self.unit) if self.every and self.unit else 0


OutputFormat = Literal["csv", "html"]


class VariantResultsIn(_Block):
    """Variant results columns: the outcome compared, the baseline without a control group, the
    users each arm needs before a verdict (lib/reports/experiments.py)."""

    outcome: Literal["conversions", "unique_opens", "unique_clicks", "unique_impressions"] = "conversions"
    baseline: Text | None = None
    min_sample_size: AtLeastOne = 100


class DefinitionIn(_Block):
    name: Text
    kind: Literal["stats", "recipients"] = "stats"
    messages: MessagesIn
    stats: Annotated[list[StatName], AfterValidator(_non_empty_list)] | None = None
    level: LevelIn = LevelIn()
    time_frame: TimeFrame | None = None
    interval: Interval = Interval(kind="daily")
    timezone: TimeZoneName | None = None
    compression: Literal["zip", "gzip", "none"] = "zip"
    delimiter: Literal[",", ":", ";", "|", "\t"] = ","
    recipients: Annotated[list[Recipient], AfterValidator(_non_empty_list)]
    schedule: Schedule = Schedule(send="immediately")
    link_expiry: LinkExpiry = timedelta(hours=1)
    formats: Annotated[list[OutputFormat], BeforeValidator(_format_list), AfterValidator(_non_empty_list), AfterValidator(_no_repeats)] = [
        "csv"
    ]
    variant_results: VariantResultsIn | None = None
    personal_data: list[Literal["email_address", "phone_number"]] = []

    @model_validator(mode="after")
    def _recipients_take_no_stats(self) -> DefinitionIn:
        if self.personal_data and self.kind != "recipients":
            raise ValueError("personal_data is for kind: recipients (the recipient export); expected no personal_data in a stats report")
        if self.kind == "recipients" and (self.stats or self.variant_results):
            raise ValueError("kind: recipients exports users, not stats; expected no stats and no variant_results")
        if self.kind == "recipients" and self.formats != ["csv"]:
            raise ValueError(f"kind: recipients writes CSV files only; got formats {self.formats}, expected [csv] or no formats")
        return self
