"""What a check found: per expectation its verdict, observed value, offending keys and days."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engagement_pipeline.lib.quality.suite import CheckSpec, ExpectationSpec

MAX_OFFENDING = 5
MAX_FAILURES_LISTED = 100


def _value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def observed_on_day(breaking: int, rows: int | None, example: dict | None, columns: list[str], key: list[str]) -> str:
    """What one day showed: `1 of 40 rows, e.g. delivery_rate=1.008 at campaign_id=c1, channel=email`."""
    text = f"{breaking:,} of {rows:,} rows" if rows is not None else f"{breaking:,} rows"
    if not example:
        return text
    values = ", ".join(f"{c}={_value(example.get(c))}" for c in columns if c in example)
    where = ", ".join(f"{k}={_value(example[k])}" for k in key if k in example and k not in columns)
    return f"{text}, e.g. {values}{' at ' + where if where else ''}"


@dataclass
class ExpectationOutcome:
    spec: ExpectationSpec
    success: bool
    observed: str
    offending: list[dict] = field(default_factory=list)
    failed_days: list[str] = field(default_factory=list)
    observed_by_day: dict[str, str] = field(default_factory=dict)


@dataclass
class CheckOutcome:
    check: CheckSpec
    window: str
    rows_checked: int
    expectations: list[ExpectationOutcome]
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    partitions_checked: int = 1

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def severity(self) -> str:
        """`error` when an error expectation failed, `warn` when only warnings did; a pass carries
        the severity a failure of the check could have."""
        if self.failed:
            return "error" if any(e.spec.severity == "error" for e in self.failed) else "warn"
        return "error" if self.check.gates_reports else "warn"

    def days_failing(self, severity: str) -> list[str]:
        return sorted({day for e in self.failed if e.spec.severity == severity for day in e.failed_days})

    def failures(self) -> list[dict[str, str]]:
        """One entry per failed expectation and day (the first MAX_FAILURES_LISTED by day): the day, the
        expectation, its severity, what it asks for and what that day's data showed."""
        found = [
            {
                "day": day,
                "severity": e.spec.severity,
                "expectation": e.spec.label,
                "expected": e.spec.expected,
                "observed": e.observed_by_day.get(day, e.observed),
            }
            for e in self.failed
            for day in e.failed_days or [""]
        ]
        return sorted(found, key=lambda f: (f["day"], f["severity"] != "error"))[:MAX_FAILURES_LISTED]

    @property
    def summary(self) -> str:
        total = len(self.expectations)
        if self.passed:
            return f"all {total} expectations passed ({self.window})"
        labels = "; ".join(f"{e.spec.label}: {e.observed}" for e in self.failed[:5])
        more = f" and {len(self.failed) - 5} more" if len(self.failed) > 5 else ""
        return f"{len(self.failed)} of {total} expectations failed ({self.window}): {labels}{more}"
