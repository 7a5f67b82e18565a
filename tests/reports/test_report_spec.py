from __future__ import annotations

import hashlib
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from engagement_pipeline.lib.reports.spec import (
    CatalogEntry,
    ReportDefinitionError,
    effective_stats,
    load_definition,
    load_definitions,
    resolve_messages,
    stats_for_channels,
)

REPORTS = Path(__file__).resolve().parents[2] / "reports"
BASE = {
    "name": "name: Weekly campaign performance",
    "messages": "messages: {tags: {match: any, values: [promo]}}",
    "recipients": "recipients: [analyst@example.com]",
}


def _write(tmp_path: Path, text: str, filename: str = "weekly.yaml") -> Path:
    path = tmp_path / filename
    path.write_text(text, encoding="utf-8")
    return path


def _yaml(**overrides: str | None) -> str:
    lines = {**BASE, **overrides}
    return "\n".join(line for line in lines.values() if line) + "\n"


def test_full_definition_is_normalised(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
name: Weekly campaign performance
messages:
  campaigns: [cmp-1, cmp-2, cmp-1]
  canvases: [cnv-1]
  tags: {match: all, values: [promo, q4]}
stats: [sent, delivered, unique_opens, open_rate]
level: {campaigns: campaign, canvases: canvas}
time_frame: {start: 2026-10-01, end: 2026-10-31}
interval: {weeks: 2}
timezone: Europe/Paris
compression: gzip
delimiter: "\\t"
recipients: [analyst@example.com, Analyst@Example.com, boss@example.com]
schedule: {every: {months: 1}, at: 18:30, starting: 2026-11-23, until: 2027-03-31}
link_expiry: 1h30m
""",
    )
    defn = load_definition(path)
    assert defn.report_id == "weekly"
    assert (defn.campaigns, defn.canvases, defn.tag_match, defn.tags) == (("cmp-1", "cmp-2"), ("cnv-1",), "all", ("promo", "q4"))
    assert defn.stats == ("sent", "delivered", "unique_opens", "open_rate")
    assert (defn.campaign_level, defn.canvas_level) == ("campaign", "canvas")
    assert (defn.time_frame.start, defn.time_frame.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (defn.interval.kind, defn.interval.n) == ("weeks", 2)
    assert (defn.timezone, defn.compression, defn.delimiter) == ("Europe/Paris", "gzip", "\t")
    assert defn.recipients == ("analyst@example.com", "boss@example.com")
    schedule = defn.schedule
    assert (schedule.unit, schedule.n, schedule.at, schedule.until) == ("months", 1, time(18, 30), date(2027, 3, 31))
    assert defn.link_expiry == timedelta(minutes=90)
    assert defn.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_defaults(tmp_path: Path) -> None:
    defn = load_definition(_write(tmp_path, _yaml()), default_timezone="America/New_York")
    assert (defn.campaign_level, defn.canvas_level, defn.interval.kind) == ("variant", "step", "daily")
    assert (defn.compression, defn.delimiter, defn.timezone) == ("zip", ",", "America/New_York")
    assert defn.stats is None and defn.time_frame is None
    assert defn.schedule.is_immediate and defn.link_expiry == timedelta(hours=1)


def test_an_edit_changes_the_content_hash(tmp_path: Path) -> None:
    before = load_definition(_write(tmp_path, _yaml())).content_hash
    after = load_definition(_write(tmp_path, _yaml(name="name: Renamed"))).content_hash
    assert before != after


INVALID = [
    ("syntax", "name: [unclosed\nmessages: {}\n", "line ", "expected valid YAML"),
    ("duplicate-key", _yaml() + "name: Again\n", "line 4", "duplicate key 'name'"),
    ("not-a-mapping", "- just\n- a list\n", "(top level)", "expected a mapping"),
    ("empty-file", "", "(top level)", "the file is empty"),
    ("unknown-key", _yaml() + "colour: red\n", "colour", "unknown key"),
    ("typo-key", _yaml() + "stat: [sent]\n", "stat", "did you mean 'stats'"),
    ("missing-name", _yaml(name=None), "name", "is missing; expected a report name"),
    ("empty-selection", _yaml(messages="messages: {campaigns: []}"), "messages", "selects no message"),
    ("empty-tags", _yaml(messages="messages: {tags: {values: []}}"), "messages.tags.values", "empty list"),
    ("bad-tag-match", _yaml(messages="messages: {tags: {match: some, values: [x]}}"), "messages.tags.match", "'any' or 'all'"),
    ("unknown-stat", _yaml() + "stats: [sent, unique_open]\n", "stats[1]", "did you mean 'unique_opens'"),
    ("empty-stats", _yaml() + "stats: []\n", "stats", "empty list"),
    ("bad-level", _yaml() + "level: {campaigns: step}\n", "level.campaigns", "'variant' or 'campaign'"),
    ("bad-interval", _yaml() + "interval: weekly\n", "interval", "expected daily, {days: N}"),
    ("zero-weeks", _yaml() + "interval: {weeks: 0}\n", "interval", "weeks: got 0; expected a whole number >= 1"),
    ("end-before-start", _yaml() + "time_frame: {start: 2026-10-31, end: 2026-10-01}\n", "time_frame.end", "before start 2026-10-31"),
    ("start-only", _yaml() + "time_frame: {start: 2026-10-31}\n", "time_frame", "expected both"),
    ("zero-last-days", _yaml() + "time_frame: {last_days: 0}\n", "time_frame.last_days", "expected a whole number >= 1"),
    ("unknown-timezone", _yaml() + "timezone: Europe/Pariss\n", "timezone", "did you mean 'Europe/Paris'"),
    ("bad-compression", _yaml() + "compression: rar\n", "compression", "expected 'zip', 'gzip' or 'none'"),
    ("bad-delimiter", _yaml() + "delimiter: '.'\n", "delimiter", "expected ',', ':', ';', '|' or '\\t'"),
    ("bad-address", _yaml(recipients="recipients: [bob at example.com]"), "recipients[0]", "not an e-mail address"),
    ("no-recipients", _yaml(recipients="recipients: []"), "recipients", "empty list"),
    ("bad-at", _yaml() + "schedule: {every: {days: 1}, at: 8am, starting: 2026-11-23}\n", "schedule.at", '"HH:MM"'),
    ("bad-unit", _yaml() + "schedule: {every: {years: 1}, at: '08:00', starting: 2026-11-23}\n", "schedule.every.years", "unknown key"),
    ("zero-every", _yaml() + "schedule: {every: {days: 0}, at: '08:00', starting: 2026-11-23}\n", "schedule.every.days", ">= 1"),
    (
        "two-units",
        _yaml() + "schedule: {every: {days: 1, weeks: 1}, at: '08:00', starting: 2026-11-23}\n",
        "schedule.every",
        "exactly one of",
    ),
    ("every-without-at", _yaml() + "schedule: {every: {days: 1}, starting: 2026-11-23}\n", "schedule", "needs at and starting"),
    (
        "until-before-starting",
        _yaml() + "schedule: {every: {days: 1}, at: '08:00', starting: 2026-11-23, until: 2026-11-01}\n",
        "schedule.until",
        "before starting",
    ),
    ("expiry-too-long", _yaml() + "link_expiry: 8d\n", "link_expiry", "expected at most 7d"),
    ("expiry-format", _yaml() + "link_expiry: 1 hour\n", "link_expiry", "expected a duration such as 15m"),
    ("expiry-number", _yaml() + "link_expiry: 3600\n", "link_expiry", "expected a duration"),
    ("expiry-zero", _yaml() + "link_expiry: 0m\n", "link_expiry", "longer than zero"),
    ("expiry-zero-seconds", _yaml() + "link_expiry: 0s\n", "link_expiry", "longer than zero"),
    ("expiry-negative", _yaml() + "link_expiry: -1h\n", "link_expiry", "longer than zero"),
    ("expiry-a-second-too-long", _yaml() + "link_expiry: 7d1s\n", "link_expiry", "expected at most 7d"),
    ("last-days-too-many", _yaml() + "time_frame: {last_days: 3661}\n", "time_frame.last_days", "expected at most 3660 days"),
    ("name-crlf", _yaml(name='name: "Weekly\\r\\nBcc: x@evil.example"'), "name", "control character (CR); expected one line"),
    ("name-lf", _yaml(name='name: "Weekly\\nreport"'), "name", "control character (LF)"),
    ("name-nul", _yaml(name='name: "Weekly\\0"'), "name", "control character (NUL)"),
    ("name-line-separator", _yaml(name='name: "Weekly\\Lreport"'), "name", "LINE SEPARATOR"),
    ("tag-tab", _yaml(messages='messages: {tags: {values: ["pro\\tmo"]}}'), "messages.tags.values[0]", "control character (TAB)"),
    (
        "recipient-crlf",
        _yaml(recipients='recipients: ["a@example.com\\r\\nBcc: x@evil.example"]'),
        "recipients[0]",
        "control character (CR)",
    ),
    (
        "impossible-day",
        _yaml() + "time_frame: {start: 2026-02-30, end: 2026-03-31}\n",
        "time_frame.start",
        "got 2026-02-30, which is not a day of the calendar",
    ),
    (
        "impossible-month",
        _yaml() + "time_frame: {start: 2026-01-01, end: 2026-13-45}\n",
        "time_frame.end",
        "got 2026-13-45, which is not a day",
    ),
    (
        "impossible-quoted-day",
        _yaml() + "time_frame: {start: '2026-02-30', end: '2026-03-31'}\n",
        "time_frame.start",
        "not a day of the calendar",
    ),
    (
        "impossible-starting",
        _yaml() + "schedule: {every: {days: 1}, at: '08:00', starting: 2026-02-29}\n",
        "schedule.starting",
        "expected a real date YYYY-MM-DD",
    ),
    (
        "impossible-until",
        _yaml() + "schedule: {every: {days: 1}, at: '08:00', starting: 2026-02-01, until: 2026-04-31}\n",
        "schedule.until",
        "not a day of the calendar",
    ),
    ("date-not-a-date", _yaml() + "time_frame: {start: 20261001, end: 2026-10-31}\n", "time_frame.start", "expected a date YYYY-MM-DD"),
    ("format-unknown", _yaml() + "formats: [csv, pdf]\n", "formats[1]", "got 'pdf'; expected 'csv' or 'html'"),
    ("format-not-a-list", _yaml() + "formats: html\n", "formats", "got 'html'; expected a list of formats such as [csv, html]"),
    ("format-empty", _yaml() + "formats: []\n", "formats", "is an empty list; expected at least one entry"),
    ("format-twice", _yaml() + "formats: [html, csv, html]\n", "formats", "lists html more than once; expected each format once"),
    ("format-misspelt-key", _yaml() + "format: [csv, html]\n", "format", "unknown key; expected one of"),
]


@pytest.mark.parametrize(("line", "formats"), [("", ("csv",)), ("formats: [csv, html]", ("csv", "html")), ("formats: [html]", ("html",))])
def test_formats_default_to_csv_only(tmp_path: Path, line: str, formats: tuple[str, ...]) -> None:
    assert load_definition(_write(tmp_path, _yaml() + line + "\n")).formats == formats


@pytest.mark.parametrize(("text", "field", "fragment"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_definition_names_file_and_field(tmp_path: Path, text: str, field: str, fragment: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ReportDefinitionError) as caught:
        load_definition(path)
    message = str(caught.value)
    assert f"{path}: {field}" in message
    assert fragment in message


@pytest.mark.parametrize(
    ("address", "allowed", "ok"),
    [
        ("bob@example.com", ["example.com"], True),
        ("Bob@EXAMPLE.com", ["Example.COM"], True),
        ("bob@gmail.com", ["example.com"], False),
        ("bob@mail.example.com", ["example.com"], False),
        ("bob@mail.example.com", ["example.com", "mail.example.com"], True),
        ("bob@gmail.com", [], True),
    ],
)
def test_recipient_domains(tmp_path: Path, address: str, allowed: list[str], ok: bool) -> None:
    path = _write(tmp_path, _yaml(recipients=f"recipients: [{address}]"))
    if ok:
        assert load_definition(path, allowed_recipient_domains=allowed).recipients == (address,)
        return
    with pytest.raises(ReportDefinitionError, match=r"recipients\[0\]: .* outside the allowed recipient domains"):
        load_definition(path, allowed_recipient_domains=allowed)


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _yaml() + "compression: rar\ninterval: weekly\n")
    with pytest.raises(ReportDefinitionError) as caught:
        load_definition(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}: ") for line in lines)
    assert [field for field, _ in caught.value.problems] == ["interval", "compression"]


def test_file_name_must_make_a_usable_report_id(tmp_path: Path) -> None:
    path = _write(tmp_path, _yaml(), filename="my report.yaml")
    with pytest.raises(ReportDefinitionError, match=r"\(file name\): report id 'my report'"):
        load_definition(path)


def test_load_definitions_keeps_good_files_and_reports_bad_ones(tmp_path: Path) -> None:
    _write(tmp_path, _yaml(), "good.yaml")
    _write(tmp_path, _yaml(), "also_good.yml")
    _write(tmp_path, _yaml() + "compression: rar\n", "bad.yaml")
    _write(tmp_path, _yaml(), "good.yml")
    _write(tmp_path, "not: a report", "README.md")
    good, bad = load_definitions(tmp_path)
    assert sorted(d.report_id for d in good) == ["also_good", "good"]
    assert sorted(e.source.name for e in bad) == ["bad.yaml", "good.yml"]


def test_an_impossible_unquoted_date_is_one_bad_file_among_good_ones(tmp_path: Path) -> None:
    _write(tmp_path, _yaml() + "time_frame: {start: 2026-02-30, end: 2026-03-31}\n", "a_bad_date.yaml")
    _write(tmp_path, _yaml(), "b_good.yaml")
    good, bad = load_definitions(tmp_path)
    assert [d.report_id for d in good] == ["b_good"]
    assert [str(e) for e in bad] == [
        f"{tmp_path / 'a_bad_date.yaml'}: time_frame.start: got 2026-02-30, which is not a day of the calendar "
        "(day is out of range for month); expected a real date YYYY-MM-DD"
    ]


def test_ten_years_of_last_days_and_seven_days_of_expiry_are_accepted(tmp_path: Path) -> None:
    defn = load_definition(_write(tmp_path, _yaml() + "time_frame: {last_days: 3660}\nlink_expiry: 7d\n"))
    assert defn.time_frame.last_days == 3660 and defn.link_expiry == timedelta(days=7)
    assert load_definition(_write(tmp_path, _yaml() + "link_expiry: 1s\n")).link_expiry == timedelta(seconds=1)


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    good, bad = load_definitions(tmp_path / "nowhere")
    assert good == [] and "does not exist" in str(bad[0])


def test_example_reports_all_load() -> None:
    good, bad = load_definitions(REPORTS, allowed_recipient_domains=["example.com"])
    assert bad == []
    assert len(good) >= 3


CATALOG = [
    CatalogEntry("campaign", "cmp-1", "Black Friday", ("email",), ("promo", "Q4"), date(2026, 11, 2), date(2026, 11, 30)),
    CatalogEntry("campaign", "cmp-2", "Newsletter", ("email",), ("newsletter",), date(2026, 1, 5), date(2026, 12, 1)),
    CatalogEntry("campaign", "cmp-3", "App promo", ("push", "web_push"), ("promo",), date(2026, 10, 1), None),
    CatalogEntry("canvas", "cnv-1", "Onboarding", ("email", "sms"), ("onboarding", "promo"), None, None),
]


@pytest.mark.parametrize(
    ("messages", "campaigns", "canvases", "channels"),
    [
        ("messages: {tags: {match: any, values: [promo]}}", ("cmp-1", "cmp-3"), ("cnv-1",), ("email", "push", "web_push", "sms")),
        ("messages: {tags: {match: all, values: [promo, q4]}}", ("cmp-1",), (), ("email",)),
        ("messages: {campaigns: [cmp-2], tags: {values: [onboarding]}}", ("cmp-2",), ("cnv-1",), ("email", "sms")),
        ("messages: {canvases: [cnv-1]}", (), ("cnv-1",), ("email", "sms")),
    ],
)
def test_resolve_messages(
    tmp_path: Path, messages: str, campaigns: tuple[str, ...], canvases: tuple[str, ...], channels: tuple[str, ...]
) -> None:
    selection = resolve_messages(load_definition(_write(tmp_path, _yaml(messages=messages))), CATALOG)
    assert (selection.campaign_ids, selection.canvas_ids, selection.channels) == (campaigns, canvases, channels)


def test_first_event_date_is_the_earliest_selected(tmp_path: Path) -> None:
    defn = load_definition(_write(tmp_path, _yaml(messages="messages: {campaigns: [cmp-1, cmp-3]}")))
    assert resolve_messages(defn, CATALOG).first_event_date == date(2026, 10, 1)


@pytest.mark.parametrize(
    ("messages", "field", "fragment"),
    [
        ("messages: {campaigns: [cmp-9]}", "messages.campaigns[0]", "no campaign with id 'cmp-9'"),
        ("messages: {campaigns: [Newsletter]}", "messages.campaigns[0]", "expected the id 'cmp-2'"),
        ("messages: {campaigns: [cnv-1]}", "messages.campaigns[0]", "is a Canvas id; expected it under messages.canvases"),
        ("messages: {canvases: [cmp-1]}", "messages.canvases[0]", "is a campaign id"),
        ("messages: {tags: {values: [winter]}}", "messages.tags", "expected tags in the catalog: newsletter, onboarding, promo, Q4"),
        ("messages: {tags: {match: all, values: [promo, newsletter]}}", "messages.tags", "no campaign or Canvas has all of"),
    ],
)
def test_resolve_messages_errors_name_the_selector(tmp_path: Path, messages: str, field: str, fragment: str) -> None:
    path = _write(tmp_path, _yaml(messages=messages))
    with pytest.raises(ReportDefinitionError) as caught:
        resolve_messages(load_definition(path), CATALOG)
    assert f"{path}: {field}: " in str(caught.value) and fragment in str(caught.value)


def test_effective_stats(tmp_path: Path) -> None:
    chosen = load_definition(_write(tmp_path, _yaml() + "stats: [open_rate, sent, entries]\n"))
    assert effective_stats(chosen, ["push"]) == ["open_rate", "sent", "entries"]
    assert effective_stats(chosen, ["push"], message_kind="campaign") == ["open_rate", "sent"]
    default = load_definition(_write(tmp_path, _yaml()))
    assert effective_stats(default, ["email", "sms"]) == stats_for_channels(["email", "sms"])
    assert "entries" not in effective_stats(default, ["email"], message_kind="campaign")


def test_validate_reports_an_impossible_date_on_one_line_and_checks_the_next_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from engagement_pipeline.cli import app

    bad = _write(tmp_path, _yaml() + "time_frame: {start: 2026-02-30, end: 2026-13-45}\n", "bad.yaml")
    good = _write(tmp_path, _yaml(), "good.yaml")
    result = CliRunner().invoke(app, ["report", "validate", "--no-catalog", str(bad), str(good)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert f"{bad}: time_frame.start: got 2026-02-30, which is not a day of the calendar" in result.output
    assert f"{bad}: time_frame.end: got 2026-13-45, which is not a day of the calendar" in result.output
    assert f"ok  {good}: good (Weekly campaign performance)" in result.output
