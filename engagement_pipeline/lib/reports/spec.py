"""Report definitions: load a user's YAML file into a validated, normalised ``ReportDefinition``.

A definition file lives in ``reports/``; its stem is the report id. Every user mistake becomes a
``ReportDefinitionError`` whose text names the file, the field and what was expected. Checks
that need the message catalog (ids that do not exist, tags that match nothing) happen later in
``resolve_messages``, because the catalog is built from the warehouse.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from engagement_pipeline.lib.ingest.contacts import PERSONAL_FIELDS
from engagement_pipeline.lib.reports.spec_errors import ReportDefinitionError, problems_from_validation, read_yaml
from engagement_pipeline.lib.reports.spec_schema import (
    DefinitionIn,
    Every,
    Interval,
    OutputFormat,
    Schedule,
    TimeFrame,
    VariantResultsIn,
    check_timezone,
)

if TYPE_CHECKING:
    from engagement_pipeline.lib.platform.settings import SettingsView
from engagement_pipeline.lib.reports.stats import CHANNELS, STAT_CATALOG, MessageKind, StatInfo, stats_for_channels

__all__ = [
    "STAT_CATALOG",
    "CatalogEntry",
    "Every",
    "Interval",
    "ReportDefinition",
    "ReportDefinitionError",
    "ResolvedSelection",
    "Schedule",
    "StatInfo",
    "TimeFrame",
    "VariantResultsIn",
    "check_report_id",
    "definition_path",
    "effective_stats",
    "load_definition",
    "load_definitions",
    "parse_definition",
    "resolve_messages",
    "stats_for_channels",
]

_REPORT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class ReportDefinition(BaseModel):
    """A validated report definition; ``content_hash`` (sha256 of the file) changes with any edit."""

    model_config = ConfigDict(frozen=True)

    report_id: str
    name: str
    kind: Literal["stats", "recipients"] = "stats"
    campaigns: tuple[str, ...] = ()
    canvases: tuple[str, ...] = ()
    tag_match: Literal["any", "all"] | None = None
    tags: tuple[str, ...] = ()
    stats: tuple[str, ...] | None = None
    campaign_level: Literal["variant", "campaign"] = "variant"
    canvas_level: Literal["step", "canvas"] = "step"
    time_frame: TimeFrame | None = None
    interval: Interval = Interval(kind="daily")
    timezone: Annotated[str, AfterValidator(check_timezone)] = "UTC"
    compression: Literal["zip", "gzip", "none"] = "zip"
    delimiter: Literal[",", ":", ";", "|", "\t"] = ","
    recipients: tuple[str, ...] = ()
    schedule: Schedule = Schedule(send="immediately")
    link_expiry: timedelta = timedelta(hours=1)
    formats: tuple[OutputFormat, ...] = ("csv",)
    variant_results: VariantResultsIn | None = None
    personal_data: tuple[str, ...] = ()
    source_path: Path | None = None
    content_hash: str = ""


def _unique(values: Iterable[str], key: Any = str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(key(value), value)
    return tuple(seen.values())


def _normalise(raw: DefinitionIn, report_id: str, timezone: str, path: Path, digest: str) -> ReportDefinition:
    tags = raw.messages.tags
    return ReportDefinition(
        report_id=report_id,
        name=raw.name,
        kind=raw.kind,
        campaigns=_unique(raw.messages.campaigns),
        canvases=_unique(raw.messages.canvases),
        tag_match=tags.match if tags else None,
        tags=_unique(tags.values, str.casefold) if tags else (),
        stats=_unique(raw.stats) if raw.stats else None,
        campaign_level=raw.level.campaigns,
        canvas_level=raw.level.canvases,
        time_frame=raw.time_frame,
        interval=raw.interval,
        timezone=timezone,
        compression=raw.compression,
        delimiter=raw.delimiter,
        recipients=_unique(raw.recipients, str.casefold),
        schedule=raw.schedule,
        link_expiry=raw.link_expiry,
        formats=tuple(raw.formats),
        variant_results=raw.variant_results,
        personal_data=tuple(f for f in PERSONAL_FIELDS if f in raw.personal_data),
        source_path=path,
        content_hash=digest,
    )


def personal_data_problems(document: dict[str, Any], allowed_domains: Sequence[str]) -> list[tuple[str, str]]:
    """Personal data goes only to recipients on ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS, so a definition that
    asks for it needs the setting set and every recipient on it (report delivery checks again at send time)."""
    asked = document.get("personal_data")
    recipients = document.get("recipients")
    if not asked or not isinstance(asked, list) or not isinstance(recipients, list):
        return []
    fields = ", ".join(map(str, asked))
    allowed = [d.lower().lstrip("@") for d in allowed_domains]
    if not allowed:
        return [
            (
                "personal_data",
                f"asks for {fields} but ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS is not set; expected the setting to list the domains"
                " allowed to receive personal data, with every recipient on one of them",
            )
        ]
    outside = [str(r) for r in recipients if str(r).strip().rsplit("@", 1)[-1].lower() not in allowed]
    if not outside:
        return []
    return [
        (
            "personal_data",
            f"asks for {fields} but recipient(s) {', '.join(outside)} are outside ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS;"
            f" expected every recipient at {', '.join(allowed)}",
        )
    ]


def parse_definition(
    data: bytes,
    source_path: Path,
    *,
    default_timezone: str = "UTC",
    allowed_recipient_domains: Sequence[str] = (),
) -> ReportDefinition:
    """Validate the bytes of a definition file; ``source_path`` gives the report id and error prefix."""
    problems: list[tuple[str, str]] = []
    report_id = source_path.stem
    if not _REPORT_ID.fullmatch(report_id):
        message = f"report id {report_id!r} has unusual characters; expected letters, digits, '-' and '_'"
        problems.append(("(file name)", message))
    document = read_yaml(data, source_path, list(DefinitionIn.model_fields))
    problems.extend(personal_data_problems(document, allowed_recipient_domains))
    try:
        raw = DefinitionIn.model_validate(document, context={"allowed_domains": tuple(allowed_recipient_domains)})
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, DefinitionIn))
        raise ReportDefinitionError(source_path, problems) from None
    timezone = raw.timezone
    if timezone is None:
        try:
            timezone = check_timezone(default_timezone)
        except ValueError as exc:
            problems.append(("timezone", f"not set and the company default is invalid: {exc}"))
    if problems:
        raise ReportDefinitionError(source_path, problems)
    return _normalise(raw, report_id, timezone or "UTC", source_path, hashlib.sha256(data).hexdigest())


def check_report_id(report_id: str, folder: Path | str = "(report id)") -> str:
    """``report_id`` if it is a plain file stem (letters, digits, '-', '_'), else ``ReportDefinitionError``.

    Ids come from command lines, run tags and partition keys: ``../../x``, ``a/b`` or ``/etc/x``
    would otherwise name a file outside the definitions folder ``folder``."""
    if not _REPORT_ID.fullmatch(report_id):
        message = (
            f"{report_id!r} is not a report id; expected the file stem of a definition in the folder "
            "(letters, digits, '-' and '_', no path)"
        )
        raise ReportDefinitionError(folder, [("(report id)", message)])
    return report_id


def definition_path(folder: Path, report_id: str) -> Path:
    """The definition file of ``report_id``: ``<folder>/<id>.yaml`` or ``.yml`` (the ``.yaml`` path when
    neither exists). The one place a report id becomes a path; a non-stem id raises (see ``check_report_id``)."""
    folder = Path(folder)
    check_report_id(report_id, folder)
    for suffix in (".yaml", ".yml"):
        path = folder / f"{report_id}{suffix}"
        if path.is_file():
            return path
    return folder / f"{report_id}.yaml"


def load_definition(
    path: Path,
    *,
    default_timezone: str = "UTC",
    allowed_recipient_domains: Sequence[str] = (),
) -> ReportDefinition:
    """Read and validate one definition file, raising ``ReportDefinitionError`` naming file and field."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"cannot be read ({exc.strerror}); expected a readable YAML file"
        raise ReportDefinitionError(path, [("(file)", message)]) from None
    return parse_definition(data, path, default_timezone=default_timezone, allowed_recipient_domains=allowed_recipient_domains)


def load_definitions(
    folder: Path,
    *,
    default_timezone: str = "UTC",
    allowed_recipient_domains: Sequence[str] = (),
) -> tuple[list[ReportDefinition], list[ReportDefinitionError]]:
    """Load every ``*.yaml``/``*.yml`` in ``folder`` (sorted); bad files are returned as errors, not raised."""
    folder = Path(folder)
    if not folder.is_dir():
        problem = ("(folder)", "does not exist; expected a folder of report YAML files")
        return [], [ReportDefinitionError(folder, [problem])]
    good: list[ReportDefinition] = []
    bad: list[ReportDefinitionError] = []
    seen: dict[str, Path] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
        if path.stem in seen:
            first = seen[path.stem].name
            message = f"report id {path.stem!r} is already defined by {first}; expected one file per report id"
            bad.append(ReportDefinitionError(path, [("(file name)", message)]))
            continue
        seen[path.stem] = path
        try:
            good.append(load_definition(path, default_timezone=default_timezone, allowed_recipient_domains=allowed_recipient_domains))
        except ReportDefinitionError as exc:
            bad.append(exc)
    return good, bad


def effective_stats(defn: ReportDefinition, channels: Iterable[str], *, message_kind: MessageKind | None = None) -> list[str]:
    """The report's stat columns: the stats it lists, in its order, else every stat of ``channels``.

    With ``message_kind`` the list is narrowed to stats that exist for campaigns or for Canvases
    (``entries`` is Canvas-only, ``unique_conversions`` campaign-only), for the two CSV files.
    """
    stats = list(defn.stats) if defn.stats else stats_for_channels(channels)
    if message_kind is None:
        return stats
    return [name for name in stats if message_kind in STAT_CATALOG[name].message_kinds]


@dataclass(frozen=True)
class CatalogEntry:
    """One campaign or Canvas known to the warehouse, with the channels and tags it uses."""

    kind: MessageKind
    id: str
    name: str
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    first_event_date: date | None = None
    last_event_date: date | None = None
    first_event_at: datetime | None = None


@dataclass(frozen=True)
class ResolvedSelection:
    campaign_ids: tuple[str, ...]
    canvas_ids: tuple[str, ...]
    channels: tuple[str, ...]
    first_event_date: date | None
    last_event_date: date | None
    entries: tuple[CatalogEntry, ...]
    first_event_at: datetime | None = None


def _id_problem(entry_kind: str, value: str, catalog: Sequence[CatalogEntry]) -> str:
    label = "Canvas" if entry_kind == "canvas" else "campaign"
    other = next((e for e in catalog if e.id == value), None)
    if other is not None:
        section, noun = ("canvases", "Canvas") if other.kind == "canvas" else ("campaigns", "campaign")
        return f"{value!r} is a {noun} id; expected it under messages.{section}"
    named = next((e for e in catalog if e.kind == entry_kind and e.name == value), None)
    if named is not None:
        return f"{value!r} is the name of {label} {named.id}; expected the id {named.id!r}"
    same_kind = [e.id for e in catalog if e.kind == entry_kind]
    close = difflib.get_close_matches(value, same_kind, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no {label} with id {value!r} in the message catalog; expected the id of a {label} with events{hint}"


def _tag_matches(defn: ReportDefinition, entry: CatalogEntry) -> bool:
    wanted = {t.casefold() for t in defn.tags}
    have = {t.casefold() for t in entry.tags}
    return bool(wanted & have) if defn.tag_match == "any" else wanted <= have


def resolve_messages(defn: ReportDefinition, catalog: Sequence[CatalogEntry]) -> ResolvedSelection:
    """Turn the definition's selectors (ids and tags, which add up) into catalog entries.

    Raises ``ReportDefinitionError`` for an id that is not in the catalog (or is of the other
    kind) and for tags that match no campaign or Canvas.
    """
    index = {(e.kind, e.id): e for e in catalog}
    problems: list[tuple[str, str]] = []
    chosen: dict[tuple[str, str], CatalogEntry] = {}
    selectors = (("campaign", "messages.campaigns", defn.campaigns), ("canvas", "messages.canvases", defn.canvases))
    for kind, field, ids in selectors:
        for position, value in enumerate(ids):
            entry = index.get((kind, value))
            if entry is None:
                problems.append((f"{field}[{position}]", _id_problem(kind, value, catalog)))
            else:
                chosen[(kind, value)] = entry
    if defn.tags:
        tagged = [e for e in catalog if _tag_matches(defn, e)]
        if not tagged:
            known = sorted({t for e in catalog for t in e.tags}, key=str.casefold)
            hint = f"tags in the catalog: {', '.join(known[:20])}" if known else "tags, but no message in the catalog has any"
            message = f"no campaign or Canvas has {defn.tag_match} of {list(defn.tags)}; expected {hint}"
            problems.append(("messages.tags", message))
        chosen.update({(e.kind, e.id): e for e in tagged})
    if problems:
        raise ReportDefinitionError(defn.source_path or defn.report_id, problems)
    entries = tuple(sorted(chosen.values(), key=lambda e: (e.kind, e.id)))
    channels = {c for e in entries for c in e.channels}
    firsts = [e.first_event_date for e in entries if e.first_event_date]
    lasts = [e.last_event_date for e in entries if e.last_event_date]
    return ResolvedSelection(
        campaign_ids=tuple(e.id for e in entries if e.kind == "campaign"),
        canvas_ids=tuple(e.id for e in entries if e.kind == "canvas"),
        channels=tuple(c for c in CHANNELS if c in channels),
        first_event_date=min(firsts, default=None),
        last_event_date=max(lasts, default=None),
        entries=entries,
        first_event_at=min((e.first_event_at for e in entries if e.first_event_at), default=None),
    )


def load_report(settings: SettingsView, report_id: str, definition_file: str | None = None) -> ReportDefinition:
    """The definition of ``report_id`` validated with the company time zone and allowed domains.

    Without ``definition_file`` only a plain file stem of the definitions folder is accepted."""
    path = Path(definition_file) if definition_file else definition_path(settings.report_defs, report_id)
    if not path.is_file():
        expected = f"a report definition file ({report_id}.yaml in {settings.report_defs})"
        raise ReportDefinitionError(path, [("(file)", f"does not exist; expected {expected}")])
    return load_definition(path, default_timezone=settings.timezone, allowed_recipient_domains=settings.allowed_domains)
