"""Avro binary encoding for the generator's hot path, and the Avro container writer.

fastavro's record writer runs at ~45k records/s on Currents schemas (every optional field
is a union it resolves per value), far below the generator's target. Records are instead
assembled from pre-encoded pieces: each value a field can take (a user's email address, a
message's campaign fields) is encoded once, and a record is the join of its pieces. The
container header is written by fastavro itself, so the files are standard Avro.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import fastavro
import numpy as np

from engagement_pipeline.sample_data.schemas import Field

NULL = b"\x00"
_SOME = b"\x02"
BLOCK_RECORDS = 4096


def varint(value: int) -> bytes:
    zigzag = (value << 1) ^ (value >> 63)
    out = bytearray()
    while zigzag > 0x7F:
        out.append((zigzag & 0x7F) | 0x80)
        zigzag >>= 7
    out.append(zigzag)
    return bytes(out)


def _plain(value: object, avro_type: str | dict) -> bytes:
    if isinstance(avro_type, dict):
        items = avro_type["items"]
        if not value:
            return NULL
        nullable = isinstance(items, list)
        body = b"".join(encode_value(item, items[1] if nullable else items, nullable) for item in value)
        return varint(len(value)) + body + NULL
    if avro_type == "string":
        data = str(value).encode()
        return varint(len(data)) + data
    if avro_type in ("int", "long"):
        return varint(int(value))
    if avro_type == "boolean":
        return b"\x01" if value else NULL
    raise ValueError(f"unsupported Avro type {avro_type!r}")


def encode_value(value: object, avro_type: str | dict, optional: bool) -> bytes | None:
    """Avro bytes of one value; None when a required field has no value."""
    if value is None:
        return NULL if optional else None
    return (_SOME if optional else b"") + _plain(value, avro_type)


def encode_vocab(values: Sequence[object], field: Field) -> np.ndarray:
    """Object array of the encoded values plus a trailing null entry, so code -1 means null."""
    if field.avro_type == "string":
        entries = _encode_strings(values, field.optional)
    else:
        entries = [encode_value(value, field.avro_type, field.optional) for value in values]
    entries.append(NULL if field.optional else None)
    array = np.empty(len(entries), dtype=object)
    array[:] = entries
    return array


def _encode_strings(values: Sequence[object], optional: bool) -> list[bytes | None]:
    """Fast path of encode_value for many strings, most shorter than 64 bytes (one-byte length)."""
    head = [(_SOME if optional else b"") + varint(n) for n in range(64)]
    out: list[bytes | None] = []
    for value in values:
        if value is None:
            out.append(NULL if optional else None)
            continue
        data = str(value).encode()
        out.append(head[len(data)] + data if len(data) < 64 else encode_value(value, "string", optional))
    return out


def prefixed(chars: np.ndarray, optional: bool) -> np.ndarray:
    """(n, k + width) bytes: each row of `chars` encoded as an Avro string (in a union when optional)."""
    head = np.frombuffer((_SOME if optional else b"") + varint(chars.shape[1]), dtype=np.uint8)
    return np.concatenate([np.broadcast_to(head, (len(chars), len(head))), chars], axis=1)


def int_pieces(values: np.ndarray, optional: bool) -> np.ndarray | list[bytes]:
    """Zigzag varints of an int64 array (Avro int and long share this encoding).

    A byte matrix when every value takes the same number of bytes (event times do), else a list.
    """
    zigzag = ((values.astype(np.int64) << 1) ^ (values.astype(np.int64) >> 63)).astype(np.uint64)
    if len(values) and zigzag.min() >= 1 << 28 and zigzag.max() < 1 << 35:
        return _five_byte_varints(zigzag, optional)
    width = 10
    groups = (zigzag[:, None] >> (np.arange(width, dtype=np.uint64) * np.uint64(7))[None, :]) & np.uint64(0x7F)
    lengths = np.maximum(1, width - np.argmax(groups[:, ::-1] != 0, axis=1))
    body = groups.astype(np.uint8)
    body[np.arange(width)[None, :] < (lengths - 1)[:, None]] |= 0x80
    if optional:
        body = np.concatenate([np.full((len(body), 1), 2, dtype=np.uint8), body], axis=1)
        lengths = lengths + 1
    if len(values) and (lengths == lengths[0]).all():
        return body[:, : lengths[0]]
    out: list[bytes] = [b""] * len(values)
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        chunk = np.ascontiguousarray(body[rows, :length]).view(f"V{length}").ravel().tolist()
        for row, data in zip(rows.tolist(), chunk):
            out[row] = data
    return out


def _five_byte_varints(zigzag: np.ndarray, optional: bool) -> np.ndarray:
    """Varints of values in [2**28, 2**35): every UNIX time from 1978 to 2514 takes exactly five bytes."""
    out = np.empty((len(zigzag), 6 if optional else 5), dtype=np.uint8)
    first = 1 if optional else 0
    if optional:
        out[:, 0] = 2
    for k in range(4):
        out[:, first + k] = ((zigzag >> np.uint64(7 * k)) & np.uint64(0x7F)) | np.uint64(0x80)
    out[:, first + 4] = zigzag >> np.uint64(28)
    return out


def container_header(schema: dict) -> bytes:
    """The Avro container header of an uncompressed file, without its trailing 16-byte sync marker."""
    header = io.BytesIO()
    fastavro.writer(header, fastavro.parse_schema(schema), [], codec="null", sync_marker=bytes(16))
    return header.getvalue()[:-16]


class Blocks(Protocol):
    def block(self, start: int, stop: int) -> bytes: ...


def write_container(path: Path, header: bytes, records: Blocks, start: int, stop: int, sync_marker: bytes) -> None:
    """Write records [start, stop) as an uncompressed Avro container file, atomically (via a .tmp file)."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(header + sync_marker)
        for first in range(start, stop, BLOCK_RECORDS):
            last = min(first + BLOCK_RECORDS, stop)
            data = records.block(first, last)
            handle.writelines((varint(last - first) + varint(len(data)), data, sync_marker))
    tmp.replace(path)
