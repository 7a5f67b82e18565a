"""The campaign report pages in a real browser, and on PostgreSQL.

Chromium opens every page of the hand-built workspace (tests/support/pages.py): no console error,
no request leaving the file, and the numbers read back from the DOM equal the report's CSV of the
same period. The same report rendered from a PostgreSQL warehouse shows the same numbers.
A full-page screenshot of the email page goes to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import pg_database
from tests.support.browser import Chromium, chromium_path
from tests.support.pages import DEFINITION, build_page_workspace, read_page, render_with_pages

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TILES_JS = """Object.fromEntries([...document.querySelectorAll('section[data-channel] .tile')].map(
    t => [t.closest('section').dataset.channel + ' ' + t.dataset.stat, [t.dataset.value, t.querySelector('.value').innerText]]))"""
CHARTS_JS = "[...document.querySelectorAll('svg.chart')].map(s => s.getAttribute('aria-label'))"


@pytest.fixture(scope="module")
def duckdb_report(tmp_path_factory):
    home = tmp_path_factory.mktemp("pages_duckdb")
    url = f"duckdb:///{home / 'warehouse.duckdb'}"
    build_page_workspace(url, home)
    report, tables, pages = render_with_pages(url, home, DEFINITION, "autumn_pages")
    folder = home / "reports"
    return {f.name: folder / f.key for f in report.output.files if f.name in pages}, tables


def test_every_page_renders_offline_with_the_csv_numbers(duckdb_report, tmp_path):
    files, tables = duckdb_report
    expected = {}
    for name, id_column, prefix in (("campaigns.csv", "campaign_id", "campaign"), ("canvases.csv", "canvas_id", "canvas")):
        for row in tables[name]:
            expected.setdefault(f"{prefix}-{row[id_column]}.html", {}).update({f"{row['channel']} {k}": v for k, v in row.items()})
    browser = Chromium(chromium_path(), tmp_path / "chromium")
    try:
        for name, path in sorted(files.items()):
            browser.open_file(path)
            tiles = browser.evaluate(TILES_JS)
            charts = browser.evaluate(CHARTS_JS)
            if name == "campaign-c_mail.html":
                browser.screenshot(ARTIFACTS / "campaign_report_email.png", full_page=True)
            assert browser.problems == [] and browser.requests == [], name
            shared = set(tiles) & set(expected[name])
            assert shared and all(tiles[key][0] == expected[name][key] for key in shared), name
            if name == "campaign-c_mail.html":
                assert tiles["email sent"] == ["7", "7"] and tiles["email delivery_rate"] == ["0.571429", "57.1%"]
                assert tiles["email click_to_open_rate"] == ["0.75", "75.0%"]
                assert charts == [
                    "Non-deliverables by type",
                    "Non-deliverables by recipient domain (top 10)",
                    "Machine opens vs other opens",
                    "Clicks per link (top 10)",
                    "Click distribution over time",
                    "User activity: opens and clicks",
                ]
    finally:
        browser.close()


def test_postgresql_pages_show_the_same_numbers_as_duckdb(duckdb_report, pg_admin_url, tmp_path_factory):
    files, _ = duckdb_report
    home = tmp_path_factory.mktemp("pages_postgres")
    with pg_database(pg_admin_url) as url:
        build_page_workspace(url, home)
        _, tables, pages = render_with_pages(url, home, DEFINITION, "autumn_pages")
    assert sorted(pages) == sorted(files)
    for name, html in pages.items():
        on_postgres, on_duckdb = read_page(html), read_page(files[name].read_text())
        assert on_postgres == on_duckdb, name
    assert read_page(pages["campaign-c_mail.html"]).tables["domain-table"]["gmail.com"]["unique_clicks"] == "2"
    assert {row["campaign_id"]: row["sent"] for row in tables["campaigns.csv"] if row["channel"] == "email"} == {"c_mail": "7"}
