"""The synthetic user pool: Braze ids, external ids, email addresses, phones, time zones, devices.

Attributes are kept as specs (fixed-width ASCII arrays, coded small vocabularies or plain
strings) so each can be encoded once per Avro field; `device` specs have two rows per user,
the mobile app device (index u) and the web browser (index u + size).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from engagement_pipeline.sample_data.synth import ids

DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.fr",
    "orange.fr",
    "icloud.com",
    "example.org",
    "gmial.com",
)
DOMAIN_WEIGHTS = (0.34, 0.09, 0.12, 0.08, 0.1, 0.13, 0.132, 0.008)
TYPO_DOMAIN = DOMAINS.index("gmial.com")
ICLOUD = DOMAINS.index("icloud.com")
MAILBOX_PROVIDERS = ("Gmail", "Yahoo", "Microsoft", "Microsoft", "Orange", "Apple", "Other", "Other")
ZONES = (
    ("America/New_York", "US", "en", 0.2),
    ("America/Chicago", "US", "en", 0.08),
    ("America/Los_Angeles", "US", "en", 0.1),
    ("Europe/Paris", "FR", "fr", 0.3),
    ("Europe/London", "GB", "en", 0.12),
    ("Europe/Berlin", "DE", "de", 0.1),
    ("Asia/Tokyo", "JP", "ja", 0.1),
)
FIRST = ("emma", "liam", "olivia", "noah", "ava", "lucas", "mia", "hugo", "lea", "jules", "sofia", "leo", "yuki")
LAST = ("martin", "smith", "bernard", "johnson", "dubois", "brown", "muller", "garcia", "sato", "moreau", "lee")
PLATFORMS = ("ios", "android", "kindle", "web")
SIGNUPS_SINCE = datetime(2018, 1, 1, tzinfo=timezone.utc)
MOBILE_WEIGHTS = (0.55, 0.43, 0.02)
EMAIL_CLIENTS = (
    ("desktop", "Windows", "Chrome", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0"),
    ("mobile", "iOS", "Apple Mail", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"),
    ("mobile", "Android", "Gmail", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile"),
    ("desktop", "macOS", "Safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"),
)
DEVICE_VOCABS: dict[str, tuple[tuple[str | None, ...], ...]] = {
    "os_version": (("17.6.1", "18.1", "18.3.2"), ("13", "14", "15"), ("Fire OS 8",), ("Windows 10", "macOS 14.5")),
    "device_model": (
        ("iPhone15,2", "iPhone16,1", "iPad13,4"),
        ("SM-S918B", "Pixel 8", "moto g54"),
        ("KFTRWI",),
        (None,),
    ),
    "sdk_version": (("10.3.0",), ("30.4.0",), ("30.4.0",), ("5.6.1",)),
    "resolution": (("1179x2556", "1290x2796"), ("1080x2400", "1440x3120"), ("1200x1920",), (None,)),
    "carrier": (("Verizon", "Orange", "AT&T"), ("T-Mobile", "SFR", "Vodafone"), (None,), (None,)),
    "browser": ((None,), (None,), (None,), ("Chrome", "Safari", "Firefox", "Edge")),
}


@dataclass(frozen=True)
class Coded:
    values: tuple[object, ...]
    codes: np.ndarray


AttrSpec = np.ndarray | Coded | list


@dataclass
class UserPool:
    size: int
    domain: np.ndarray
    platform: np.ndarray
    audiences: dict[str, np.ndarray]
    attrs: dict[str, AttrSpec] = field(default_factory=dict)
    device_attrs: dict[str, AttrSpec] = field(default_factory=dict)


def _pick(rng: np.random.Generator, weights: tuple[float, ...], n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int32)


def _coded_by_platform(vocabs: tuple[tuple[str | None, ...], ...], platform: np.ndarray, spread: np.ndarray) -> Coded:
    """A device attribute drawn from its platform's own values (iOS versions for iPhones...)."""
    flat = [value for vocab in vocabs for value in vocab]
    starts = np.cumsum([0] + [len(v) for v in vocabs[:-1]])
    sizes = np.array([len(v) for v in vocabs])
    return Coded(tuple(flat), (starts[platform] + spread % sizes[platform]).astype(np.int32))


def _prefix_digits(prefix: bytes, values: np.ndarray, width: int) -> np.ndarray:
    head = np.broadcast_to(np.frombuffer(prefix, dtype=np.uint8), (len(values), len(prefix)))
    return np.concatenate([head, ids.digit_chars(values, width)], axis=1)


def _phones(american: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """E.164 numbers, all 12 characters: +1 555 xxx xxxx (fictional US range) or +33 6 xx xx xx xx."""
    return np.where(american[:, None], _prefix_digits(b"+1555", spread % 10**7, 7), _prefix_digits(b"+336", spread % 10**8, 8))


def build_users(rng: np.random.Generator, size: int, since: datetime, app_ids: dict[str, str]) -> UserPool:
    index = np.arange(size, dtype=np.int64)
    domain = _pick(rng, DOMAIN_WEIGHTS, size)
    zone = _pick(rng, tuple(z[3] for z in ZONES), size)
    mobile = _pick(rng, MOBILE_WEIGHTS, size)
    spread = rng.integers(0, 1 << 30, size=size)
    has_app, has_web, has_phone = (rng.random(size) < p for p in (0.65, 0.3, 0.5))
    created = rng.integers(int(SIGNUPS_SINCE.timestamp()), int(since.timestamp()), size)
    first, last = rng.integers(0, len(FIRST), size), rng.integers(0, len(LAST), size)
    serial = rng.integers(1, 999, size)
    emails = [
        f"{FIRST[f]}.{LAST[g]}{s}@{DOMAINS[d]}" for f, g, s, d in zip(first.tolist(), last.tolist(), serial.tolist(), domain.tolist())
    ]
    phones = _phones(np.isin(zone, [0, 1, 2]), spread)
    client = (spread >> 8) % len(EMAIL_CLIENTS)
    pool = UserPool(
        size=size,
        domain=domain,
        platform=mobile,
        audiences={
            "all": index.astype(np.int32),
            "mobile": np.flatnonzero(has_app).astype(np.int32),
            "web": np.flatnonzero(has_web).astype(np.int32),
            "phone": np.flatnonzero(has_phone).astype(np.int32),
        },
    )
    external = _prefix_digits(b"cust_", index * 7919 % 10**8, 8)
    pool.attrs = {
        "user_id": ids.object_id_chars(index, created, 0xB2A2E),
        "external_user_id": external,
        "email_address": emails,
        "timezone": Coded(tuple(z[0] for z in ZONES), zone),
        "country": Coded(tuple(z[1] for z in ZONES), zone),
        "language": Coded(tuple(z[2] for z in ZONES), zone),
        "gender": Coded(("F", "M", "O", None), (spread >> 4) % 4),
        "to_phone_number": phones,
        "user_phone_number": phones,
        "recipient_domain": Coded(DOMAINS, domain),
        "mailbox_provider": Coded(MAILBOX_PROVIDERS, domain),
        "device_class": Coded(tuple(c[0] for c in EMAIL_CLIENTS), client),
        "device_os": Coded(tuple(c[1] for c in EMAIL_CLIENTS), client),
        "browser": Coded(tuple(c[2] for c in EMAIL_CLIENTS), client),
        "user_agent": Coded(tuple(c[3] for c in EMAIL_CLIENTS), client),
    }
    device_platform = np.concatenate([mobile, np.full(size, 3, dtype=np.int32)])
    device_spread = np.concatenate([spread, spread >> 3])
    pool.device_attrs = {
        "device_id": ids.uuid_chars(np.arange(2 * size), 0xDE71CE),
        "platform": Coded(PLATFORMS, device_platform),
        "app_id": Coded(tuple(app_ids[p] for p in PLATFORMS), device_platform),
        **{name: _coded_by_platform(v, device_platform, device_spread) for name, v in DEVICE_VOCABS.items()},
    }
    return pool
