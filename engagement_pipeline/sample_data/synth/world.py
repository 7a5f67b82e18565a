"""The generated world (workspace, users, messages, send rates) and the simulation of one hour.

Send rates are calibrated: each message's funnel is simulated once on a sample to learn how
many events one targeted user yields, so that the whole workspace produces about
`events_per_day` events a day with the channel mix of `CHANNEL_SHARE` (email first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from engagement_pipeline.sample_data.synth.frames import Events, Frame, take, uniform
from engagement_pipeline.sample_data.synth.funnel_app import banner, content_card, in_app, push, sessions
from engagement_pipeline.sample_data.synth.funnel_email import email
from engagement_pipeline.sample_data.synth.funnel_messaging import sms, webhook, whatsapp
from engagement_pipeline.sample_data.synth.messages import MessageTable, build_messages
from engagement_pipeline.sample_data.synth.sim import Sim, enter
from engagement_pipeline.sample_data.synth.tables import Tables
from engagement_pipeline.sample_data.synth.users import UserPool, build_users
from engagement_pipeline.sample_data.synth.workspace import CHANNELS, Workspace, build_workspace

CHANNEL_SHARE = {
    "email": 0.62,
    "push": 0.08,
    "web_push": 0.025,
    "in_app_message": 0.04,
    "content_card": 0.04,
    "webhook": 0.02,
    "sms": 0.05,
    "whatsapp": 0.03,
    "banner": 0.005,
    "session": 0.05,
}
AUDIENCE = {
    "email": "all",
    "push": "mobile",
    "web_push": "web",
    "in_app_message": "mobile",
    "content_card": "mobile",
    "webhook": "all",
    "sms": "phone",
    "whatsapp": "phone",
    "banner": "web",
}
FUNNELS = (
    (email, ("email",)),
    (push, ("push", "web_push")),
    (in_app, ("in_app_message",)),
    (content_card, ("content_card",)),
    (webhook, ("webhook",)),
    (sms, ("sms",)),
    (whatsapp, ("whatsapp",)),
    (banner, ("banner",)),
)
_DIURNAL = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.6, 2.7, 2.6, 2.5, 2.6, 2.8, 2.9, 3.0, 2.9, 2.8, 2.6, 2.3, 2.0, 1.6, 1.2]
)
DIURNAL = _DIURNAL / _DIURNAL.sum()
BLAST_SHARE = 0.85
CALIBRATION_UNITS = (300, 2000)


@dataclass
class World:
    seed: int
    start: datetime
    end: datetime
    workspace: Workspace
    users: UserPool
    messages: MessageTable
    tables: Tables
    units_per_day: np.ndarray
    sessions_per_day: float


def run_funnels(sim: Sim, units: Frame) -> None:
    units = enter(sim, units)
    channel = sim.messages.arrays["channel"][units["msg"]]
    for funnel, channels in FUNNELS:
        funnel(sim, take(units, np.isin(channel, [CHANNELS.index(c) for c in channels])))


def _audience(users: UserPool, messages: MessageTable, msg: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    user = np.empty(len(msg), dtype=np.int32)
    channel = messages.arrays["channel"][msg]
    for name in sorted(set(AUDIENCE.values())):
        rows = np.isin(channel, [CHANNELS.index(c) for c, a in AUDIENCE.items() if a == name])
        pool = users.audiences[name]
        user[rows] = pool[rng.integers(0, len(pool), size=int(rows.sum()))]
    return user


def _calibrate(seed: int, users: UserPool, messages: MessageTable, sample: int) -> np.ndarray:
    """Events per targeted user, per message, measured on `sample` users of each."""
    rng = np.random.default_rng([seed, 0xCA11])
    per_unit = np.ones(messages.count)
    for m in np.flatnonzero(messages.arrays["weight"] > 0):
        msg = np.full(sample, m, dtype=np.int32)
        units = {
            "time": np.zeros(len(msg), dtype=np.int64),
            "msg": msg,
            "user": _audience(users, messages, msg, rng),
            "disp": np.zeros(len(msg), dtype=np.int64),
        }
        sim = Sim(rng, users, messages, Events())
        run_funnels(sim, units)
        per_unit[m] = max(sim.events.total(), 1) / sample
    return per_unit


def build_world(seed: int, start: date, days: int, events_per_day: int) -> World:
    rng = np.random.default_rng([seed, 0x5EED])
    begin = datetime.combine(start, time(), tzinfo=timezone.utc)
    end = begin + timedelta(days=days)
    workspace = build_workspace(rng, begin, end)
    users = build_users(rng, max(200, events_per_day // 8), begin, workspace.app_ids)
    messages = build_messages(workspace)
    per_unit = _calibrate(seed, users, messages, int(np.clip(events_per_day // 20, *CALIBRATION_UNITS)))
    arrays = messages.arrays
    shares = sum(CHANNEL_SHARE.values())
    units = np.zeros(messages.count)
    for code, channel in enumerate(CHANNELS):
        rows = (arrays["channel"] == code) & (arrays["weight"] > 0)
        budget = events_per_day * CHANNEL_SHARE[channel] / shares
        units[rows] = budget * arrays["weight"][rows] / arrays["weight"][rows].sum() / per_unit[rows]
    tables = Tables(users, messages, workspace.app_group_id, int(begin.timestamp()) // 86_400, days)
    return World(seed, begin, end, workspace, users, messages, tables, units, events_per_day * CHANNEL_SHARE["session"] / shares)


def _units(world: World, rng: np.random.Generator, hour: int) -> Frame:
    of_day = hour % 24
    blast = world.messages.arrays["blast_hour"]
    share = np.where(blast < 0, DIURNAL[of_day], np.where(blast == of_day, BLAST_SHARE, (1 - BLAST_SHARE) / 23))
    msg = np.repeat(np.arange(world.messages.count, dtype=np.int32), rng.poisson(world.units_per_day * share))
    offset = np.where(blast[msg] == of_day, uniform(rng, len(msg), 0, 1200), uniform(rng, len(msg), 0, 3599))
    return {
        "time": hour * 3600 + offset,
        "msg": msg,
        "user": _audience(world.users, world.messages, msg, rng),
        "disp": (np.int64(hour) << 16) | msg,
    }


def simulate_hour(world: World, hour: int) -> dict[str, Frame]:
    """Every event caused by the sends and sessions of `hour` (hours since the epoch), keyed."""
    rng = np.random.default_rng([world.seed, hour])
    sim = Sim(rng, world.users, world.messages, Events())
    run_funnels(sim, _units(world, rng, hour))
    count = rng.poisson(world.sessions_per_day * DIURNAL[hour % 24])
    pool = world.users.audiences["mobile"]
    sessions(
        sim,
        {
            "time": hour * 3600 + uniform(rng, count, 0, 3599),
            "msg": np.full(count, -1, dtype=np.int32),
            "user": pool[rng.integers(0, len(pool), size=count)],
            "disp": np.full(count, -1, dtype=np.int64),
        },
    )
    frames = sim.events.merged()
    first = 0
    for frame in frames.values():
        n = len(frame["time"])
        frame["key"] = (np.int64(hour) << 32) | np.arange(first, first + n, dtype=np.int64)
        first += n
    return frames
