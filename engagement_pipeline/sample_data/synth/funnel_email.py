"""Email funnel: Abort or Send, then Delivery / Bounce / SoftBounce (Deferral, Retry on the way),
Opens (Apple Mail Privacy Protection machine opens included), Clicks, Unsubscribes, spam reports."""

from __future__ import annotations

import numpy as np

from engagement_pipeline.sample_data.synth import vocab
from engagement_pipeline.sample_data.synth.frames import Frame, concat, follow, lognormal, pick, uniform
from engagement_pipeline.sample_data.synth.sim import Sim
from engagement_pipeline.sample_data.synth.users import ICLOUD, TYPO_DOMAIN

P_ABORT, P_RETRY, P_HARD, P_SOFT, P_DEFERRAL = 0.004, 0.002, 0.012, 0.02, 0.03
# human open probability per recipient domain (users.DOMAINS order); the typo domain never delivers
P_OPEN = np.array([0.24, 0.17, 0.2, 0.2, 0.22, 0.25, 0.19, 0.0])
P_MACHINE_ICLOUD, P_MACHINE_OTHER = 0.45, 0.01
P_CLICK, P_BOT, P_UNSUBSCRIBE, P_SPAM = 0.16, 0.05, 0.012, 0.0008
P_CONVERT_CLICK, P_CONVERT_OPEN = 0.1, 0.01
HOUR = 3600


def email(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = sim.send("email", units, P_ABORT, P_RETRY)
    n = len(sends["msg"])
    domain = sim.users.domain[sends["user"]]
    draw = rng.random(n)
    hard = (domain == TYPO_DOMAIN) | (draw < P_HARD)
    soft = ~hard & (draw < P_HARD + P_SOFT)
    reason = np.where(domain == TYPO_DOMAIN, vocab.HOST_UNKNOWN, pick(rng, n, vocab.BOUNCE_WEIGHTS))
    drop = (rng.random(n) < 0.1).astype(np.int32)
    sim.emit("email", "Bounce", sim.later(sends, hard, 1, 90, bounce=reason[hard], drop=drop[hard]))
    soft_reason = len(vocab.HARD_BOUNCES) + sim.draw(soft, (0.5, 0.3, 0.2))
    sim.emit("email", "SoftBounce", sim.later(sends, soft, 5, 900, bounce=soft_reason))
    delivered = ~hard & ~soft
    deferred = delivered & sim.chance(n, P_DEFERRAL)
    sim.emit(
        "email",
        "Deferral",
        sim.later(sends, deferred, 5, 300, deferral=sim.draw(deferred, (0.5, 0.3, 0.2)), attempt=sim.draw(deferred, (0.6, 0.3, 0.1))),
    )
    delay = np.where(deferred, uniform(rng, n, 600, 3 * HOUR), lognormal(rng, n, 20, 1.0, 600))
    deliveries = follow(sends, delivered, delay[delivered])
    sim.emit("email", "Delivery", deliveries)
    _engage(sim, deliveries)


def _engage(sim: Sim, delivered: Frame) -> None:
    rng = sim.rng
    n = len(delivered["msg"])
    domain = sim.users.domain[delivered["user"]]
    machine = sim.chance(n, np.where(domain == ICLOUD, P_MACHINE_ICLOUD, P_MACHINE_OTHER))
    machine_opens = sim.later(delivered, machine, 2, 900, machine=1)
    openers = sim.eventually(delivered, sim.chance(n, P_OPEN[domain]), 0.75 * HOUR, 1.3, 40 * HOUR)
    k = len(openers["msg"])
    repeats = rng.geometric(0.6, size=k)
    index = np.repeat(np.arange(k), repeats)
    later = np.ones(len(index), dtype=bool)
    later[np.cumsum(repeats) - repeats] = False
    extra = np.where(later, lognormal(rng, len(index), 2 * HOUR, 1.2, 24 * HOUR), 0)
    sim.emit("email", "Open", concat([machine_opens, follow(openers, index, extra, machine=0)]))
    clicked = sim.chance(k, P_CLICK)
    index = np.repeat(np.flatnonzero(clicked), rng.geometric(0.55, size=int(clicked.sum())))
    msg = openers["msg"][index]
    arrays = sim.messages.arrays
    link = arrays["link_start"][msg] + (arrays["link_count"][msg] * rng.random(len(index)) ** 2).astype(np.int32)
    bot = np.where(sim.chance(len(index), P_BOT), 1 + pick(rng, len(index), (0.6, 0.4)), 0)
    sim.emit("email", "Click", sim.later(openers, index, 5, 900, link=link, bot=bot))
    sim.emit("email", "Unsubscribe", sim.later(openers, sim.chance(k, P_UNSUBSCRIBE), 10, 600))
    sim.emit("email", "MarkAsSpam", sim.eventually(delivered, sim.chance(n, P_SPAM), HOUR, 1.0, 20 * HOUR))
    sim.convert(openers, np.where(clicked, sim.chance(k, P_CONVERT_CLICK), sim.chance(k, P_CONVERT_OPEN)), 1800)
