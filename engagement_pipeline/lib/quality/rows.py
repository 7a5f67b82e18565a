"""Validate an asset's partition rows at any size: SQL finds the rows, GX judges them.

One scan of the window counts, per day, the rows breaking each row-level expectation (its
SQL predicate, see `predicates.py`). For each broken expectation up to 5 of those rows are
fetched; with 3 more rows of the window they form the evidence frame GX validates. Every
row of that frame is a real row of the partition and every broken expectation has a breaking
row in it, so GX's verdict on the frame is its verdict on the whole partition, while pandas
only ever holds a few dozen rows, however large the day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa

from engagement_pipeline.lib.platform.values import plain
from engagement_pipeline.lib.quality.gx_runner import validate_frame
from engagement_pipeline.lib.quality.outcome import MAX_FAILURES_LISTED, MAX_OFFENDING, CheckOutcome, ExpectationOutcome, observed_on_day
from engagement_pipeline.lib.quality.predicates import Predicate, columns_of, predicate
from engagement_pipeline.lib.quality.suite import CheckSpec, resolve_parameters

WITNESS_ROWS = 3


def _table_columns(conn: sa.Connection, table: str) -> list[str]:
    result = conn.execute(sa.text(f"select * from {table} where 1 = 0"))
    columns = list(result.keys())
    result.close()
    return columns


def _text(sql: str, predicates: list[Predicate]) -> sa.TextClause:
    clause = sa.text(sql)
    expanding = [sa.bindparam(name, expanding=True) for p in predicates for name in p.expanding]
    return clause.bindparams(*expanding) if expanding else clause


def _frame(result: sa.CursorResult) -> pd.DataFrame:
    return pd.DataFrame.from_records(result.fetchall(), columns=list(result.keys()))


def evaluate_rows(
    check: CheckSpec,
    conn: sa.Connection,
    partition_by: str,
    key: tuple[str, ...],
    start: date,
    end: date,
    parameters: dict[str, Any],
) -> CheckOutcome:
    where = f"{check.suite_file}: check {check.name}"
    table_columns = _table_columns(conn, check.asset)
    known = set(table_columns) | set(check.derived_columns)
    resolved = [
        {k: resolve_parameters(v, parameters, f"{where}: {spec.label}") for k, v in spec.kwargs.items()} for spec in check.expectations
    ]
    predicates = [
        predicate(spec, kwargs, f"e{i}_", known, f"{where}: {spec.label}")
        for i, (spec, kwargs) in enumerate(zip(check.expectations, resolved))
    ]
    wanted = dict.fromkeys([*key, partition_by, *(c for s in check.expectations for c in columns_of(s))])
    plain_columns = [c for c in wanted if c in table_columns]
    derived = [f"{expression} as {name}" for name, expression in check.derived_columns.items()]
    base = (
        f"select {', '.join(plain_columns + derived)} from {check.asset} where {partition_by} >= :start_date and {partition_by} < :end_date"
    )
    values: dict[str, Any] = {"start_date": start, "end_date": end}
    for p in predicates:
        values.update(p.values)
    counters = ", ".join(f"sum(case when {p.sql} then 1 else 0 end) as v{i}" for i, p in enumerate(predicates))
    scan = conn.execute(
        _text(f"select {partition_by} as day, count(*) as n_rows, {counters} from ({base}) as b group by {partition_by}", predicates),
        values,
    ).fetchall()
    per_day = {str(row[0]): row for row in scan}
    rows_checked = sum(int(row[1]) for row in scan)
    window, partitions = f"{start} .. {end} (end exclusive)", (end - start).days
    if rows_checked == 0:
        outcomes = [ExpectationOutcome(spec, True, "no rows in the window") for spec in check.expectations]
        return CheckOutcome(check, window, 0, outcomes, partitions_checked=partitions)
    totals = [sum(int(row[2 + i] or 0) for row in scan) for i in range(len(predicates))]
    pieces = [_frame(conn.execute(_text(f"select * from ({base}) as b limit {WITNESS_ROWS}", []), values))]
    for i, p in enumerate(predicates):
        if totals[i]:
            sample = f"select * from ({base}) as b where {p.sql} limit {MAX_OFFENDING}"
            pieces.append(_frame(conn.execute(_text(sample, [p]), values)))
    evidence = pd.concat([piece for piece in pieces if not piece.empty], ignore_index=True).drop_duplicates()
    evidence = evidence.infer_objects()
    verdicts = validate_frame(evidence, check.expectations, parameters, list(key), f"{check.asset}.{check.name}")
    outcomes, notes = [], []
    for i, (spec, verdict, p) in enumerate(zip(check.expectations, verdicts, predicates)):
        breaking = totals[i] if p.counts_rows else 0
        success = verdict.success and not breaking
        if p.counts_rows and not verdict.error and verdict.success != (breaking == 0):
            outcome = "passed" if verdict.success else "failed"
            notes.append(f"{spec.label}: SQL counted {breaking:,} breaking rows but GX {outcome} the evidence frame; counted as failed")
        if verdict.error:
            observed = f"GX error: {verdict.error}"
        else:
            observed = f"{breaking:,} of {rows_checked:,} rows" if p.counts_rows else str(verdict.observed)
        failed_days: list[str] = []
        by_day: dict[str, str] = {}
        if not success:
            failed_days = sorted(day for day, row in per_day.items() if int(row[2 + i] or 0) > 0) if breaking else sorted(per_day)
        if breaking and not verdict.error:
            examples = {day: _trim(row, key, spec) for day, row in _examples_by_day(conn, base, p, partition_by, key, values).items()}
            day_key = [k for k in key if k != partition_by]
            by_day = {
                day: observed_on_day(int(per_day[day][2 + i]), int(per_day[day][1]), examples.get(day), columns_of(spec), day_key)
                for day in failed_days
            }
        offending = [_trim(r, key, spec) for r in verdict.unexpected_rows][:MAX_OFFENDING]
        outcomes.append(ExpectationOutcome(spec, success, observed, offending, failed_days, by_day))
    return CheckOutcome(check, window, rows_checked, outcomes, notes=notes, partitions_checked=partitions)


def _examples_by_day(
    conn: sa.Connection, base: str, p: Predicate, partition_by: str, key: tuple[str, ...], values: dict
) -> dict[str, dict]:
    """One breaking row per day that has any (the first by key), for the first MAX_FAILURES_LISTED days."""
    order = f" order by {', '.join(key)}" if key else ""
    ranked = f"select b.*, row_number() over (partition by {partition_by}{order}) as example_rank from ({base}) as b where {p.sql}"
    sql = f"select * from ({ranked}) as r where example_rank = 1 order by {partition_by} limit {MAX_FAILURES_LISTED}"
    rows = conn.execute(_text(sql, [p]), values).mappings().all()
    return {str(plain(row[partition_by])): dict(row) for row in rows}


def _trim(row: dict, key: tuple[str, ...], spec) -> dict:
    keep = [*key, *columns_of(spec)]
    return {k: plain(row.get(k)) for k in dict.fromkeys(keep) if k in row}
