"""Write simulated events as Currents Avro files, in the folder of the hour each file is written.

Most events land in the folder of their own hour (partition 0). About 1% arrive late, in a
file of another partition written 2 to 30 hours later; about 0.3% are delivered twice, the
second copy (same id, same bytes) in a re-delivery file up to two hours later.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from engagement_pipeline.sample_data.schemas import avro_schema
from engagement_pipeline.sample_data.synth.avro_encode import container_header, write_container
from engagement_pipeline.sample_data.synth.encoder import RecordEncoder
from engagement_pipeline.sample_data.synth.frames import Frame, concat, take, uniform
from engagement_pipeline.sample_data.synth.tables import Tables

CLUSTER = "prod-03"
PARTITIONS = {"ontime": 0, "late": 1, "redelivery": 2}
P_LATE, P_DUPLICATE = 0.01, 0.003
MAX_RECORDS = 250_000


class LandingZone:
    def __init__(self, root: Path, integration_id: str, tables: Tables, seed: int) -> None:
        self.prefix = f"dataexport.{CLUSTER}.S3.integration.{integration_id}"
        self.base = root / "currents" / self.prefix
        self.tables = tables
        self.seed = seed
        self.pending: defaultdict[int, defaultdict[str, list[Frame]]] = defaultdict(lambda: defaultdict(list))
        self.offsets: dict[tuple[str, int], int] = {}
        self.encoders: dict[str, tuple[RecordEncoder, bytes]] = {}
        root.mkdir(parents=True, exist_ok=True)
        self.directories: set[Path] = {root, *root.parents}
        self.files = self.events = self.duplicates = self.late_files = 0

    def route(self, rng: np.random.Generator, event_type: str, frame: Frame) -> None:
        """Assign each event (and any duplicate) the partition and hour of the file it is written to."""
        n = len(frame["time"])
        if n == 0:
            return
        late = rng.random(n) < P_LATE
        hours = np.where(late, frame["time"] + uniform(rng, n, 2 * 3600, 30 * 3600), frame["time"]) // 3600
        duplicate = rng.random(n) < P_DUPLICATE
        copies = take(frame, duplicate)
        copies["part"] = np.full(len(copies["time"]), PARTITIONS["redelivery"], dtype=np.int32)
        frame = {**frame, "part": late.astype(np.int32)}
        copy_hours = hours[duplicate] + rng.integers(0, 3, len(copies["time"]))
        self._stash(event_type, concat([frame, copies]), np.concatenate([hours, copy_hours]))
        self.events += n
        self.duplicates += len(copies["time"])

    def _stash(self, event_type: str, frame: Frame, hours: np.ndarray) -> None:
        order = np.argsort(hours, kind="stable")
        hours = hours[order]
        cuts = np.flatnonzero(np.diff(hours)) + 1
        for first, last in zip([0, *cuts.tolist()], [*cuts.tolist(), len(hours)]):
            self.pending[int(hours[first])][event_type].append(take(frame, order[first:last]))

    def flush(self, hour: int) -> None:
        """Write every file of folder `hour` (hours since the epoch)."""
        for event_type, frames in sorted(self.pending.pop(hour, {}).items()):
            frame = concat(frames)
            frame = take(frame, np.lexsort((frame["time"], frame["part"])))
            self._write(event_type, hour, frame)

    def flush_all(self, before: int | None = None) -> None:
        """Write the pending folders; with ``before``, only folders of earlier hours (later ones have not arrived yet)."""
        for hour in sorted(self.pending):
            if before is None or hour < before:
                self.flush(hour)

    def _encoder(self, event_type: str) -> tuple[RecordEncoder, bytes]:
        if event_type not in self.encoders:
            header = container_header(avro_schema(event_type))
            self.encoders[event_type] = (RecordEncoder(event_type, self.tables), header)
        return self.encoders[event_type]

    def _directory(self, event_type: str, hour: int) -> Path:
        folder = datetime.fromtimestamp(hour * 3600, tz=timezone.utc).strftime("%Y-%m-%d-%H")
        directory = self.base / f"event_type={event_type}" / f"date={folder}" / "version=10" / "prod"
        missing = [d for d in (directory, *directory.parents) if d not in self.directories][::-1]
        for path in missing:
            path.mkdir(exist_ok=True)
            self.directories.add(path)
        return directory

    def _write(self, event_type: str, hour: int, frame: Frame) -> None:
        encoder, header = self._encoder(event_type)
        records = encoder.encode(frame)
        directory = self._directory(event_type, hour)
        parts = frame["part"]
        for partition in np.unique(parts).tolist():
            first, last = np.searchsorted(parts, [partition, partition + 1])
            for start in range(int(first), int(last), MAX_RECORDS):
                stop = min(start + MAX_RECORDS, int(last))
                offset = self.offsets.get((event_type, partition), self._first_offset(event_type, partition))
                name = f"{self.prefix}+{partition}+{offset}.avro"
                sync = hashlib.blake2b(f"{self.seed}/{event_type}/{name}".encode(), digest_size=16).digest()
                write_container(directory / name, header, records, start, stop, sync)
                self.offsets[(event_type, partition)] = offset + stop - start
                self.files += 1
                self.late_files += partition == PARTITIONS["late"]

    def _first_offset(self, event_type: str, partition: int) -> int:
        digest = hashlib.blake2b(f"{self.seed}/{event_type}/{partition}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % 10**7
