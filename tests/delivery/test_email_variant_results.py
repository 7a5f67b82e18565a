"""The "Variant results" section of the report email: each experiment's arms, uplift, interval, p-value, result."""

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from engagement_pipeline.lib.delivery.email_render import VariantResults, render_report_email
from engagement_pipeline.lib.delivery.variants import variant_results_sections
from engagement_pipeline.lib.platform.warehouse import make_engine
from engagement_pipeline.lib.reports.experiments import variant_results
from tests.support.reports import definition, render

FRAME = "name: Spring\ntime_frame: {start: 2026-11-20, end: 2026-11-21}\ninterval: total\nmessages: {campaigns: [c_exp, c_solo], canvases: [cv_x]}\n"


def _email(sections: list[VariantResults]):
    return render_report_email(
        report_name="Spring",
        period_start=date(2026, 11, 20),
        period_end=date(2026, 11, 21),
        recipients=["analyst@example.com"],
        sender="reports@example.com",
        links=[],
        summary=pd.DataFrame({"channel": ["email"], "sent": [10]}),
        series=pd.DataFrame({"period_start": [date(2026, 11, 20)], "email": [10]}),
        key_stat="sent",
        generated_at=datetime(2026, 11, 22, tzinfo=UTC),
        variant_results=sections,
    )


@pytest.mark.parametrize("built", ["duckdb"], indirect=True)
def test_the_email_shows_each_experiment_against_its_control_group(built):
    url, home = built
    report, _ = render(url, home / "email", FRAME + "variant_results: {min_sample_size: 1}\n")
    defn = definition(FRAME + "variant_results: {min_sample_size: 1}\n", home / "email")
    with make_engine(url).connect() as conn:
        sections = variant_results_sections(conn, defn, report.selection, date(2026, 11, 20), date(2026, 11, 21))
    # c_solo has one variant and no control; the Canvas's variations are compared on Canvas conversions
    assert [s.message for s in sections] == ["Spring test", "Journey"]
    text = _email(sections).get_body(("plain",)).get_content()
    assert "Variant results of Spring test" in text
    rows = [line.split() for line in text.splitlines() if line.startswith(("Subject", "Control Group"))]
    # the control group first, then the variants by name
    assert [row[:8] for row in rows] == [
        ["Control", "Group", "3", "2", "66.7%", "–", "–", "–"],
        ["Subject", "A", "4", "1", "25.0%", "-41.7", "pp", "-75.7"],
        ["Subject", "B", "3", "1", "33.3%", "-33.3", "pp", "-71.8"],
    ]
    assert [" ".join(row[-3:]) for row in rows[1:]] == ["no significant difference"] * 2


def test_a_winner_is_shown_with_its_uplift_and_a_small_p_value_in_html():
    counts = pd.DataFrame(
        {
            "message_id": ["c1"] * 2,
            "variation_id": ["vc", "va"],
            "variation_name": ["", "Big subject"],
            "is_control": [True, False],
            "exposed": [50_000, 50_000],
            "converted": [1_000, 1_300],
        }
    )
    html = _email([VariantResults("Launch", "conversions", variant_results(counts))]).get_body(("html",)).get_content()
    assert "Variant results of Launch" in html
    assert ">+0.6 pp<" in html and ">+30.0%<" in html and ">&lt;0.001<" in html
    assert 'font-weight:bold;">winner<' in html
