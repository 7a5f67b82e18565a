"""Deterministic, vectorised ids: 64-bit mixing, hex strings, UUIDs and Braze-style object ids.

Every id is derived from an integer key (an event's sequence number, a user index, a
dispatch), so the same seed always yields the same ids and distinct keys never collide:
the mixer is a bijection and its full 64 bits land in every id.
"""

from __future__ import annotations

import numpy as np

_HEX_PAIRS = np.frombuffer("".join(f"{b:02x}" for b in range(256)).encode(), dtype=np.uint16)
_VARIANT = np.frombuffer(b"89ab", dtype=np.uint8)


def _uuid_layout() -> np.ndarray:
    """Source column of each of the 36 UUID characters in [hex(first) | hex(second) | '-' | '4' | variant]."""
    free = iter([*range(16), *range(16, 30)])
    layout = []
    for position in range(36):
        if position in (8, 13, 18, 23):
            layout.append(32)
        elif position == 14:
            layout.append(33)
        elif position == 19:
            layout.append(34)
        else:
            layout.append(next(free))
    return np.array(layout)


_UUID_LAYOUT = _uuid_layout()


def mix64(keys: np.ndarray, salt: int = 0) -> np.ndarray:
    """SplitMix64 step on `keys ^ salt`: a bijection on 64-bit integers."""
    x = (np.asarray(keys).astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hex_words(words: np.ndarray) -> np.ndarray:
    """(n, 16) ASCII hex digits of 64-bit words, most significant first."""
    data = np.asarray(words, dtype=np.uint64).astype(">u8").view(np.uint8)
    return _HEX_PAIRS[data].view(np.uint8).reshape(-1, 16)


def uuid_chars(keys: np.ndarray, salt: int) -> np.ndarray:
    """(n, 36) ASCII bytes of version-4 UUIDs, one per key; all 64 bits of mix64(key) are kept."""
    first = mix64(keys, salt)
    second = mix64(first, 0x5DEECE66D)
    n = len(first)
    marks = np.empty((n, 3), dtype=np.uint8)
    marks[:, 0], marks[:, 1] = ord("-"), ord("4")
    marks[:, 2] = _VARIANT[(second & np.uint64(3)).astype(np.intp)]
    source = np.concatenate([hex_words(first), hex_words(second), marks], axis=1)
    return np.take(source, _UUID_LAYOUT, axis=1)


def object_id_chars(keys: np.ndarray, seconds: np.ndarray, salt: int) -> np.ndarray:
    """(n, 24) ASCII bytes shaped like Braze ids (Mongo ObjectIds): 8 hex of a UNIX time, 16 of the key."""
    head = hex_words(np.asarray(seconds).astype(np.uint64))[:, 8:]
    return np.concatenate([head, hex_words(mix64(keys, salt))], axis=1)


def digit_chars(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII decimal digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def python_uuid(rng: np.random.Generator) -> str:
    """One random UUID string for workspace objects (campaigns, variants, steps)."""
    return bytes(uuid_chars(rng.integers(0, 2**63, size=1, dtype=np.int64), 0)[0]).decode()
