"""What a check found: per expectation its verdict, observed value, offending keys and days."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engagement_pipeline.lib.quality.suite import CheckSpec, ExpectationSpec

MAX_OFFENDING = 5


@dataclass
class ExpectationOutcome:
    spec: ExpectationSpec
    success: bool
    observed: str
    offending: list[dict] = field(default_factory=list)
    failed_days: list[str] = field(default_factory=list)


@dataclass
class CheckOutcome:
    check: CheckSpec
    window: str
    rows_checked: int
    expectations: list[ExpectationOutcome]
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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

    @property
    def summary(self) -> str:
        total = len(self.expectations)
        if self.passed:
            return f"all {total} expectations passed ({self.window})"
        labels = "; ".join(f"{e.spec.label}: {e.observed}" for e in self.failed[:5])
        more = f" and {len(self.failed) - 5} more" if len(self.failed) > 5 else ""
        return f"{len(self.failed)} of {total} expectations failed ({self.window}): {labels}{more}"
