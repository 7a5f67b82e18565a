"""Server-side funnels: webhooks, SMS and WhatsApp."""

from __future__ import annotations

from engagement_pipeline.sample_data.synth import vocab
from engagement_pipeline.sample_data.synth.frames import Frame
from engagement_pipeline.sample_data.synth.sim import Sim

HOUR = 3600


def webhook(sim: Sim, units: Frame) -> None:
    sends = sim.send("webhook", units, 0.002, 0.0)
    failed = sim.chance(len(sends["msg"]), 0.04)
    failures = sim.later(sends, failed, 0, 5, http=sim.draw(failed, vocab.HTTP_WEIGHTS))
    sim.emit("webhook", "Failure", failures)
    sim.emit("webhook", "Retry", sim.later(failures, failures["http"] <= 1, 30, 300, retry=0))


def sms(sim: Sim, units: Frame) -> None:
    sends = sim.send("sms", units, 0.003, 0.002)
    rejected = sim.chance(len(sends["msg"]), 0.015)
    sim.emit("sms", "Rejection", sim.later(sends, rejected, 1, 5, error=sim.draw(rejected, (0.5, 0.3, 0.2))))
    carried = sim.later(sends, ~rejected, 1, 10)
    sim.emit("sms", "CarrierSend", carried)
    failed = sim.chance(len(carried["msg"]), 0.035)
    errors = len(vocab.SMS_REJECTIONS) + sim.draw(failed, (0.4, 0.3, 0.2, 0.1))
    sim.emit("sms", "DeliveryFailure", sim.later(carried, failed, 10, 600, error=errors))
    delivered = sim.later(carried, ~failed, 3, 120)
    sim.emit("sms", "Delivery", delivered)
    d = len(delivered["msg"])
    clicked = sim.chance(d, 0.06)
    clicks = sim.eventually(delivered, clicked, 20 * 60, 1.2, 20 * HOUR)
    clicks["link"] = sim.messages.arrays["link_start"][clicks["msg"]]
    clicks["bot"] = sim.chance(len(clicks["msg"]), 0.03).astype("int32")
    sim.emit("sms", "ShortLinkClick", clicks)
    replied = sim.chance(d, 0.006)
    replies = sim.eventually(delivered, replied, 30 * 60, 1.0, 10 * HOUR)
    replies["reply"] = sim.draw(replied, (0.6, 0.3, 0.1))
    sim.emit("sms", "InboundReceive", replies)
    sim.convert(delivered, clicked & sim.chance(d, 0.08), 1800)


def whatsapp(sim: Sim, units: Frame) -> None:
    sends = sim.send("whatsapp", units, 0.002, 0.002)
    failed = sim.chance(len(sends["msg"]), 0.03)
    sim.emit("whatsapp", "Failure", sim.later(sends, failed, 1, 60, error=sim.draw(failed, (0.4, 0.3, 0.2, 0.1))))
    delivered = sim.later(sends, ~failed, 1, 30)
    sim.emit("whatsapp", "Delivery", delivered)
    readers = sim.eventually(delivered, sim.chance(len(delivered["msg"]), 0.78), 15 * 60, 1.3, 20 * HOUR)
    sim.emit("whatsapp", "Read", readers)
    r = len(readers["msg"])
    clicked, replied = sim.chance(r, 0.07), sim.chance(r, 0.025)
    link = sim.messages.arrays["link_start"][readers["msg"]]
    sim.emit("whatsapp", "Click", sim.later(readers, clicked, 5, 300, link=link[clicked]))
    replies = sim.later(readers, replied, 10, 600, reply=sim.draw(replied, (0.5, 0.3, 0.2)))
    sim.emit("whatsapp", "InboundReceive", replies)
    sim.convert(readers, clicked & sim.chance(r, 0.08), 1800)
