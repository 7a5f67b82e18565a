"""Encode frames of one event type into Avro records of its real Currents writer schema.

Fields become pieces per row. Fixed-width ones (event and session ids, times, dispatch ids,
a user's Braze id, constants) are built as numpy byte matrices, merged with their
fixed-width neighbours. The others are lookups (see `lookup.py`): a user's email address,
or the joined bytes of a message's campaign fields, its send id and neighbouring event
codes. A block of records is the join of its rows' pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagement_pipeline.sample_data.schemas import Field, fields
from engagement_pipeline.sample_data.synth import ids
from engagement_pipeline.sample_data.synth.avro_encode import NULL, encode_value, int_pieces, prefixed, varint
from engagement_pipeline.sample_data.synth.frames import Frame
from engagement_pipeline.sample_data.synth.lookup import Lookup, Part
from engagement_pipeline.sample_data.synth.sources import resolve
from engagement_pipeline.sample_data.synth.tables import Tables

ID_SALT, SESSION_SALT, DISPATCH_SALT, SEND_SALT = 0x1D, 0x5E55, 0xD15, 0x5E7D


@dataclass
class _Fixed:
    kind: str  # "row" (computed per event), "chars" (a fixed-width user or device attribute) or "const"
    key: str
    optional: bool = True
    chars: slice | None = None
    const: bytes = b""  # a constant's bytes, or the union and length bytes before a "chars" value


Run = _Fixed | Lookup


class EncodedRecords:
    """Encoded rows of a frame as columns of pieces; a block joins a row range into Avro bytes."""

    def __init__(self, columns: list[list[bytes]], count: int) -> None:
        self.columns = columns
        self.count = count

    def __len__(self) -> int:
        return self.count

    def block(self, start: int, stop: int) -> bytes:
        """Records [start, stop) as concatenated Avro record bytes."""
        width = len(self.columns)
        flat: list[bytes] = [b""] * ((stop - start) * width)
        for i, column in enumerate(self.columns):
            flat[i::width] = column[start:stop]
        return b"".join(flat)


class RecordEncoder:
    def __init__(self, event_type: str, tables: Tables) -> None:
        self.event_type = event_type
        self.tables = tables
        self.runs = _merge([self._run(spec) for spec in fields(event_type)])
        self.bases = {base for run in self.runs if isinstance(run, Lookup) for base in run.bases}

    def _run(self, spec: Field) -> Run:
        source = resolve(self.event_type, spec.name, self.tables.app_group_id)
        names = (spec.name,)
        if source.kind == "row" and spec.name == "send_id":
            return self._send_ids(spec)
        if source.kind == "row":
            return _Fixed("row", source.key, spec.optional)
        if source.kind == "const":
            data = encode_value(source.values, spec.avro_type, spec.optional)
            if data is None:
                raise ValueError(f"{self.event_type}: required field {spec.name!r} has no value in the generator")
            return _Fixed("const", "", const=data)
        chars = self.tables.chars(source)
        if chars is not None:
            head = (b"\x02" if spec.optional else b"") + varint(chars.stop - chars.start)
            return _Fixed("chars", source.kind, spec.optional, chars=chars, const=head)
        vocab, base, size = self.tables.vocab(source, spec)
        entries = vocab.entries
        return Lookup.direct(Part(names, (base,), lambda codes, n: entries[codes[base]].tolist()), entries, vocab.bad, size)

    def _send_ids(self, spec: Field) -> Lookup:
        """send_id is a function of the message and the day it was sent (a small lookup)."""
        count, first_day = self.tables.messages.count, self.tables.first_day

        def encode(codes: dict[str, np.ndarray], n: int) -> list[bytes | None]:
            day, msg = codes["send_day"] + first_day, codes["msg"] % count
            chars = ids.object_id_chars((day << 16) | msg, day * 86_400, SEND_SALT)
            return prefixed(chars, spec.optional).view(f"V{chars.shape[1] + 1 + spec.optional}").ravel().tolist()

        part = Part((spec.name,), ("msg", "send_day"), encode)
        return Lookup([part], {"msg": self.tables.sizes["msg"], "send_day": self.tables.sizes["send_day"]})

    def _codes(self, frame: Frame, bases: set[str]) -> dict[str, np.ndarray]:
        codes: dict[str, np.ndarray] = {}
        msg = frame["msg"]
        arrays = self.tables.messages.arrays
        count, sizes = self.tables.messages.count, self.tables.sizes
        for base in bases:
            if base == "msg":
                renamed = frame["time"] >= arrays["rename_at"][msg]
                codes[base] = np.where(msg < 0, 2 * count, msg + count * renamed)
            elif base == "send_day":
                codes[base] = np.clip((frame["disp"] >> 16) // 24 - self.tables.first_day, 0, sizes[base] - 1)
            elif base == "user":
                codes[base] = frame["user"]
            elif base == "device":
                codes[base] = frame["user"] + self.tables.users.size * ((msg >= 0) & arrays["is_web"][msg])
            elif base.startswith("user:") or base.startswith("device:"):
                parent = "user" if base.startswith("user:") else "device"
                codes[base] = self.tables.remaps[base][self._codes(frame, {parent})[parent]]
            else:
                column = frame.get(base.removeprefix("code:"))
                codes[base] = np.full(len(msg), sizes[base] - 1) if column is None else column % sizes[base]
        return codes

    def _fixed(self, run: _Fixed, frame: Frame, rows: dict[str, np.ndarray]) -> np.ndarray | list[bytes] | bytes:
        if run.kind == "const":
            return run.const
        if run.kind == "chars":
            if run.key not in rows:
                rows[run.key] = self.tables.fixed[run.key][self._codes(frame, {run.key})[run.key]]
            return rows[run.key][:, run.chars]
        if run.key == "time":
            return int_pieces(frame["time"], run.optional)
        if run.key in ("id", "session_id"):
            salt = ID_SALT if run.key == "id" else SESSION_SALT
            return ids.uuid_chars(frame["key"], salt, (b"\x02" if run.optional else b"") + b"\x48")
        disp = frame["disp"]
        unique, inverse = _small_unique(disp)
        chars = ids.object_id_chars(unique, (unique >> 16) * 3600, DISPATCH_SALT)
        piece = prefixed(chars, run.optional)[inverse]
        if unique[0] >= 0:
            return piece
        encoded = piece.view(f"V{piece.shape[1]}").ravel().tolist()
        for i in np.flatnonzero(disp < 0).tolist():
            encoded[i] = NULL
        return encoded

    def encode(self, frame: Frame) -> EncodedRecords:
        """The frame's rows as Avro records, in row order."""
        return EncodedRecords(self.columns(frame), len(frame["time"]))

    def columns(self, frame: Frame) -> list[list[bytes]]:
        """One list of pieces per run; a record is the join of its row's pieces."""
        n = len(frame["time"])
        codes = self._codes(frame, self.bases)
        columns: list[list[bytes]] = []
        segment: list[np.ndarray] = []
        rows: dict[str, np.ndarray] = {}
        for run in [*self.runs, None]:
            if isinstance(run, _Fixed) and run.kind == "chars":
                segment.append(np.broadcast_to(np.frombuffer(run.const, dtype=np.uint8), (n, len(run.const))))
            piece = self._fixed(run, frame, rows) if isinstance(run, _Fixed) else None
            if isinstance(piece, bytes):
                segment.append(np.broadcast_to(np.frombuffer(piece, dtype=np.uint8), (n, len(piece))))
            elif isinstance(piece, np.ndarray):
                segment.append(piece)
            else:
                if segment:
                    matrix = np.ascontiguousarray(np.concatenate(segment, axis=1))
                    columns.append(matrix.view(f"V{matrix.shape[1]}").ravel().tolist())
                    segment = []
                if piece is not None:
                    columns.append(piece)
                elif run is not None:
                    columns.append(run.pieces(codes, n, self.event_type))
        return columns


def _merge(runs: list[Run]) -> list[Run]:
    """Merge neighbouring lookups (and constants beside lookups) while their combinations stay few."""
    consts: list[Run] = []
    for run in runs:
        last = consts[-1] if consts else None
        if isinstance(run, _Fixed) and run.kind == "const" and isinstance(last, _Fixed) and last.kind == "const":
            consts[-1] = _Fixed("const", "", const=last.const + run.const)
        else:
            consts.append(run)
    runs = consts
    out: list[Run] = []
    for i, run in enumerate(runs):
        last = out[-1] if out else None
        after = runs[i + 1] if i + 1 < len(runs) else None
        beside_lookup = (isinstance(last, Lookup) and not isinstance(after, _Fixed)) or (
            isinstance(after, Lookup) and not isinstance(last, _Fixed)
        )
        if isinstance(run, _Fixed) and run.kind == "const" and beside_lookup:
            const = run.const
            run = Lookup([Part((), (), lambda codes, n, c=const: [c] * n)], {})
        if isinstance(run, Lookup) and isinstance(last, Lookup):
            merged = last.merge(run)
            if merged is not None:
                out[-1] = merged
                continue
        out.append(run)
    return out


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
