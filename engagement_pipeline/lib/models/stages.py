"""Cut the written models into the fewest steps a run needs: consecutive stages of one kind.

A Dagster step (one op) holds assets of one partitions definition, so the daily models and the
whole-table models (`message_catalog`, `message_components`) cannot share a step; and a step
cannot both feed and read another (`int_messages__daily` -> `message_components` ->
`int_message_stats__keyed`). A model's stage is the highest stage of what it reads, one more
when the kind changes; models of one stage and kind run in one step, in dependency order.
What a model's checks read (`extra_deps`) counts as read by the model: such a check runs after
its inputs are built, in the same or a later step. A model nothing reads runs in the last step of
its kind, so that a failure there (a step fails as a whole) holds nothing else back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engagement_pipeline.lib.models.sql_models import SqlModel, SqlModelError


@dataclass(frozen=True)
class Stage:
    index: int
    partitioned: bool
    models: tuple[SqlModel, ...]

    @property
    def name(self) -> str:
        """The step's (op's) name, as the run's log and the UI show it: `sql_models_1_daily`."""
        return f"sql_models_{self.index}_{'daily' if self.partitioned else 'whole'}"


def dependency_order(models: Mapping[str, SqlModel], extra_deps: Mapping[str, Iterable[str]] | None = None) -> list[SqlModel]:
    """The written (non-ephemeral) models, each after the models it reads (sorted by name among equals)."""
    written = {name: model for name, model in models.items() if not model.is_ephemeral}
    extra = extra_deps or {}
    deps = {name: sorted({*model.refs, *extra.get(name, ())} & written.keys() - {name}) for name, model in written.items()}
    ordered: list[SqlModel] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise SqlModelError(f"models read each other in a cycle: {' -> '.join((*path, name))}")
        state[name] = "visiting"
        for dep in deps[name]:
            visit(dep, (*path, name))
        state[name] = "done"
        ordered.append(written[name])

    for name in sorted(written):
        visit(name, ())
    return ordered


def plan_stages(models: Mapping[str, SqlModel], extra_deps: Mapping[str, Iterable[str]] | None = None) -> list[Stage]:
    """The steps of a run over every written model, in the order they run."""
    extra = extra_deps or {}
    ordered = dependency_order(models, extra)
    level: dict[str, int] = {}
    for model in ordered:
        reads = [models[d] for d in {*model.refs, *extra.get(model.name, ())} if d in level and d != model.name]
        level[model.name] = max((level[d.name] + (d.is_partitioned != model.is_partitioned) for d in reads), default=0)
    # A model nothing reads (a breakdown) runs in the last step of its kind: its failure then fails
    # that step alone, after the catalog and the marts are built, not the steps that follow its own.
    read = {dep for model in ordered for dep in {*model.refs, *extra.get(model.name, ())} if dep != model.name}
    last = {kind: max(level[m.name] for m in ordered if m.is_partitioned == kind) for kind in {m.is_partitioned for m in ordered}}
    for model in ordered:
        if model.name not in read:
            level[model.name] = last[model.is_partitioned]
    groups: dict[tuple[int, bool], list[SqlModel]] = {}
    for model in ordered:
        groups.setdefault((level[model.name], not model.is_partitioned), []).append(model)
    return [
        Stage(index, not whole, tuple(members))
        for index, ((_, whole), members) in enumerate(sorted(groups.items(), key=lambda item: item[0]), start=1)
    ]
