"""Lookup tables the record encoders share: users, devices and messages, with encoded vocabularies.

Every lookup has a base, the code it is indexed by: `msg` (message version), `user`,
`device`, `send_day`, `code:<frame column>`, or `user:<field>` / `device:<field>` for an
attribute with few values (a time zone), whose per-user code is in `remaps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engagement_pipeline.sample_data.schemas import Field
from engagement_pipeline.sample_data.synth.avro_encode import encode_vocab
from engagement_pipeline.sample_data.synth.messages import MessageTable
from engagement_pipeline.sample_data.synth.sources import Source
from engagement_pipeline.sample_data.synth.users import Coded, UserPool


@dataclass(frozen=True)
class Vocab:
    """Encoded values (object array, last entry = null) and the mask of None entries, if any."""

    entries: np.ndarray
    bad: np.ndarray | None

    @staticmethod
    def of(entries: np.ndarray) -> Vocab:
        bad = np.array([entry is None for entry in entries.tolist()], dtype=bool)
        return Vocab(entries, bad if bad.any() else None)


@dataclass
class Tables:
    users: UserPool
    messages: MessageTable
    app_group_id: str
    first_day: int
    days: int
    sizes: dict[str, int] = field(default_factory=dict)
    remaps: dict[str, np.ndarray] = field(default_factory=dict)
    cache: dict[tuple, tuple[Vocab, str]] = field(default_factory=dict)
    fixed: dict[str, np.ndarray] = field(default_factory=dict)
    slices: dict[tuple[str, str], slice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sizes.update(
            {"msg": 2 * self.messages.count + 1, "send_day": self.days, "user": self.users.size + 1, "device": 2 * self.users.size + 1}
        )

    def chars(self, source: Source) -> slice | None:
        """Where a fixed-width user or device attribute sits in its `fixed` matrix, else None.

        All fixed-width attributes of a user (Braze id, external id, phone) share one matrix row,
        so one random read per event fetches them all.
        """
        if source.kind not in ("user", "device"):
            return None
        attrs = self.users.attrs if source.kind == "user" else self.users.device_attrs
        if not isinstance(attrs[source.key], np.ndarray):
            return None
        if source.kind not in self.fixed:
            columns = [(name, attr) for name, attr in attrs.items() if isinstance(attr, np.ndarray)]
            self.fixed[source.kind] = np.ascontiguousarray(np.concatenate([attr for _, attr in columns], axis=1))
            offsets = np.cumsum([0] + [attr.shape[1] for _, attr in columns])
            for (name, _), first, last in zip(columns, offsets, offsets[1:]):
                self.slices[(source.kind, name)] = slice(int(first), int(last))
        return self.slices[(source.kind, source.key)]

    def vocab(self, source: Source, spec: Field) -> tuple[Vocab, str, int]:
        """The encoded vocabulary of a field, the base it is indexed by, and that base's size."""
        key = (source.kind, source.key, source.values, spec.optional, str(spec.avro_type))
        if key not in self.cache:
            self.cache[key] = self._build(source, spec)
        vocab, base = self.cache[key]
        self.sizes.setdefault(base, len(vocab.entries))
        return vocab, base, self.sizes[base]

    def _build(self, source: Source, spec: Field) -> tuple[Vocab, str]:
        if source.kind == "msg":
            return Vocab.of(encode_vocab(self.messages.values(source.key), spec)), "msg"
        if source.kind == "code":
            values = self.messages.links[source.values] if isinstance(source.values, str) else source.values
            return Vocab.of(encode_vocab(values, spec)), f"code:{source.key}"
        attr = (self.users.attrs if source.kind == "user" else self.users.device_attrs)[source.key]
        if isinstance(attr, Coded):
            shared = (b for b, codes in self.remaps.items() if codes is attr.codes)
            base = next(shared, f"{source.kind}:{source.key}")
            self.remaps[base] = attr.codes
            return Vocab.of(encode_vocab(attr.values, spec)), base
        return Vocab.of(encode_vocab(attr, spec)), source.kind
