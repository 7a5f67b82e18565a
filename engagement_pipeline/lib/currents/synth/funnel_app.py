"""App-side funnels: push and web push, in-app messages, Content Cards, banners and sessions.

Push opens start a session; some users who do not tap a push still open the app within 30
minutes of it (Braze's influenced opens), others later than that.
"""

from __future__ import annotations

import numpy as np

from engagement_pipeline.lib.currents.synth.frames import Frame, concat, follow, lognormal, pick, take, uniform
from engagement_pipeline.lib.currents.synth.sim import Sim

SESSION = "users.behaviors.app.SessionStart"
HOUR = 3600
IOS = 0


def push(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    abort = sim.chance(len(units["msg"]), 0.003)
    sim.emit("pushnotification", "Abort", follow(units, abort, 0, abort=pick(rng, int(abort.sum()), (0.5, 0.3, 0.2))))
    sends = take(units, ~abort)
    n = len(sends["msg"])
    sim.emit("pushnotification", "Send", sends)
    retry = sim.chance(n, 0.002)
    sim.emit("pushnotification", "Retry", follow(sends, retry, uniform(rng, int(retry.sum()), 1, 30), retry=1))
    web = sim.messages.arrays["is_web"][sends["msg"]]
    bounced = sim.chance(n, np.where(web, 0.06, 0.025))
    sim.emit("pushnotification", "Bounce", follow(sends, bounced, uniform(rng, int(bounced.sum()), 1, 30)))
    reached = ~bounced
    ios = ~web & (sim.users.platform[sends["user"]] == IOS)
    foreground = reached & ios & sim.chance(n, 0.015)
    sim.emit("pushnotification", "IosForeground", follow(sends, foreground, uniform(rng, int(foreground.sum()), 0, 5)))
    opened = reached & ~foreground & sim.chance(n, np.where(web, 0.03, 0.075))
    delay = lognormal(rng, n, 12 * 60, 1.5, 20 * HOUR)
    button = np.where(sim.chance(n, 0.3), pick(rng, n, (0.7, 0.3)), -1)
    sim.emit("pushnotification", "Open", follow(sends, opened, delay[opened], button=button[opened]))
    idle = reached & ~opened & ~web
    influenced = idle & sim.chance(n, 0.06)
    later = idle & ~influenced & sim.chance(n, 0.03)
    direct = opened & ~web
    sim.events.add(SESSION, concat([
        follow(sends, direct, delay[direct] + uniform(rng, int(direct.sum()), 1, 3)),
        follow(sends, influenced, uniform(rng, int(influenced.sum()), 60, 29 * 60)),
        follow(sends, later, uniform(rng, int(later.sum()), 31 * 60, 2 * HOUR)),
    ]))
    sim.convert(sends, (opened & sim.chance(n, 0.06)) | (influenced & sim.chance(n, 0.02)), 1800)


def in_app(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    n = len(units["msg"])
    sim.events.add(SESSION, follow(units, np.ones(n, dtype=bool), 0))
    abort = sim.chance(n, 0.003)
    sim.emit("inappmessage", "Abort", follow(units, abort, uniform(rng, int(abort.sum()), 1, 10), abort=pick(rng, int(abort.sum()), (0.5, 0.3, 0.2))))
    shown = follow(units, ~abort, uniform(rng, int((~abort).sum()), 2, 20))
    sim.emit("inappmessage", "Impression", shown)
    clicked = sim.chance(len(shown["msg"]), 0.14)
    k = int(clicked.sum())
    button = np.array([0, 1, -1], dtype=np.int32)[pick(rng, k, (0.45, 0.2, 0.35))]
    sim.emit("inappmessage", "Click", follow(shown, clicked, uniform(rng, k, 3, 60), button=button))
    sim.convert(shown, clicked & sim.chance(len(clicked), 0.06), 1800)


def content_card(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    abort = sim.chance(len(units["msg"]), 0.002)
    sim.emit("contentcard", "Abort", follow(units, abort, 0, abort=pick(rng, int(abort.sum()), (0.5, 0.3, 0.2))))
    sends = take(units, ~abort)
    n = len(sends["msg"])
    sim.emit("contentcard", "Send", sends)
    seen = sim.chance(n, 0.45)
    viewers = follow(sends, seen, lognormal(rng, int(seen.sum()), 3 * HOUR, 1.2, 40 * HOUR))
    k = len(viewers["msg"])
    repeats = rng.geometric(0.6, size=k)
    index = np.repeat(np.arange(k), repeats)
    first = np.zeros(len(index), dtype=bool)
    first[np.cumsum(repeats) - repeats] = True
    sim.emit("contentcard", "Impression", follow(viewers, index, np.where(first, 0, lognormal(rng, len(index), 4 * HOUR, 1.0, 24 * HOUR))))
    clicked, dismissed = sim.chance(k, 0.12), sim.chance(k, 0.1)
    sim.emit("contentcard", "Click", follow(viewers, clicked, uniform(rng, int(clicked.sum()), 2, 120)))
    sim.emit("contentcard", "Dismiss", follow(viewers, dismissed, uniform(rng, int(dismissed.sum()), 5, 600)))
    sim.convert(viewers, clicked & sim.chance(k, 0.08), 1800)


def banner(sim: Sim, units: Frame) -> None:
    sim.emit("banner", "Impression", units)


def sessions(sim: Sim, units: Frame) -> None:
    sim.events.add(SESSION, units)
