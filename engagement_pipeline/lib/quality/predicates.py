"""Each row-level GX expectation as the SQL predicate of the rows that break it.

The predicates follow GX's semantics for pandas, nulls included: value expectations ignore
NULL values (except `not_be_null`); pair expectations ignore a row where both values are
missing and fail a row where only one is (their default `ignore_row_if`). A test compares
every predicate with GX itself on the same rows. `be_in_type_list` is not row-level: a NULL
turns an integer column into floats in pandas, so its "rows that matter" are the NULL rows.
Column names are checked against the table before they reach SQL; values are bound.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engagement_pipeline.lib.quality.suite import ExpectationSpec, SuiteError


@dataclass(frozen=True)
class Predicate:
    sql: str
    values: dict[str, Any] = field(default_factory=dict)
    expanding: tuple[str, ...] = ()
    counts_rows: bool = True


Builder = Callable[[dict[str, Any], str], Predicate]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _not_null(kw: dict, p: str) -> Predicate:
    return Predicate(f"{kw['column']} is null")


def _in_set(kw: dict, p: str) -> Predicate:
    c = kw["column"]
    return Predicate(f"{c} is not null and {c} not in :{p}set", {f"{p}set": sorted(kw["value_set"])}, (f"{p}set",))


def _not_in_set(kw: dict, p: str) -> Predicate:
    c = kw["column"]
    return Predicate(f"{c} is not null and {c} in :{p}set", {f"{p}set": sorted(kw["value_set"])}, (f"{p}set",))


def _between(kw: dict, p: str) -> Predicate:
    c, parts, values = kw["column"], [], {}
    if kw.get("min_value") is not None:
        parts.append(f"{c} {'<=' if kw.get('strict_min') else '<'} :{p}min")
        values[f"{p}min"] = kw["min_value"]
    if kw.get("max_value") is not None:
        parts.append(f"{c} {'>=' if kw.get('strict_max') else '>'} :{p}max")
        values[f"{p}max"] = kw["max_value"]
    if not parts:
        raise SuiteError(f"{c}: expect_column_values_to_be_between needs min_value or max_value")
    return Predicate(f"{c} is not null and ({' or '.join(parts)})", values)


def _pair(kw: dict, comparison: str) -> Predicate:
    a, b = kw["column_A"], kw["column_B"]
    ignore = kw.get("ignore_row_if", "both_values_are_missing")
    broken = f"not ({a} {comparison} {b})"
    if ignore == "either_value_is_missing":
        return Predicate(f"{a} is not null and {b} is not null and {broken}")
    missing = f"{a} is null or {b} is null or {broken}"
    if ignore == "neither":
        return Predicate(missing)
    return Predicate(f"not ({a} is null and {b} is null) and ({missing})")


def _a_greater_than_b(kw: dict, p: str) -> Predicate:
    return _pair(kw, ">=" if kw.get("or_equal") else ">")


def _pair_equal(kw: dict, p: str) -> Predicate:
    return _pair(kw, "=")


def _in_type_list(kw: dict, p: str) -> Predicate:
    return Predicate(f"{kw['column']} is null", counts_rows=False)


BUILDERS: dict[str, Builder] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_not_be_in_set": _not_in_set,
    "expect_column_values_to_be_between": _between,
    "expect_column_pair_values_a_to_be_greater_than_b": _a_greater_than_b,
    "expect_column_pair_values_to_be_equal": _pair_equal,
    "expect_column_values_to_be_in_type_list": _in_type_list,
}
UNSUPPORTED_KWARGS = ("mostly", "row_condition", "condition_parser")


def columns_of(spec: ExpectationSpec) -> list[str]:
    names = [spec.kwargs[k] for k in ("column", "column_A", "column_B") if k in spec.kwargs]
    return names + list(spec.kwargs.get("column_list", []))


def predicate(spec: ExpectationSpec, resolved: dict[str, Any], prefix: str, known: set[str], where: str) -> Predicate:
    """The SQL predicate of the rows breaking `spec` (kwargs already resolved), bound under `prefix`."""
    if spec.type not in BUILDERS:
        raise SuiteError(
            f"{where}: {spec.type} cannot run on the partition rows (row-level expectations only: "
            f"{', '.join(sorted(BUILDERS))}); compute a small frame with a profile target instead"
        )
    for name in UNSUPPORTED_KWARGS:
        if resolved.get(name) not in (None, 1, 1.0):
            raise SuiteError(f"{where}: `{name}` is not supported on the partition rows (the verdict must be exact)")
    for column in columns_of(spec):
        if not _IDENTIFIER.match(column) or column not in known:
            raise SuiteError(f"{where}: column {column!r} is not a column of the checked rows (columns: {', '.join(sorted(known))})")
    return BUILDERS[spec.type](resolved, prefix)
