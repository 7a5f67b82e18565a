"""Evaluate one suite check for a window: partition rows or a profile frame, judged by GX."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from engagement_pipeline.lib.ingest.event_types import ACTIONS, CHANNELS, EVENT_TYPES
from engagement_pipeline.lib.models.sql_models import SqlModel
from engagement_pipeline.lib.platform.values import plain
from engagement_pipeline.lib.quality import profiles_events  # noqa: F401  (registers its profiles)
from engagement_pipeline.lib.quality.gx_runner import validate_frame
from engagement_pipeline.lib.quality.outcome import MAX_OFFENDING, CheckOutcome, ExpectationOutcome, observed_on_day
from engagement_pipeline.lib.quality.predicates import columns_of
from engagement_pipeline.lib.quality.profiles import PROFILES, Profile, ProfileContext
from engagement_pipeline.lib.quality.rows import evaluate_rows
from engagement_pipeline.lib.quality.suite import CheckSpec, SuiteError


def run_parameters(landing_max_age_hours: float, start: date | None, end: date | None) -> dict[str, Any]:
    """Values of the suites' `{$PARAMETER: name}` placeholders."""
    values: dict[str, Any] = {
        "known_event_types": sorted(EVENT_TYPES),
        "channels": list(CHANNELS),
        "actions": list(ACTIONS),
        "landing_max_age_hours": float(landing_max_age_hours),
    }
    if start is not None and end is not None:
        values.update(window_start=datetime.combine(start, time()), window_end=datetime.combine(end, time()))
    return values


def evaluate_check(
    check: CheckSpec,
    engine: sa.Engine,
    model: SqlModel | None,
    settings: Any,
    start: date | None = None,
    end: date | None = None,
) -> CheckOutcome:
    parameters = run_parameters(getattr(settings, "landing_max_age_hours", 26.0), start, end)
    where = f"{check.suite_file}: check {check.name}"
    with engine.connect() as conn:
        if check.target == "rows":
            if model is None or not model.is_partitioned or start is None or end is None:
                raise SuiteError(f"{where}: target `rows` needs a partitioned SQL model asset")
            return evaluate_rows(check, conn, model.partition_by, model.unique_key, start, end, parameters)
        if check.target not in PROFILES:
            raise SuiteError(f"{where}: unknown target {check.target!r}; known: rows, {', '.join(sorted(PROFILES))}")
        context = ProfileContext(
            conn=conn,
            asset=check.asset,
            where=where,
            params=check.params,
            start=start,
            end=end,
            partition_by=model.partition_by if model and model.partition_by else "event_date",
            grain=model.unique_key if model else (),
            settings=settings,
        )
        found = PROFILES[check.target](context)
    return evaluate_profile(check, found, parameters, start, end)


def _days(start: date | None, end: date | None) -> list[str]:
    if start is None or end is None:
        return []
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days)]


def evaluate_profile(check: CheckSpec, found: Profile, parameters: dict[str, Any], start: date | None, end: date | None) -> CheckOutcome:
    frame = found.frame
    missing = [c for s in check.expectations for c in columns_of(s) if c not in frame.columns]
    if missing:
        raise SuiteError(
            f"{check.suite_file}: check {check.name}: profile {check.target} has no column(s) {missing} "
            f"(columns: {', '.join(frame.columns)})"
        )
    verdicts = validate_frame(frame.infer_objects(), check.expectations, parameters, list(check.key), f"{check.asset}.{check.name}")
    outcomes = []
    for spec, verdict in zip(check.expectations, verdicts):
        if verdict.error:
            observed = f"GX error: {verdict.error}"
        elif verdict.unexpected_count is not None:
            observed = f"{verdict.unexpected_count:,} of {verdict.element_count or 0:,} rows"
        else:
            observed = str(verdict.observed)
        keep = [*check.key, *columns_of(spec)]
        offending = [{k: plain(r.get(k)) for k in dict.fromkeys(keep) if k in r} for r in verdict.unexpected_rows]
        failed_days: list[str] = []
        by_day: dict[str, str] = {}
        if not verdict.success:
            dated = [r for r in offending if r.get("event_date")]
            failed_days = sorted({str(r["event_date"]) for r in dated}) or _days(start, end)
            by_day = _observed_by_day(frame, dated, columns_of(spec), [k for k in check.key if k != "event_date"])
        outcomes.append(ExpectationOutcome(spec, verdict.success, observed, offending[:MAX_OFFENDING], failed_days, by_day))
    window = f"{start} .. {end} (end exclusive)" if start else "latest state"
    return CheckOutcome(check, window, len(frame), outcomes, metadata=found.metadata, partitions_checked=len(_days(start, end)) or 1)


def _observed_by_day(frame, unexpected: list[dict], columns: list[str], key: list[str]) -> dict[str, str]:
    """Per day: its unexpected profile rows out of the day's rows, and the first of them."""
    rows_per_day = frame["event_date"].map(lambda v: str(plain(v))[:10]).value_counts().to_dict() if "event_date" in frame.columns else {}
    found: dict[str, list[dict]] = {}
    for row in unexpected:
        found.setdefault(str(row["event_date"]), []).append(row)
    return {day: observed_on_day(len(rows), rows_per_day.get(day), rows[0], columns, key) for day, rows in found.items()}
