"""Lookup tables the record encoders share: users, devices and messages, with encoded vocabularies cached.

A vocabulary is an object array of encoded values with a trailing null entry (so code -1
encodes null), plus a mask of entries a required field cannot take.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engagement_pipeline.lib.currents.schemas import Field
from engagement_pipeline.lib.currents.synth.avro_encode import encode_vocab, prefixed
from engagement_pipeline.lib.currents.synth.messages import MessageTable
from engagement_pipeline.lib.currents.synth.sources import Source
from engagement_pipeline.lib.currents.synth.users import Coded, UserPool


@dataclass
class Tables:
    users: UserPool
    messages: MessageTable
    app_group_id: str
    cache: dict[tuple, Vocab] = field(default_factory=dict)
    fixed: dict[tuple, np.ndarray] = field(default_factory=dict)
    remaps: dict[tuple, np.ndarray] = field(default_factory=dict)

    def chars(self, source: Source, optional: bool) -> np.ndarray | None:
        """Encoded rows (n, width) of a fixed-width user or device attribute, else None."""
        if source.kind not in ("user", "device"):
            return None
        attr = (self.users.attrs if source.kind == "user" else self.users.device_attrs)[source.key]
        if not isinstance(attr, np.ndarray):
            return None
        key = (source.kind, source.key, optional)
        if key not in self.fixed:
            self.fixed[key] = np.ascontiguousarray(prefixed(attr, optional))
        return self.fixed[key]

    def vocab(self, source: Source, spec: Field) -> Vocab:
        values = source.values if source.kind == "code" and not isinstance(source.values, str) else None
        key = (source.kind, source.key, values, spec.optional, str(spec.avro_type))
        if key not in self.cache:
            self.cache[key] = self._build(source, spec)
        return self.cache[key]

    def _build(self, source: Source, spec: Field) -> Vocab:
        if source.kind == "msg":
            return Vocab.of(encode_vocab(self.messages.values(source.key), spec))
        if source.kind == "code":
            values = self.messages.links[source.values] if isinstance(source.values, str) else source.values
            return Vocab.of(encode_vocab(values, spec))
        attr = (self.users.attrs if source.kind == "user" else self.users.device_attrs)[source.key]
        if isinstance(attr, Coded):
            small = encode_vocab(attr.values, spec)
            remap_key = (id(attr.codes), len(small))
            if remap_key not in self.remaps:
                self.remaps[remap_key] = np.append(attr.codes, len(small) - 1).astype(np.int32)
            return Vocab.of(small, self.remaps[remap_key])
        return Vocab.of(encode_vocab(attr, spec))


@dataclass(frozen=True)
class Vocab:
    """Encoded values (object array, last entry = null); `remap` first maps a user or device to a value.

    `bad` marks the entries a required field cannot take (None), when there are any.
    """

    entries: np.ndarray
    bad: np.ndarray | None
    remap: np.ndarray | None = None

    @staticmethod
    def of(entries: np.ndarray, remap: np.ndarray | None = None) -> Vocab:
        bad = np.array([entry is None for entry in entries.tolist()], dtype=bool)
        return Vocab(entries, bad if bad.any() else None, remap)
