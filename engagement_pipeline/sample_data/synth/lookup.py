"""Lookup runs: neighbouring fields whose values depend only on a few small codes, encoded together.

A run's value for a row is a function of its bases' codes (the message version, a user's
time zone code, an event code, the send's day...). Neighbouring runs are merged when the
product of their bases stays small, and the joined bytes of each code combination are
computed once, the first time a row needs them, then looked up by combined code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

MAX_COMBINATIONS = 1 << 18
Encode = Callable[[dict[str, np.ndarray], int], list[bytes | None]]


@dataclass(frozen=True)
class Part:
    """One field run: the bases it depends on and how to encode n code combinations."""

    names: tuple[str, ...]
    bases: tuple[str, ...]
    encode: Encode


@dataclass
class Lookup:
    parts: list[Part]
    sizes: dict[str, int]
    entries: np.ndarray | None = None
    bad: np.ndarray | None = None
    filled: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.names = tuple(name for part in self.parts for name in part.names)
        self.bases = tuple(sorted({base for part in self.parts for base in part.bases}))
        self.combinations = int(np.prod([self.sizes[b] for b in self.bases], dtype=np.int64))

    @staticmethod
    def direct(part: Part, entries: np.ndarray, bad: np.ndarray | None, size: int) -> Lookup:
        """A single-base run whose encoded values already exist (one per code, null last)."""
        return Lookup([part], {part.bases[0]: size}, entries, bad, None)

    def merge(self, other: Lookup) -> Lookup | None:
        merged = Lookup(self.parts + other.parts, {**self.sizes, **other.sizes})
        return merged if merged.combinations <= MAX_COMBINATIONS else None

    def pieces(self, codes: dict[str, np.ndarray], n: int, where: str) -> list[bytes]:
        """The run's encoded bytes for each of n rows, from the rows' codes per base."""
        if self.filled is None and self.entries is not None:
            combined = codes[self.bases[0]]
        else:
            combined = self._combined(codes, n)
            self._fill(combined)
        if self.bad is not None and self.bad[combined].any():
            raise ValueError(f"{where}: required field(s) {', '.join(self.names)} left empty")
        return self.entries[combined].tolist()

    def _combined(self, codes: dict[str, np.ndarray], n: int) -> np.ndarray:
        combined = np.zeros(n, dtype=np.int64)
        for base in self.bases:
            combined = combined * self.sizes[base] + codes[base]
        return combined

    def _fill(self, combined: np.ndarray) -> None:
        if self.entries is None:
            size = self.combinations
            self.entries = np.empty(size, dtype=object)
            self.bad = np.zeros(size, dtype=bool)
            self.filled = np.zeros(size, dtype=bool)
        missing = combined[~self.filled[combined]]
        if not len(missing):
            return
        wanted = np.unique(missing)
        per_base, rest = {}, wanted.copy()
        for base in reversed(self.bases):
            per_base[base] = rest % self.sizes[base]
            rest = rest // self.sizes[base]
        joined: list[bytes | None] = [b""] * len(wanted)
        for part in self.parts:
            values = part.encode({base: per_base[base] for base in part.bases}, len(wanted))
            joined = [None if a is None or b is None else a + b for a, b in zip(joined, values)]
        self.entries[wanted] = joined
        self.bad[wanted] = [value is None for value in joined]
        self.filled[wanted] = True
