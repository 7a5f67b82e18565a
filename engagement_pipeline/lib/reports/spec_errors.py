"""Reading definition YAML and turning YAML and pydantic failures into one line per problem.

A line reads ``<file>: <field path>: <what was wrong>; expected <what>``; field paths use dots
for keys and ``[i]`` for list positions (``recipients[1]``, ``schedule.every.days``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

_MISSING = {
    "name": 'a report name such as "Weekly campaign performance"',
    "messages": "a messages block with campaigns, canvases or tags",
    "recipients": "a list of e-mail addresses",
    "messages.tags.values": "a list of tags",
}
_MAPPING_ERRORS = {"model_type", "model_attributes_type", "dict_type"}


class ReportDefinitionError(ValueError):
    """A report definition file is wrong; ``problems`` holds (field path, message) pairs."""

    def __init__(self, source: Path | str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = Path(source)
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{self.source}: {field}: {message}" for field, message in self.problems)


class _Loader(yaml.SafeLoader):
    """Safe loader that keeps ``18:30`` as text (YAML 1.1 reads it as base-60 1110) and rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}; expected each key once", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _int_keeping_times(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    if ":" in node.value:
        return loader.construct_scalar(node)
    return loader.construct_yaml_int(node)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """An unquoted date that is not a calendar day (2026-02-30, 2026-13-45) stays text: the schema
    then names its field, instead of PyYAML raising a bare ValueError for the whole file."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _int_keeping_times)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def read_yaml(data: bytes, source: Path, top_keys: Sequence[str] = ()) -> dict[str, Any]:
    """Parse ``data`` as a YAML mapping or raise ``ReportDefinitionError`` with the line of the fault."""
    keys = f"keys such as {', '.join(top_keys)}" if top_keys else "keys such as name, messages, recipients"
    try:
        document = yaml.load(data, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        problem = exc.problem or "invalid YAML"
        problem = problem if "; expected" in problem else f"{problem}; expected valid YAML"
        raise ReportDefinitionError(source, [(where, problem)]) from None
    except yaml.YAMLError as exc:
        raise ReportDefinitionError(source, [("(yaml)", f"{exc}; expected valid YAML")]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor that PyYAML does not wrap
        raise ReportDefinitionError(source, [("(yaml)", f"{exc}; expected valid YAML")]) from None
    if document is None:
        raise ReportDefinitionError(source, [("(top level)", f"the file is empty; expected a mapping with {keys}")])
    if not isinstance(document, dict):
        shown = _show(document)
        raise ReportDefinitionError(source, [("(top level)", f"got {shown}; expected a mapping with {keys}")])
    return document


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        candidates = (field.annotation, *get_args(field.annotation))
        found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not found:
            return None
        model = found[0]
    return model


def _message(error: dict[str, Any], root: type[BaseModel]) -> str:
    loc, kind, msg = error["loc"], error["type"], error["msg"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "missing":
        dotted = ".".join(p for p in loc if isinstance(p, str))
        return f"is missing; expected {_MISSING.get(dotted, 'a value')}"
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key; expected one of {', '.join(allowed)}{hint}"
    if kind in _MAPPING_ERRORS:
        model = _model_at(root, loc)
        keys = f" with keys {', '.join(model.model_fields)}" if model else ""
        return f"got {_show(error['input'])}; expected a mapping{keys}"
    if msg.startswith("Input should be "):
        expected = msg.removeprefix("Input should be ").split(", got ")[0]
        return f"got {_show(error['input'])}; expected {expected}"
    return f"{msg} (got {_show(error['input'])})"


def problems_from_validation(exc: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """One (field path, message) pair per pydantic error, in the order pydantic found them."""
    return [(_path(e["loc"]), _message(dict(e), root)) for e in exc.errors(include_url=False)]
