"""Deterministic, vectorised ids: 64-bit mixing, hex strings, UUIDs and Braze-style object ids.

Every id is derived from an integer key (an event's sequence number, a user index, a
dispatch), so the same seed always yields the same ids and distinct keys never collide:
the mixer is a bijection and its full 64 bits land in every id.
"""

from __future__ import annotations

import numpy as np

_HEX_QUADS = np.frombuffer("".join(f"{v:04x}" for v in range(1 << 16)).encode(), dtype=np.uint32)
_VARIANT = np.frombuffer(b"89ab", dtype=np.uint8)


_GAMMA, _M1, _M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(keys: np.ndarray, salt: int = 0) -> np.ndarray:
    """SplitMix64 step on `keys ^ salt`: a bijection on 64-bit integers."""
    x = (np.asarray(keys).astype(np.uint64) ^ np.uint64(salt & 0xFFFFFFFFFFFFFFFF)) + _GAMMA
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def hex_words(words: np.ndarray) -> np.ndarray:
    """(n, 16) ASCII hex digits of 64-bit words, most significant first."""
    quads = np.asarray(words, dtype=np.uint64).astype(">u8").view(">u2").astype(np.intp)
    return _HEX_QUADS[quads].view(np.uint8).reshape(-1, 16)


def uuid_chars(keys: np.ndarray, salt: int, head: bytes = b"") -> np.ndarray:
    """(n, len(head) + 36) ASCII bytes: `head`, then a version-4 UUID per key."""
    first = mix64(keys, salt)
    second = mix64(first, 0x5DEECE66D)
    a, b = hex_words(first), hex_words(second)
    k = len(head)
    out = np.empty((len(a), k + 36), dtype=np.uint8)
    if k:
        out[:, :k] = np.frombuffer(head, dtype=np.uint8)
    out[:, k : k + 8] = a[:, 0:8]
    out[:, k + 9 : k + 13] = a[:, 8:12]
    out[:, k + 15 : k + 18] = a[:, 12:15]
    out[:, k + 20] = a[:, 15]
    out[:, k + 21 : k + 23] = b[:, 0:2]
    out[:, k + 24 : k + 36] = b[:, 2:14]
    for dash in (8, 13, 18, 23):
        out[:, k + dash] = ord("-")
    out[:, k + 14] = ord("4")
    out[:, k + 19] = _VARIANT[(second & np.uint64(3)).astype(np.intp)]
    return out


def object_id_chars(keys: np.ndarray, seconds: np.ndarray, salt: int) -> np.ndarray:
    """(n, 24) ASCII bytes shaped like Braze ids (Mongo ObjectIds): 8 hex of a UNIX time, 16 of the key."""
    time_digits = hex_words(np.asarray(seconds).astype(np.uint64))[:, 8:]
    return np.concatenate([time_digits, hex_words(mix64(keys, salt))], axis=1)


def digit_chars(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII decimal digits of non-negative integers, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + ord("0")).astype(np.uint8)


def python_uuid(rng: np.random.Generator) -> str:
    """One random UUID string for workspace objects (campaigns, variants, steps)."""
    return bytes(uuid_chars(rng.integers(0, 2**63, size=1, dtype=np.int64), 0)[0]).decode()
