"""Server-side funnels: webhooks, SMS and WhatsApp."""

from __future__ import annotations

import numpy as np

from engagement_pipeline.lib.currents.synth import vocab
from engagement_pipeline.lib.currents.synth.frames import Frame, follow, lognormal, pick, take, uniform
from engagement_pipeline.lib.currents.synth.sim import Sim

HOUR = 3600
ABORT_WEIGHTS = (0.5, 0.3, 0.2)


def _send(sim: Sim, family: str, units: Frame, p_abort: float) -> Frame:
    rng = sim.rng
    abort = sim.chance(len(units["msg"]), p_abort)
    sim.emit(family, "Abort", follow(units, abort, 0, abort=pick(rng, int(abort.sum()), ABORT_WEIGHTS)))
    sends = take(units, ~abort)
    sim.emit(family, "Send", sends)
    retry = sim.chance(len(sends["msg"]), 0.002)
    sim.emit(family, "Retry", follow(sends, retry, uniform(rng, int(retry.sum()), 1, 60), retry=pick(rng, int(retry.sum()), (0.7, 0.3))))
    return sends


def _link(sim: Sim, frame: Frame) -> np.ndarray:
    return sim.messages.arrays["link_start"][frame["msg"]]


def webhook(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = _send(sim, "webhook", units, 0.002)
    failed = sim.chance(len(sends["msg"]), 0.04)
    k = int(failed.sum())
    failures = follow(sends, failed, uniform(rng, k, 0, 5), http=pick(rng, k, vocab.HTTP_WEIGHTS))
    sim.emit("webhook", "Failure", failures)
    retried = failures["http"] <= 1
    sim.emit("webhook", "Retry", follow(failures, retried, uniform(rng, int(retried.sum()), 30, 300), retry=0))


def sms(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = _send(sim, "sms", units, 0.003)
    n = len(sends["msg"])
    rejected = sim.chance(n, 0.015)
    k = int(rejected.sum())
    sim.emit("sms", "Rejection", follow(sends, rejected, uniform(rng, k, 1, 5), error=pick(rng, k, (0.5, 0.3, 0.2))))
    carried = follow(sends, ~rejected, uniform(rng, n - k, 1, 10))
    sim.emit("sms", "CarrierSend", carried)
    m = len(carried["msg"])
    failed = sim.chance(m, 0.035)
    k = int(failed.sum())
    errors = len(vocab.SMS_REJECTIONS) + pick(rng, k, (0.4, 0.3, 0.2, 0.1))
    sim.emit("sms", "DeliveryFailure", follow(carried, failed, uniform(rng, k, 10, 600), error=errors))
    delivered = follow(carried, ~failed, uniform(rng, m - k, 3, 120))
    sim.emit("sms", "Delivery", delivered)
    d = len(delivered["msg"])
    clicked = sim.chance(d, 0.06)
    k = int(clicked.sum())
    bot = np.where(sim.chance(k, 0.03), 1, 0)
    sim.emit("sms", "ShortLinkClick", follow(delivered, clicked, lognormal(rng, k, 20 * 60, 1.2, 20 * HOUR),
                                             link=_link(sim, delivered)[clicked], bot=bot))
    replied = sim.chance(d, 0.006)
    k = int(replied.sum())
    sim.emit("sms", "InboundReceive", follow(delivered, replied, lognormal(rng, k, 30 * 60, 1.0, 10 * HOUR),
                                             reply=pick(rng, k, (0.6, 0.3, 0.1))))
    sim.convert(delivered, clicked & sim.chance(d, 0.08), 1800)


def whatsapp(sim: Sim, units: Frame) -> None:
    rng = sim.rng
    sends = _send(sim, "whatsapp", units, 0.002)
    n = len(sends["msg"])
    failed = sim.chance(n, 0.03)
    k = int(failed.sum())
    sim.emit("whatsapp", "Failure", follow(sends, failed, uniform(rng, k, 1, 60), error=pick(rng, k, (0.4, 0.3, 0.2, 0.1))))
    delivered = follow(sends, ~failed, uniform(rng, n - k, 1, 30))
    sim.emit("whatsapp", "Delivery", delivered)
    d = len(delivered["msg"])
    read = sim.chance(d, 0.78)
    readers = follow(delivered, read, lognormal(rng, int(read.sum()), 15 * 60, 1.3, 20 * HOUR))
    sim.emit("whatsapp", "Read", readers)
    r = len(readers["msg"])
    clicked, replied = sim.chance(r, 0.07), sim.chance(r, 0.025)
    sim.emit("whatsapp", "Click", follow(readers, clicked, uniform(rng, int(clicked.sum()), 5, 300),
                                         link=_link(sim, readers)[clicked]))
    k = int(replied.sum())
    sim.emit("whatsapp", "InboundReceive", follow(readers, replied, uniform(rng, k, 10, 600), reply=pick(rng, k, (0.5, 0.3, 0.2))))
    sim.convert(readers, clicked & sim.chance(r, 0.08), 1800)
