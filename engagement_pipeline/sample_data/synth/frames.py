"""Column frames of synthetic events (dicts of equal-length numpy arrays) and their helpers.

Every frame has `time` (UNIX seconds), `msg` (message index, -1 for none), `user` (user
index) and `disp` (dispatch key, -1 for none); other columns are small integer codes into
the vocabularies of `vocab.py`, -1 meaning null.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

Frame = dict[str, np.ndarray]
CORE = ("time", "msg", "user", "disp")


def size(frame: Frame) -> int:
    return len(frame["time"])


def take(frame: Frame, index: np.ndarray) -> Frame:
    return {name: column[index] for name, column in frame.items()}


def follow(parent: Frame, index: np.ndarray, delay: np.ndarray | int, **codes: np.ndarray | int) -> Frame:
    """Events that happen `delay` seconds after the parent rows `index`, with extra code columns."""
    child = {name: parent[name][index] for name in CORE}
    child["time"] = child["time"] + delay
    n = len(child["time"])
    for name, value in codes.items():
        child[name] = np.broadcast_to(np.asarray(value, dtype=np.int32), (n,)).copy()
    return child


def concat(frames: list[Frame]) -> Frame:
    names = sorted({name for frame in frames for name in frame})
    out: Frame = {}
    for name in names:
        parts = [frame.get(name) for frame in frames]
        if any(part is None for part in parts):
            parts = [np.full(size(f), -1, dtype=np.int32) if p is None else p for f, p in zip(frames, parts)]
        out[name] = np.concatenate(parts)
    return out


class Events:
    """Frames collected per event type during one simulated hour."""

    def __init__(self) -> None:
        self._frames: defaultdict[str, list[Frame]] = defaultdict(list)

    def add(self, event_type: str, frame: Frame) -> None:
        if size(frame):
            self._frames[event_type].append(frame)

    def merged(self) -> dict[str, Frame]:
        return {event_type: concat(frames) for event_type, frames in sorted(self._frames.items())}

    def total(self) -> int:
        return sum(size(frame) for frames in self._frames.values() for frame in frames)


def uniform(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return rng.integers(low, high + 1, size=n, dtype=np.int64)


def lognormal(rng: np.random.Generator, n: int, median: float, sigma: float, cap: float) -> np.ndarray:
    """Positive delays in seconds, log-normally spread around `median`, at most `cap`."""
    return np.minimum(rng.lognormal(np.log(median), sigma, size=n), cap).astype(np.int64) + 1


def pick(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int32)
