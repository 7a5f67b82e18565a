"""The page kit: a page with tiles, a table and charts renders in Chromium without errors or network."""

import re
from pathlib import Path

import pandas as pd
import pytest

from engagement_pipeline.lib.pages.charts import bar_svg, time_series_svg
from engagement_pipeline.lib.pages.page import environment, external_urls
from tests.support.browser import Chromium, chromium_path

PAGE = """{% extends "_page.html.j2" %}{% import "_macros.html.j2" as m %}
{% block content %}{{ m.tiles(tiles) }}{{ chart_a }}{{ chart_b }}{{ m.table(columns, rows, id="links") }}{% endblock %}"""


def render(**context) -> str:
    return environment().from_string(PAGE).render(title="Kit <test>", generated_at="2026-12-02 10:00 UTC", **context)


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    series = pd.DataFrame(
        {"at": pd.date_range("2026-11-20", periods=6, freq="h"), "opens": [1, 4, 9, 3, 2, 0], "clicks": [0, 1, 2, 1, 0, 0]}
    )
    html = render(
        tiles=[
            {"key": "sent", "label": "Sent", "value": 12345},
            {"key": "delivery_rate", "label": "Delivered", "value": 0.987, "percent": True},
        ],
        chart_a=time_series_svg(series, "at", {"opens": "Opens", "clicks": "Clicks"}, "Opens and clicks"),
        chart_b=bar_svg(["gmail.com", "yahoo.com"], [7, 3], "Bounces by domain"),
        columns=[{"key": "url", "label": "URL", "kind": "text"}, {"key": "clicks", "label": "Clicks", "kind": "count"}],
        rows=[{"url": "https://shop.example.com/a?x=<1>", "clicks": 1200}],
    )
    path = tmp_path_factory.mktemp("page") / "kit.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_page_has_no_external_fetches_and_escapes_values(page_file):
    html = page_file.read_text()
    assert external_urls(html) == []
    assert "Kit &lt;test&gt;" in html and "x=&lt;1&gt;" in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids)), "two charts on one page share an element id"


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ('<script src="https://cdn.example.com/x.js"></script>', ["https://cdn.example.com/x.js"]),
        ("<style>@import url(//fonts.example.com/f.css);</style>", ["//fonts.example.com/f.css"]),
        ('<link rel="stylesheet" href="http://a.example/s.css">', ["http://a.example/s.css"]),
        ('<a href="https://example.com/report.csv">csv</a>', []),
    ],
)
def test_external_urls_lists_what_a_page_would_fetch(html, found):
    assert external_urls(html) == found


def test_page_renders_in_chromium_with_its_numbers(page_file, tmp_path):
    browser = Chromium(chromium_path(), tmp_path / "chromium")
    try:
        browser.open_file(page_file)
        tiles = browser.evaluate(
            "Object.fromEntries([...document.querySelectorAll('.tile')].map(t => [t.dataset.stat, t.querySelector('.value').innerText]))"
        )
        charts = browser.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getAttribute('aria-label'))")
        cell = browser.evaluate("document.querySelector('#links td[data-col=clicks]').innerText")
        labels = browser.evaluate("[...document.querySelectorAll('svg.chart text')].map(t => t.textContent).join(' ')")
        assert browser.problems == [] and browser.requests == []
    finally:
        browser.close()
    assert tiles == {"sent": "12,345", "delivery_rate": "98.7%"}
    assert charts == ["Opens and clicks", "Bounces by domain"]
    assert cell == "1,200"
    assert "gmail.com" in labels and "Opens" in labels
