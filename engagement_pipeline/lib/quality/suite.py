"""Data-quality suites: one YAML file per asset listing Great Expectations 1.x expectations.

A suite file names its asset and a version and lists the asset's checks; each check becomes
one Dagster asset check and holds expectations in GX terms: the expectation type, its
kwargs, a severity (`error` makes reports wrong, `warn` is an anomaly) and a one-line why.
`columns:` or `pairs:` expand one entry into one expectation per column (pair). A check
runs on the asset's `rows` of the partition window, or on a small frame a named `target`
profile computes in the warehouse (see `profiles.py`). Loading validates the files without
importing GX (slow to import); the GX objects are built when a check runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SUITE_SUFFIX = ".suite.yml"
SUITES_DIR = PROJECT_ROOT / "dbt_like_sql"  # `<asset>.suite.yml` beside the model it judges
GX_SEVERITY = {"error": "critical", "warn": "warning"}
NAME = r"^[a-z][a-z0-9_]*$"


class SuiteError(ValueError):
    pass


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(pattern=r"^expect_[a-z0-9_]+$")
    kwargs: dict[str, Any] = {}
    columns: list[str] | None = None
    pairs: list[tuple[str, str]] | None = None
    severity: Literal["error", "warn"]
    why: str = Field(min_length=10)

    @model_validator(mode="after")
    def _one_expansion(self) -> _Entry:
        if self.columns is not None and self.pairs is not None:
            raise ValueError("give `columns` or `pairs`, not both")
        return self


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME)
    description: str = Field(min_length=20)
    target: str = Field(default="rows", pattern=NAME)
    params: dict[str, Any] = {}
    key: list[str] = []
    derived_columns: dict[str, str] = {}
    additional_deps: list[str] = []
    blocks_run: bool | None = None
    expectations: list[_Entry] = Field(min_length=1)


class _Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset: str = Field(pattern=NAME)
    version: int = Field(ge=1)
    checks: list[_Check] = Field(min_length=1)


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict[str, Any]
    severity: str
    why: str

    @property
    def label(self) -> str:
        shown = {k: v for k, v in self.kwargs.items() if k in ("column", "column_A", "column_B", "column_list")}
        return f"{self.type}({', '.join(f'{k}={v}' for k, v in shown.items())})"

    @property
    def expected(self) -> str:
        """What the expectation asks for, in a few words (`delivery_rate <= 1`, `opens >= unique_opens`)."""
        kw = self.kwargs
        column, a, b = kw.get("column"), kw.get("column_A"), kw.get("column_B")
        if self.type == "expect_column_values_to_be_between":
            low = f"{_shown(kw['min_value'])} {'<' if kw.get('strict_min') else '<='} " if kw.get("min_value") is not None else ""
            high = f" {'<' if kw.get('strict_max') else '<='} {_shown(kw['max_value'])}" if kw.get("max_value") is not None else ""
            return f"{low}{column}{high}"
        if self.type == "expect_column_pair_values_a_to_be_greater_than_b":
            return f"{a} {'>=' if kw.get('or_equal') else '>'} {b}"
        if self.type == "expect_column_pair_values_to_be_equal":
            return f"{a} = {b}"
        if self.type == "expect_column_values_to_not_be_null":
            return f"{column} present"
        if self.type in ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"):
            negation = "not " if "_not_" in self.type else ""
            return f"{column} {negation}in {_shown(kw.get('value_set'))}"
        if self.type == "expect_column_values_to_be_in_type_list":
            return f"{column} of type {' or '.join(map(str, kw.get('type_list') or []))}"
        return self.label

    def to_gx(self):
        """The GX 1.x expectation object (imports GX: call inside a running check only)."""
        import great_expectations as gx

        class_name = "".join(part.capitalize() for part in self.type.split("_"))
        cls = getattr(gx.expectations, class_name, None)
        if cls is None:
            raise SuiteError(f"{self.type}: not an expectation of great_expectations {gx.__version__}")
        return cls(**self.kwargs, severity=GX_SEVERITY[self.severity], meta={"why": self.why})


@dataclass(frozen=True)
class CheckSpec:
    asset: str
    name: str
    description: str
    target: str
    params: dict[str, Any]
    key: tuple[str, ...]
    derived_columns: dict[str, str]
    additional_deps: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    suite_file: str
    suite_version: int
    blocks_run: bool | None = None

    @property
    def gates_reports(self) -> bool:
        """True when a failure makes reports wrong (an `error` expectation): the gate holds them."""
        return any(e.severity == "error" for e in self.expectations)

    @property
    def blocking(self) -> bool:
        return self.gates_reports if self.blocks_run is None else self.blocks_run


@dataclass(frozen=True)
class Suite:
    asset: str
    version: int
    path: Path
    checks: tuple[CheckSpec, ...] = field(default_factory=tuple)


def _shown(value: Any) -> str:
    """A kwarg as the summary shows it: a `{$PARAMETER: name}` placeholder by its name."""
    if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
        return str(value["$PARAMETER"])
    return str(value)


def _expand(entry: _Entry) -> list[ExpectationSpec]:
    if entry.columns is not None:
        kwargs_list = [{**entry.kwargs, "column": column} for column in entry.columns]
    elif entry.pairs is not None:
        kwargs_list = [{**entry.kwargs, "column_A": a, "column_B": b} for a, b in entry.pairs]
    else:
        kwargs_list = [dict(entry.kwargs)]
    return [ExpectationSpec(entry.type, kwargs, entry.severity, entry.why) for kwargs in kwargs_list]


def _where(error: dict) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def load_suite(path: Path) -> Suite:
    try:
        raw = yaml.safe_load(path.read_text())
        parsed = _Suite.model_validate(raw)
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise SuiteError(f"{path}: {problems}") from exc
    if parsed.asset != path.name.removesuffix(SUITE_SUFFIX):
        raise SuiteError(f"{path}: asset is {parsed.asset!r}; the file must be named after its asset ({parsed.asset}{SUITE_SUFFIX})")
    relative = path.resolve().relative_to(PROJECT_ROOT).as_posix() if path.resolve().is_relative_to(PROJECT_ROOT) else str(path)
    checks = []
    for check in parsed.checks:
        expectations = tuple(spec for entry in check.expectations for spec in _expand(entry))
        checks.append(
            CheckSpec(
                asset=parsed.asset,
                name=check.name,
                description=" ".join(check.description.split()),
                target=check.target,
                params=check.params,
                key=tuple(check.key),
                derived_columns=check.derived_columns,
                additional_deps=tuple(check.additional_deps),
                expectations=expectations,
                suite_file=relative,
                suite_version=parsed.version,
                blocks_run=check.blocks_run,
            )
        )
    names = [c.name for c in checks]
    if len(set(names)) != len(names):
        raise SuiteError(f"{path}: check names must be unique, got {names}")
    return Suite(parsed.asset, parsed.version, path, tuple(checks))


@cache
def load_suites(directory: Path = SUITES_DIR) -> tuple[Suite, ...]:
    return tuple(load_suite(path) for path in sorted(directory.rglob(f"*{SUITE_SUFFIX}")))


def resolve_parameters(value: Any, parameters: dict[str, Any], where: str) -> Any:
    """Replace GX's `{"$PARAMETER": name}` placeholders by their run-time values."""
    if isinstance(value, dict) and set(value) == {"$PARAMETER"}:
        name = value["$PARAMETER"]
        if name not in parameters:
            raise SuiteError(f"{where}: unknown $PARAMETER {name!r}; known: {sorted(parameters)}")
        return parameters[name]
    return value
