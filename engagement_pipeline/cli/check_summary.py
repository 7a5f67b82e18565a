"""The check summary `engagement materialize` and `demo` print: per check the days passed, failed
and warned, and under it each day that did not pass with what was expected and what was found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engagement_pipeline.cli.runner import CheckOutcome

MAX_DAYS_SHOWN = 10


@dataclass
class CheckDays:
    checked: int = 0
    failed: set[str] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)
    failures: list[dict] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(passed, failed, warned) days; a day that failed and warned counts as failed."""
        failed, warned = len(self.failed), len(self.warned - self.failed)
        return max(self.checked - failed - warned, 0), failed, warned


def _by_check(checks: Iterable[CheckOutcome]) -> dict[str, CheckDays]:
    found: dict[str, CheckDays] = {}
    for check in checks:
        days = found.setdefault(f"{check.asset}: {check.check}", CheckDays())
        days.checked += check.partitions_checked
        days.failed.update(check.error_days)
        days.warned.update(check.warn_days)
        days.failures.extend(check.failures)
        for day in [*check.error_days, *check.warn_days]:
            days.descriptions.setdefault(day, check.description or "")
    return found


def _day_lines(days: CheckDays) -> list[str]:
    """One line per failed expectation and day; a day with no such detail shows the check's description."""
    detailed = {f.get("day", "") for f in days.failures}
    entries = [
        (f.get("day", ""), f.get("severity", ""), f"expected {f.get('expected') or f.get('expectation')}, found {f.get('observed')}")
        for f in days.failures
    ]
    entries += [
        (day, "error" if day in days.failed else "warn", days.descriptions.get(day) or "did not pass")
        for day in (days.failed | days.warned) - detailed
    ]
    entries.sort(key=lambda e: (e[0], e[1] != "error"))
    lines = [f"      {day or 'latest state'} {severity}: {text}" for day, severity, text in entries[:MAX_DAYS_SHOWN]]
    if len(entries) > MAX_DAYS_SHOWN:
        lines.append(f"      ... and {len(entries) - MAX_DAYS_SHOWN} more (the check's `failures` metadata in the UI)")
    return lines


def summary_lines(checks: Iterable[CheckOutcome]) -> list[str]:
    """The summary, or no lines when no check ran."""
    by_check = _by_check(checks)
    if not by_check:
        return []
    lines = ["", "Data-quality checks (days passed / failed or warned; below a check, each day that did not pass):"]
    totals = [0, 0, 0]
    for name, days in sorted(by_check.items()):
        passed, failed, warned = days.counts
        totals = [totals[0] + passed, totals[1] + failed, totals[2] + warned]
        mark = "FAIL" if failed else "warn" if warned else "ok  "
        outcome = f"{failed} failed" + (f", {warned} warned" if warned else "") if failed or not warned else f"{warned} warned"
        lines.append(f"  {mark} {name}: {passed} passed, {outcome}")
        lines.extend(_day_lines(days))
    lines.append(f"check-days: {totals[0]} passed, {totals[1]} failed, {totals[2]} warned (a warning is not a failure)")
    return lines
