"""The simulation context one funnel step works with, and the campaign/Canvas lifecycle events.

`enter` runs before any channel funnel: part of a campaign's audience lands in its control
group (EnrollInControl), users reaching a Canvas's first step enter the Canvas (Entry, and
sometimes later an exit event we do not ingest); the rest go on to be sent the message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagement_pipeline.sample_data.synth.frames import Events, Frame, follow, lognormal, pick, take, uniform
from engagement_pipeline.sample_data.synth.messages import MessageTable
from engagement_pipeline.sample_data.synth.users import UserPool

P_CONTROL_CONVERSION = 0.02
P_CANVAS_EXIT = 0.02
ABORT_WEIGHTS = (0.5, 0.3, 0.2)
RETRY_WEIGHTS = (0.7, 0.3)


def count(index: np.ndarray) -> int:
    return int(np.count_nonzero(index)) if index.dtype == bool else len(index)


@dataclass
class Sim:
    rng: np.random.Generator
    users: UserPool
    messages: MessageTable
    events: Events

    def emit(self, family: str, action: str, frame: Frame) -> None:
        self.events.add(f"users.messages.{family}.{action}", frame)

    def chance(self, n: int, p: float | np.ndarray) -> np.ndarray:
        return self.rng.random(n) < p

    def draw(self, index: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
        """One code per selected row, drawn with `weights`."""
        return pick(self.rng, count(index), weights)

    def later(self, parent: Frame, index: np.ndarray, low: int, high: int, **codes: np.ndarray | int) -> Frame:
        """Events of the parent rows `index`, between `low` and `high` seconds after them."""
        return follow(parent, index, uniform(self.rng, count(index), low, high), **codes)

    def eventually(self, parent: Frame, index: np.ndarray, median: float, sigma: float, cap: float) -> Frame:
        """Events of the parent rows `index`, a log-normal delay after them."""
        return follow(parent, index, lognormal(self.rng, count(index), median, sigma, cap))

    def convert(self, parent: Frame, index: np.ndarray, median_delay: float) -> None:
        """Conversions of the parent rows `index`, as campaign or Canvas conversions by message."""
        rows = self.eventually(parent, index, median_delay, 1.0, 20 * 3600)
        rows["conv"] = (self.rng.random(count(index)) < 0.2).astype(np.int32)
        canvas = self.messages.arrays["is_canvas"][rows["msg"]]
        self.events.add("users.canvas.Conversion", take(rows, canvas))
        self.events.add("users.campaigns.Conversion", take(rows, ~canvas))

    def send(self, family: str, units: Frame, p_abort: float, p_retry: float) -> Frame:
        """Abort some units, send the others (with a few retries); returns the sends."""
        abort = self.chance(len(units["msg"]), p_abort)
        self.emit(family, "Abort", follow(units, abort, 0, abort=self.draw(abort, ABORT_WEIGHTS)))
        sends = take(units, ~abort)
        self.emit(family, "Send", sends)
        retry = self.chance(len(sends["msg"]), p_retry)
        self.emit(family, "Retry", self.later(sends, retry, 1, 60, retry=self.draw(retry, RETRY_WEIGHTS)))
        return sends


def enter(sim: Sim, units: Frame) -> Frame:
    """Emit control-group and Canvas-entry events; return the units that are sent the message."""
    arrays = sim.messages.arrays
    control = sim.chance(len(units["msg"]), arrays["control_share"][units["msg"]])
    enrolled = follow(units, control, 0)
    enrolled["msg"] = arrays["control_of"][enrolled["msg"]]
    sim.events.add("users.campaigns.EnrollInControl", enrolled)
    sim.convert(enrolled, sim.chance(len(enrolled["msg"]), P_CONTROL_CONVERSION), 6 * 3600)
    sent = take(units, ~control)
    first = arrays["is_first_step"][sent["msg"]]
    entries = follow(sent, first, 0, control=0)
    sim.events.add("users.canvas.Entry", entries)
    exits = sim.chance(len(entries["msg"]), P_CANVAS_EXIT)
    sim.events.add("users.canvas.exit.MatchedAudience", sim.later(entries, exits, 3600, 86_400))
    sent["time"] = sent["time"] + np.where(first, uniform(sim.rng, len(first), 1, 120), 0)
    return sent
