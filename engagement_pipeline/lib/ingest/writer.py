"""Write ingestion's flushes on a thread of their own while the next batch is decoded.

Decoding (polars, on a pool of threads) and writing (DuckDB or PostgreSQL, which release the GIL)
used to take turns: the warehouse waited while a batch was decoded, and decoding waited while a
batch was written. Here the caller keeps decoding while the previous batch is written. At most one
flush is in flight, so at most two batches are in memory, and flushes run one at a time in the
order they were submitted: each is still its own transaction, and a flush begins only after the
previous one has committed (its de-duplication sees every event committed before it). A flush that
fails stops the ingestion with its error (at the next `check` or `submit`, or when the block ends)
and no later flush starts.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable


class BackgroundWriter:
    """`submit(batch)` waits for the previous write, runs `prepare(batch)` on the caller's thread, then
    `write` of its result on the writer thread; `after()` runs on the caller's thread after each write
    has succeeded (a progress line).

    A batch is prepared (mapped) only once the previous one is written: what is in memory while a
    batch is written is that batch and the files decoded since, as when decoding and writing took turns
    (a batch prepared early as well cost ~300 MiB more at 10M events a day, beyond the 2 GB budget)."""

    def __init__(self, prepare: Callable[[Any], Any], write: Callable[[Any], None], after: Callable[[], None] = lambda: None) -> None:
        self._prepare, self._write, self._after = prepare, write, after
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._running: Future | None = None

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, error_type, *_) -> None:
        try:
            if error_type is None:
                self._wait()
        finally:
            self._pool.shutdown(wait=True)  # never leave a write running behind the caller's error

    def check(self) -> None:
        """Raise the error of a write that has already failed."""
        if self._running is not None and self._running.done():
            self._wait()

    def submit(self, batch: Any) -> None:
        """Wait for the previous write (raising its error), prepare `batch`, then start writing it."""
        self._wait()
        self._running = self._pool.submit(self._write, self._prepare(batch))

    def _wait(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            running.result()
            self._after()
