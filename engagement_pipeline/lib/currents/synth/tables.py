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
    cache: dict[tuple, tuple[np.ndarray, np.ndarray | None]] = field(default_factory=dict)
    fixed: dict[tuple, np.ndarray] = field(default_factory=dict)

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

    def vocab(self, source: Source, spec: Field) -> tuple[np.ndarray, np.ndarray | None]:
        values = source.values if source.kind == "code" and not isinstance(source.values, str) else None
        key = (source.kind, source.key, values, spec.optional, str(spec.avro_type))
        if key not in self.cache:
            self.cache[key] = self._build(source, spec)
        return self.cache[key]

    def _build(self, source: Source, spec: Field) -> tuple[np.ndarray, np.ndarray | None]:
        if source.kind == "msg":
            return _with_mask(encode_vocab(self.messages.values(source.key), spec))
        if source.kind == "code":
            values = self.messages.links[source.values] if isinstance(source.values, str) else source.values
            return _with_mask(encode_vocab(values, spec))
        attr = (self.users.attrs if source.kind == "user" else self.users.device_attrs)[source.key]
        if isinstance(attr, Coded):
            small, bad = _with_mask(encode_vocab(attr.values, spec))
            index = np.append(attr.codes, len(small) - 1)
            return small[index], None if bad is None else bad[index]
        return _with_mask(encode_vocab(attr, spec))


def _with_mask(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """The entries and, if any, the mask of those a required field cannot take (None)."""
    bad = np.array([entry is None for entry in entries.tolist()], dtype=bool)
    return entries, bad if bad.any() else None
