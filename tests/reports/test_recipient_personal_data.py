"""Personal data in the recipient export: only when asked for, and only for recipients on the allowed domains."""

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from engagement_pipeline.cli import app
from engagement_pipeline.lib.ingest.contacts import latest, upsert_contacts
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.spec import ReportDefinitionError, parse_definition
from tests.support.reports import render

RECIPIENTS = "name: Spring recipients\nkind: recipients\nmessages: {campaigns: [c_exp]}\ntime_frame: {start: 2026-11-20, end: 2026-11-21}\n"
SEEN = datetime(2026, 11, 20, 9)
CONTACTS = {"u1": ("u1@example.org", "+33611111111"), "u6": ("u6@example.org", None), "u10": (None, "+33610101010")}


def _with_contacts(url: str) -> None:
    rows = [
        {"user_id": u, "email_address": e, "email_seen_at": SEEN, "phone_number": p, "phone_seen_at": SEEN}
        for u, (e, p) in CONTACTS.items()
    ]
    with make_engine(url).begin() as conn:
        upsert_contacts(conn, latest(pl.DataFrame(rows)))


def test_the_export_has_personal_data_columns_only_when_the_definition_asks(built):
    url, home = built
    _with_contacts(url)
    _, plain = render(url, home / "plain", RECIPIENTS + "compression: none\n")
    assert not {"email_address", "phone_number"} & set(plain["recipients_c_exp.csv"][0])

    text = RECIPIENTS + "compression: none\npersonal_data: [phone_number, email_address]\nrecipients: [analyst@example.com]\n"
    _, files = render(url, home / "personal", text, allowed_domains=("example.com",))
    rows = files["recipients_c_exp.csv"]
    assert list(rows[0])[-2:] == ["email_address", "phone_number"]
    got = {r["user_id"]: (r["email_address"], r["phone_number"]) for r in rows}
    assert got["u1"] == CONTACTS["u1"] and got["u6"] == ("u6@example.org", "") and got["u2"] == ("", "")
    assert len(rows) == len(plain["recipients_c_exp.csv"]), "the contacts join adds no row"

    _, only_email = render(url, home / "email", text.replace("phone_number, ", ""), allowed_domains=("example.com",))
    assert list(only_email["recipients_c_exp.csv"][0])[-1] == "email_address"
    assert "phone_number" not in only_email["recipients_c_exp.csv"][0]


def _problems(body: str, allowed: tuple[str, ...]) -> str:
    with pytest.raises(ReportDefinitionError) as caught:
        parse_definition(body.encode(), Path("reports/spring.yaml"), allowed_recipient_domains=allowed)
    return str(caught.value)


@pytest.mark.parametrize(
    ("recipients", "allowed", "expected"),
    [
        (
            "[analyst@example.com, someone@gmail.com]",
            ("example.com",),
            "reports/spring.yaml: personal_data: asks for email_address but recipient(s) someone@gmail.com are outside"
            " ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS; expected every recipient at example.com",
        ),
        (
            "[analyst@example.com]",
            (),
            "reports/spring.yaml: personal_data: asks for email_address but ENGAGEMENT_ALLOWED_RECIPIENT_DOMAINS is not set;"
            " expected the setting to list the domains allowed to receive personal data",
        ),
    ],
)
def test_a_definition_asking_for_personal_data_is_refused_unless_every_recipient_is_on_the_allowed_domains(recipients, allowed, expected):
    message = _problems(RECIPIENTS + f"personal_data: [email_address]\nrecipients: {recipients}\n", allowed)
    assert expected in message


def test_personal_data_names_and_kind_are_checked():
    stats = "name: x\nmessages: {campaigns: [a]}\nrecipients: [a@example.com]\npersonal_data: [email_address]\n"
    assert "personal_data is for kind: recipients" in _problems(stats, ("example.com",))
    assert "personal_data[0]" in _problems(RECIPIENTS + "recipients: [a@example.com]\npersonal_data: [address]\n", ("example.com",))
    ok = parse_definition(
        (RECIPIENTS + "recipients: [a@Example.com]\npersonal_data: [email_address]\n").encode(),
        Path("r.yaml"),
        allowed_recipient_domains=("example.com",),
    )
    assert ok.personal_data == ("email_address",)


@pytest.mark.parametrize("built", ["duckdb"], indirect=True)
def test_the_command_adds_personal_data_only_with_its_flag(built, tmp_path, monkeypatch):
    url, _ = built
    _with_contacts(url)
    monkeypatch.setenv("ENGAGEMENT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ENGAGEMENT_WAREHOUSE_URL", url)
    args = ["export", "recipients", "--campaign", "c_exp", "--from", "2026-11-20", "--to", "2026-11-21", "--compression", "none"]
    runner = CliRunner()
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "plain")])
    assert result.exit_code == 0, result.output
    assert b"u1@example.org" not in (tmp_path / "plain" / "recipients_c_exp.csv").read_bytes()

    result = runner.invoke(app, [*args, "--out", str(tmp_path / "pd"), "--include-personal-data", "email_address"])
    assert result.exit_code == 0, result.output
    header, *lines = (tmp_path / "pd" / "recipients_c_exp.csv").read_text().splitlines()
    assert header.endswith(",in_several_variants,email_address") and any(line.endswith(",u1@example.org") for line in lines)
    assert "u1@example.org" not in result.output, "addresses are never printed"

    result = runner.invoke(app, [*args, "--out", str(tmp_path / "bad"), "--include-personal-data", "address"])
    assert result.exit_code == 2
    assert "--include-personal-data: unknown personal data 'address'; expected some of email_address, phone_number" in result.output
