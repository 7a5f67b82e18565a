"""Run configuration of `report_files`: the "as of" time, a time-frame override, an outside definition file."""

from datetime import UTC, date, datetime

import dagster as dg
from pydantic import Field

from engagement_pipeline.lib.delivery.due_times import delivery_due
from engagement_pipeline.lib.delivery.tags import DELIVER_JOB
from engagement_pipeline.lib.reports.build import ReportRunError
from engagement_pipeline.lib.reports.spec import ReportDefinition

REPORT_DELIVERY = dg.AssetKey("report_delivery")


class ReportRunConfig(dg.Config):
    due_at: str | None = Field(
        default=None,
        description="ISO time (UTC unless it has an offset) the report is due; its time frame is computed as of then. Default: now.",
    )
    start: str | None = Field(default=None, description="First day of the time frame (YYYY-MM-DD), overriding the definition.")
    end: str | None = Field(default=None, description="Last day of the time frame (YYYY-MM-DD, inclusive), overriding the definition.")
    definition_file: str | None = Field(
        default=None, description="Render this definition file instead of <report id>.yaml in the definitions folder."
    )

    def due_at_utc(self) -> datetime | None:
        if not self.due_at:
            return None
        try:
            moment = datetime.fromisoformat(self.due_at.replace("Z", "+00:00"))
        except ValueError:
            raise ReportRunError(f"due_at {self.due_at!r} is not a time; expected ISO 8601 such as 2026-11-23T08:00:00Z") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def dates(self) -> tuple[date | None, date | None]:
        return _date("start", self.start), _date("end", self.end)


def _date(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportRunError(f"{field} {value!r} is not a date; expected YYYY-MM-DD") from None


def delivery_as_of(defn: ReportDefinition, run: dg.DagsterRun, instance: dg.DagsterInstance) -> datetime | None:
    """The due time a delivery run launched without one (from the UI) renders as of.

    That is the due time ``delivery_due`` gives at the run's creation, the one its delivery is
    logged under, so the files cover the period the schedule's run would have sent. None for a
    run that only renders (`engagement report run`): it renders as of now."""
    if run.job_name != DELIVER_JOB and REPORT_DELIVERY not in (run.asset_selection or ()):
        return None
    record = instance.get_run_record_by_id(run.run_id)
    created = record.create_timestamp if record is not None else datetime.now(UTC)
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
    return delivery_due(defn, created).at
