"""One-line progress for the command line's long steps (generation, ingestion, model runs).

On a terminal the line is rewritten in place (carriage return); elsewhere (CI logs, pipes) it is a
plain line at most every ``PLAIN_INTERVAL`` seconds plus the final one. Nothing is shown unless the
command enabled it (``enabled``): library code, tests and runs launched from the UI call ``track``
and get a tracker that prints nothing, and progress never goes through Dagster's loggers, so it
stays out of the run's event log.

In-house rather than rich or tqdm: a dozen lines cover one line with counts and elapsed time, and
the output stays plain text that tests and CI logs read as they are.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator, TextIO

TTY_INTERVAL = 0.2
PLAIN_INTERVAL = 10.0
_stream: TextIO | None = None


@contextmanager
def enabled(stream: TextIO | None = None) -> Iterator[None]:
    """Show progress lines on ``stream`` while the block runs; by default on a duplicate of stderr's
    file descriptor, so the lines reach the terminal even while Dagster captures a step's stderr into
    its compute logs (which would also make a terminal look like a file)."""
    global _stream
    own = stream is None and _stderr_copy()
    previous, _stream = _stream, stream or own or sys.stderr
    try:
        yield
    finally:
        _stream = previous
        if own:
            own.close()


def _stderr_copy() -> TextIO | None:
    try:
        return os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1, encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError):  # no real file behind stderr (a test runner's capture)
        return None


def elapsed_text(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


class Tracker:
    """Counts for one step; ``update`` shows them (throttled), ``close`` shows the final line."""

    def __init__(self, label: str, total: int | None, unit: str, stream: TextIO | None) -> None:
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.done, self.detail = 0, ""
        self.started = self._shown = time.monotonic()
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def update(self, done: int | None = None, *, detail: str | None = None, advance: int = 0) -> None:
        self.done = (self.done if done is None else done) + advance
        if detail is not None:
            self.detail = detail
        now = time.monotonic()
        if now - self._shown >= (TTY_INTERVAL if self.tty else PLAIN_INTERVAL):
            self._shown = now
            self._show(final=False)

    def close(self, detail: str | None = None) -> None:
        if detail is not None:
            self.detail = detail
        self._show(final=True)
        self.stream = None

    def line(self) -> str:
        count = f"{self.done:,}/{self.total:,}" if self.total is not None else f"{self.done:,}"
        detail = f", {self.detail}" if self.detail else ""
        return f"{self.label}: {count} {self.unit}{detail} [{elapsed_text(time.monotonic() - self.started)}]"

    def _show(self, *, final: bool) -> None:
        if self.stream is None:
            return
        text = self.line()
        if self.tty:  # back to the line's start, the text, clear what a longer line left
            self.stream.write(f"\r{text}\x1b[K{chr(10) if final else ''}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def track(label: str, total: int | None = None, unit: str = "") -> Tracker:
    """A tracker that prints while ``enabled`` is active, else a silent one."""
    return Tracker(label, total, unit, _stream)
