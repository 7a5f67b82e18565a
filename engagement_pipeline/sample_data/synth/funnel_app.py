"""App-side funnels: push and web push, in-app messages, Content Cards, banners and sessions.

Push opens start a session; some users who do not tap a push still open the app within 30
minutes of it (Braze's influenced opens), others later than that.
"""

from __future__ import annotations

import numpy as np

from engagement_pipeline.sample_data.synth.frames import Frame, concat, follow, lognormal, pick
from engagement_pipeline.sample_data.synth.sim import Sim

SESSION = "users.behaviors.app.SessionStart"
HOUR = 3600
IOS = 0


def push(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = sim.send("pushnotification", units, 0.003, 0.002)
    n = len(sends["msg"])
    web = sim.messages.arrays["is_web"][sends["msg"]]
    bounced = sim.chance(n, np.where(web, 0.06, 0.025))
    sim.emit("pushnotification", "Bounce", sim.later(sends, bounced, 1, 30))
    reached = ~bounced
    foreground = reached & ~web & (sim.users.platform[sends["user"]] == IOS) & sim.chance(n, 0.015)
    sim.emit("pushnotification", "IosForeground", sim.later(sends, foreground, 0, 5))
    opened = reached & ~foreground & sim.chance(n, np.where(web, 0.03, 0.075))
    delay = lognormal(rng, n, 12 * 60, 1.5, 20 * HOUR)
    button = np.where(sim.chance(n, 0.3), pick(rng, n, (0.7, 0.3)), -1)
    sim.emit("pushnotification", "Open", follow(sends, opened, delay[opened], button=button[opened]))
    idle = reached & ~opened & ~web
    influenced = idle & sim.chance(n, 0.06)
    later = idle & ~influenced & sim.chance(n, 0.03)
    direct = opened & ~web
    sim.events.add(
        SESSION,
        concat(
            [
                sim.later({**sends, "time": sends["time"] + delay}, direct, 1, 3),
                sim.later(sends, influenced, 60, 29 * 60),
                sim.later(sends, later, 31 * 60, 2 * HOUR),
            ]
        ),
    )
    sim.convert(sends, (opened & sim.chance(n, 0.06)) | (influenced & sim.chance(n, 0.02)), 1800)


def in_app(sim: Sim, units: Frame) -> None:
    n = len(units["msg"])
    sim.events.add(SESSION, units)
    abort = sim.chance(n, 0.003)
    sim.emit("inappmessage", "Abort", sim.later(units, abort, 1, 10, abort=sim.draw(abort, (0.5, 0.3, 0.2))))
    shown = sim.later(units, ~abort, 2, 20)
    sim.emit("inappmessage", "Impression", shown)
    clicked = sim.chance(len(shown["msg"]), 0.14)
    button = np.array([0, 1, -1], dtype=np.int32)[sim.draw(clicked, (0.45, 0.2, 0.35))]
    sim.emit("inappmessage", "Click", sim.later(shown, clicked, 3, 60, button=button))
    sim.convert(shown, clicked & sim.chance(len(clicked), 0.06), 1800)


def content_card(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = sim.send("contentcard", units, 0.002, 0.0)
    viewers = sim.eventually(sends, sim.chance(len(sends["msg"]), 0.45), 3 * HOUR, 1.2, 40 * HOUR)
    k = len(viewers["msg"])
    repeats = rng.geometric(0.6, size=k)
    index = np.repeat(np.arange(k), repeats)
    first = np.zeros(len(index), dtype=bool)
    first[np.cumsum(repeats) - repeats] = True
    again = np.where(first, 0, lognormal(rng, len(index), 4 * HOUR, 1.0, 24 * HOUR))
    sim.emit("contentcard", "Impression", follow(viewers, index, again))
    clicked, dismissed = sim.chance(k, 0.12), sim.chance(k, 0.1)
    sim.emit("contentcard", "Click", sim.later(viewers, clicked, 2, 120))
    sim.emit("contentcard", "Dismiss", sim.later(viewers, dismissed, 5, 600))
    sim.convert(viewers, clicked & sim.chance(k, 0.08), 1800)


def banner(sim: Sim, units: Frame) -> None:
    sim.emit("banner", "Impression", units)


def sessions(sim: Sim, units: Frame) -> None:
    sim.events.add(SESSION, units)
