"""Encode frames of one event type into Avro records of its real Currents writer schema.

Each field becomes a piece per row: fixed-width pieces (ids, times, a user's Braze id,
constants) are built as numpy byte matrices and merged with their fixed-width neighbours;
variable ones (names, email addresses) are looked up in vocabularies encoded once. A block
of records is the join of its rows' pieces, with no per-record objects in between.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from engagement_pipeline.lib.currents.schemas import Field, fields
from engagement_pipeline.lib.currents.synth import ids
from engagement_pipeline.lib.currents.synth.avro_encode import NULL, encode_value, int_pieces, prefixed
from engagement_pipeline.lib.currents.synth.frames import Frame
from engagement_pipeline.lib.currents.synth.sources import resolve
from engagement_pipeline.lib.currents.synth.tables import Tables

SMALL_VOCAB = 4096
ID_SALT, SESSION_SALT, DISPATCH_SALT, SEND_SALT = 0x1D, 0x5E55, 0xD15, 0x5E7D
Piece = np.ndarray | list | bytes


@dataclass
class _Run:
    kind: str  # "vocab", "chars" (fixed-width attribute), "row" or "const"
    key: str
    names: tuple[str, ...]
    optional: bool = True
    entries: np.ndarray | None = None
    bad: np.ndarray | None = None
    remap: np.ndarray | None = None
    chars: np.ndarray | None = None
    const: bytes = b""


class EncodedRecords:
    """Encoded records as columns of pieces; `block` joins a row range into Avro bytes."""

    def __init__(self, columns: list[list[bytes] | bytes], count: int) -> None:
        self.columns = columns
        self.count = count

    def __len__(self) -> int:
        return self.count

    def block(self, start: int, stop: int) -> bytes:
        width = len(self.columns)
        flat: list[bytes] = [b""] * ((stop - start) * width)
        for i, column in enumerate(self.columns):
            flat[i::width] = [column] * (stop - start) if isinstance(column, bytes) else column[start:stop]
        return b"".join(flat)


class RecordEncoder:
    def __init__(self, event_type: str, tables: Tables) -> None:
        self.event_type = event_type
        self.tables = tables
        self.runs = self._merge([self._run(spec) for spec in fields(event_type)])

    def _run(self, spec: Field) -> _Run:
        source = resolve(self.event_type, spec.name, self.tables.app_group_id)
        names = (spec.name,)
        if source.kind == "row":
            return _Run("row", source.key, names, spec.optional)
        if source.kind == "const":
            data = encode_value(source.values, spec.avro_type, spec.optional)
            if data is None:
                raise ValueError(f"{self.event_type}: required field {spec.name!r} has no value in the generator")
            return _Run("const", "", names, const=data)
        chars = self.tables.chars(source, spec.optional)
        if chars is not None:
            return _Run("chars", source.kind, names, spec.optional, chars=chars)
        vocab = self.tables.vocab(source, spec)
        key = source.key if source.kind == "code" else source.kind
        return _Run("vocab", key, names, entries=vocab.entries, bad=vocab.bad, remap=vocab.remap)

    @staticmethod
    def _merge(runs: list[_Run]) -> list[_Run]:
        """Join neighbouring vocabulary runs that share their codes; fold constants into a small
        vocabulary beside them unless a fixed-width neighbour will absorb the constant anyway."""
        return _join_runs(_fold_constants(_join_runs(runs)))

    def _codes(self, key: str, frame: Frame) -> np.ndarray:
        if key == "user":
            return frame["user"]
        msg = frame["msg"]
        arrays = self.tables.messages.arrays
        if key == "device":
            return frame["user"] + self.tables.users.size * ((msg >= 0) & arrays["is_web"][msg])
        if key == "msg":
            renamed = frame["time"] >= arrays["rename_at"][msg]
            return np.where(msg < 0, -1, msg + self.tables.messages.count * renamed)
        column = frame.get(key)
        return np.full(len(msg), -1) if column is None else column

    def _row(self, run: _Run, frame: Frame) -> Piece:
        if run.key == "time":
            return int_pieces(frame["time"], run.optional)
        if run.key in ("id", "session_id"):
            return prefixed(ids.uuid_chars(frame["key"], ID_SALT if run.key == "id" else SESSION_SALT), run.optional)
        disp = frame["disp"]
        salt, period = (DISPATCH_SALT, 3600) if run.key == "dispatch_id" else (SEND_SALT, 86_400)
        if run.key == "send_id":
            disp = ((disp >> 16) // 24 << 16) | (disp & 0xFFFF)
        unique, inverse = _small_unique(disp)
        chars = ids.object_id_chars(unique, (unique >> 16) * period, salt)
        piece = prefixed(chars, run.optional)[inverse]
        if unique[0] >= 0:
            return piece
        rows = piece.view(f"V{piece.shape[1]}").ravel().tolist()
        for i in np.flatnonzero(disp < 0).tolist():
            rows[i] = NULL
        return rows

    def _piece(self, run: _Run, frame: Frame, codes: dict[str, np.ndarray]) -> Piece:
        if run.kind == "const":
            return run.const
        if run.kind == "row":
            return self._row(run, frame)
        if run.key not in codes:
            codes[run.key] = self._codes(run.key, frame)
        codes = codes[run.key]
        if run.kind == "chars":
            return run.chars[codes]
        if run.remap is not None:
            codes = run.remap[codes]
        if run.bad is not None and run.bad[codes].any():
            raise ValueError(f"{self.event_type}: required field(s) {', '.join(run.names)} left empty")
        return run.entries[codes].tolist()

    def encode(self, frame: Frame) -> EncodedRecords:
        """The frame's rows as Avro records, in row order."""
        n = len(frame["time"])
        columns: list[list[bytes] | bytes] = []
        segment: list[np.ndarray] = []
        codes: dict[str, np.ndarray] = {}
        for piece in [self._piece(run, frame, codes) for run in self.runs] + [[]]:
            if isinstance(piece, bytes):
                segment.append(np.broadcast_to(np.frombuffer(piece, dtype=np.uint8), (n, len(piece))))
                continue
            if isinstance(piece, np.ndarray):
                segment.append(piece)
                continue
            if segment:
                matrix = np.ascontiguousarray(np.concatenate(segment, axis=1))
                columns.append(matrix.view(f"V{matrix.shape[1]}").ravel().tolist())
                segment = []
            if len(piece):
                columns.append(piece)
        return EncodedRecords(columns, n)


def _small_unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True) in linear time for (hour << 16 | message) keys."""
    hours, low = keys >> 16, keys & 0xFFFF
    first = int(hours.min())
    width = int(low.max()) + 1
    slot = (hours - first) * width + low
    present = np.flatnonzero(np.bincount(slot))
    lookup = np.empty(present[-1] + 1, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    unique = ((present // width + first) << 16) | (present % width)
    return unique, lookup[slot]


def _small(run: _Run | None) -> bool:
    return run is not None and run.kind == "vocab" and len(run.entries) <= SMALL_VOCAB


def _joinable(left: _Run | None, right: _Run) -> bool:
    return _small(left) and _small(right) and left.key == right.key and left.remap is right.remap


def _join_runs(runs: list[_Run]) -> list[_Run]:
    out: list[_Run] = []
    for run in runs:
        last = out[-1] if out else None
        if last is not None and last.kind == run.kind == "const":
            out[-1] = replace(last, names=last.names + run.names, const=last.const + run.const)
        elif _joinable(last, run):
            out[-1] = replace(last, names=last.names + run.names, entries=_join(last.entries, run.entries),
                              bad=_either(last.bad, run.bad))
        else:
            out.append(run)
    return out


def _fold_constants(runs: list[_Run]) -> list[_Run]:
    out: list[_Run] = []
    for i, run in enumerate(runs):
        before = out[-1] if out else None
        after = runs[i + 1] if i + 1 < len(runs) else None
        if run.kind == "const" and _small(before) and not _fixed(after):
            out[-1] = replace(before, names=before.names + run.names, entries=_join(before.entries, run.const))
        elif before is not None and before.kind == "const" and _small(run) and not _fixed(out[-2] if len(out) > 1 else None):
            out[-1] = replace(run, names=before.names + run.names, entries=_join(before.const, run.entries))
        else:
            out.append(run)
    return out


def _fixed(run: _Run | None) -> bool:
    return run is not None and run.kind in ("row", "chars", "const")


def _join(left: np.ndarray | bytes, right: np.ndarray | bytes) -> np.ndarray:
    """Entry-wise concatenation of encoded vocabularies (or a constant); None stays None."""
    a = left.tolist() if isinstance(left, np.ndarray) else itertools.repeat(left)
    b = right.tolist() if isinstance(right, np.ndarray) else itertools.repeat(right)
    size = len(left) if isinstance(left, np.ndarray) else len(right)
    out = np.empty(size, dtype=object)
    out[:] = [None if x is None or y is None else x + y for x, y in zip(a, b)]
    return out


def _either(left: np.ndarray | None, right: np.ndarray | None) -> np.ndarray | None:
    if left is None:
        return right
    return left if right is None else left | right
