"""Shared data and helpers of the report tests: a small workspace of campaigns and a Canvas, and CSV readers.

Events (UTC): "Black Friday" (c_promo, email, variants va/vb) from Wed 2026-09-30 to Mon 2026-11-02,
crossing a quarter, a month and a week boundary; user u1 opens va on two days. "Newsletter"
(c_news, email, one day), "App promo" (c_app, push), "In-app banner" (c_iam, in-app message),
and the "Onboarding" Canvas (cv_onb: an email step and a push step).
"""

import csv
import gzip
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from engagement_pipeline.lib.platform.storage import ObjectStore
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.build import GeneratedReport, generate_report
from engagement_pipeline.lib.reports.spec import ReportDefinition, parse_definition
from tests.support import event, load_events, materialize_days

FIRST_DAY = date(2026, 9, 30)
LAST_DAY = date(2026, 11, 2)
TAGS = {
    ("campaign", "c_promo", "Black Friday"): ["promo", "holiday"],
    ("campaign", "c_news", "Newsletter"): ["newsletter"],
    ("campaign", "c_app", "App promo"): ["promo"],
    ("campaign", "c_iam", "In-app banner"): ["promo", "holiday"],
    ("canvas", "cv_onb", "Onboarding"): ["onboarding"],
}


def _promo(variant: str) -> dict:
    names = {"va": "Subject A", "vb": "Subject B"}
    return {
        "campaign_id": "c_promo",
        "campaign_name": "Black Friday",
        "message_variation_id": variant,
        "message_variation_name": names[variant],
    }


def _step(step: str) -> dict:
    names = {"s1": "Welcome email", "s2": "Push nudge"}
    return {
        "canvas_id": "cv_onb",
        "canvas_name": "Onboarding",
        "canvas_variation_id": "cvv1",
        "canvas_variation_name": "Main",
        "canvas_step_id": step,
        "canvas_step_name": names[step],
    }


def workspace_events() -> list[dict]:
    email = "users.messages.email."
    push = "users.messages.pushnotification."
    news = {"campaign_id": "c_news", "campaign_name": "Newsletter", "message_variation_id": "vn"}
    app = {"campaign_id": "c_app", "campaign_name": "App promo", "message_variation_id": "vp", "platform": "ios"}
    iam = {"campaign_id": "c_iam", "campaign_name": "In-app banner", "message_variation_id": "vi"}
    return [
        event(email + "Send", "2026-09-30T10:00:00", "u1", **_promo("va")),
        event(email + "Delivery", "2026-09-30T10:00:05", "u1", **_promo("va")),
        event(email + "Open", "2026-09-30T11:00:00", "u1", **_promo("va")),
        event(email + "Open", "2026-10-01T09:00:00", "u1", **_promo("va")),
        event(email + "Click", "2026-10-01T09:01:00", "u1", **_promo("va")),
        event("users.campaigns.Conversion", "2026-10-01T09:30:00", "u1", **_promo("va")),
        event(email + "Send", "2026-10-01T10:00:00", "u2", **_promo("va")),
        event(email + "Delivery", "2026-10-01T10:00:05", "u2", **_promo("va")),
        event(email + "Open", "2026-11-01T08:00:00", "u2", **_promo("va")),
        event(email + "Send", "2026-11-01T10:00:00", "u3", **_promo("vb")),
        event(email + "Delivery", "2026-11-01T10:00:05", "u3", **_promo("vb")),
        event(email + "Open", "2026-11-01T12:00:00", "u3", **_promo("vb")),
        event(email + "Send", "2026-11-02T23:30:00", "u4", **_promo("vb")),
        event(email + "Send", "2026-10-15T07:00:00", "u1", **news),
        event(email + "Delivery", "2026-10-15T07:00:05", "u1", **news),
        event(email + "Open", "2026-10-15T07:10:00", "u1", is_machine_open=True, **news),
        event(email + "MarkAsSpam", "2026-10-15T07:20:00", "u1", **news),
        event(push + "Send", "2026-11-01T09:00:00", "u5", **app),
        event(push + "Open", "2026-11-01T09:05:00", "u5", **app),
        event(push + "Send", "2026-11-01T09:00:00", "u6", **app),
        event(push + "Bounce", "2026-11-01T09:00:01", "u6", **app),
        event("users.messages.inappmessage.Impression", "2026-10-20T12:00:00", "u1", **iam),
        event("users.messages.inappmessage.Impression", "2026-10-21T12:00:00", "u1", **iam),
        event("users.messages.inappmessage.Click", "2026-10-21T12:00:10", "u1", button_id="0", **iam),
        event("users.canvas.Entry", "2026-10-01T06:00:00", "u7", **_step("s1")),
        event(email + "Send", "2026-10-01T06:00:01", "u7", **_step("s1")),
        event(email + "Delivery", "2026-10-01T06:00:05", "u7", **_step("s1")),
        event(email + "Open", "2026-10-01T07:00:00", "u7", **_step("s1")),
        event(push + "Send", "2026-10-02T06:00:00", "u7", platform="android", **_step("s2")),
        event(push + "Open", "2026-10-02T06:10:00", "u7", platform="android", **_step("s2")),
        event(email + "Send", "2026-11-01T06:00:01", "u8", **_step("s1")),
        event(email + "Delivery", "2026-11-01T06:00:05", "u8", **_step("s1")),
    ]


def build_workspace(url: str, home: Path) -> None:
    """Load the events and a Braze catalog export (names and tags), then build every model for the range."""
    load_events(url, workspace_events())
    catalog = home / "landing" / "catalog"
    catalog.mkdir(parents=True, exist_ok=True)
    for kind, file_name, key in (("campaign", "campaigns.list.json", "campaigns"), ("canvas", "canvas.list.json", "canvases")):
        items = [
            {"id": i, "name": n, "tags": tags, "last_edited": "2026-09-01T00:00:00+00:00"} for (k, i, n), tags in TAGS.items() if k == kind
        ]
        (catalog / file_name).write_text(json.dumps({key: items, "message": "success"}))
    materialize_days(url, home, FIRST_DAY, LAST_DAY)


def definition(text: str, folder: Path, report_id: str = "test_report", allowed_domains: tuple[str, ...] = ()) -> ReportDefinition:
    body = text if "recipients:" in text else text + "\nrecipients: [analyst@example.com]\n"
    path = folder / f"{report_id}.yaml"
    path.write_text(body)
    return parse_definition(body.encode(), path, allowed_recipient_domains=allowed_domains)


def render(
    url: str,
    folder: Path,
    text: str,
    *,
    as_of: datetime | None = None,
    store: ObjectStore | None = None,
    allowed_domains: tuple[str, ...] = (),
) -> tuple[GeneratedReport, dict[str, list[dict]]]:
    """Render a definition written as YAML and read its stored files back as {csv name: rows}."""
    folder.mkdir(parents=True, exist_ok=True)
    defn = definition(text, folder, allowed_domains=allowed_domains)
    store = store or ObjectStore(str(folder / "out"))
    report = generate_report(defn, make_engine(url), store, run_id="test-run", as_of=as_of or datetime(2026, 11, 3, tzinfo=UTC))
    return report, read_files(store, report, defn.delimiter)


def read_files(store: ObjectStore, report: GeneratedReport, delimiter: str = ",") -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {}
    for item in report.output.files:
        if item.name.endswith(".html"):
            continue
        for name, text in unpack(item.name, store.read(item.key)).items():
            tables[name] = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    return tables


def unpack(name: str, data: bytes) -> dict[str, str]:
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            return {n: bundle.read(n).decode() for n in bundle.namelist()}
    if name.endswith(".gz"):
        return {name.removesuffix(".gz"): gzip.decompress(data).decode()}
    return {name: data.decode()}


def pick(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(row[c] for c in columns) for row in rows]
