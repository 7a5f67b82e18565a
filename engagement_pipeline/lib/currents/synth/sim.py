"""The simulation context one funnel step works with, and the campaign/Canvas lifecycle events.

`enter` runs before any channel funnel: part of a campaign's audience lands in its control
group (EnrollInControl), users reaching a Canvas's first step enter the Canvas (Entry, and
sometimes later an exit event we do not ingest); the rest go on to be sent the message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engagement_pipeline.lib.currents.synth.frames import Events, Frame, follow, lognormal, take, uniform
from engagement_pipeline.lib.currents.synth.messages import MessageTable
from engagement_pipeline.lib.currents.synth.users import UserPool

P_CONTROL_CONVERSION = 0.02
P_CANVAS_EXIT = 0.02


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

    def convert(self, parent: Frame, index: np.ndarray, median_delay: float) -> None:
        """Conversions of the parent rows `index`, as campaign or Canvas conversions by message."""
        n = int(np.count_nonzero(index)) if index.dtype == bool else len(index)
        rows = follow(parent, index, lognormal(self.rng, n, median_delay, 1.0, 20 * 3600),
                      conv=(self.rng.random(n) < 0.2).astype(np.int32))
        canvas = self.messages.arrays["is_canvas"][rows["msg"]]
        self.events.add("users.canvas.Conversion", take(rows, canvas))
        self.events.add("users.campaigns.Conversion", take(rows, ~canvas))


def enter(sim: Sim, units: Frame) -> Frame:
    """Emit control-group and Canvas-entry events; return the units that are sent the message."""
    arrays = sim.messages.arrays
    n = len(units["msg"])
    control = sim.chance(n, arrays["control_share"][units["msg"]])
    enrolled = follow(units, control, 0)
    enrolled["msg"] = arrays["control_of"][enrolled["msg"]]
    sim.events.add("users.campaigns.EnrollInControl", enrolled)
    sim.convert(enrolled, sim.chance(len(enrolled["msg"]), P_CONTROL_CONVERSION), 6 * 3600)
    sent = take(units, ~control)
    first = arrays["is_first_step"][sent["msg"]]
    entries = follow(sent, first, 0, control=0)
    sim.events.add("users.canvas.Entry", entries)
    exits = sim.chance(len(entries["msg"]), P_CANVAS_EXIT)
    sim.events.add("users.canvas.exit.MatchedAudience", follow(entries, exits, uniform(sim.rng, int(exits.sum()), 3600, 86_400)))
    sent["time"] = sent["time"] + np.where(first, uniform(sim.rng, len(first), 1, 120), 0)
    return sent
