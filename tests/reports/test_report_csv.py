"""The CSV cells and packing of report files: values per channel, rates, delimiters and compressions."""

import csv
import gzip
import io
import zipfile
from datetime import date

import pandas as pd
import pytest

from engagement_pipeline.lib.reports.metrics import format_value, stat_value
from engagement_pipeline.lib.reports.names import Names
from engagement_pipeline.lib.reports.render import build_table, pack

COUNTS = {
    "sent": 10,
    "delivered": 8,
    "bounces": 2,
    "opens": 6,
    "unique_opens": 4,
    "unique_clicks": 2,
    "clicks": 3,
    "direct_opens": 4,
    "influenced_opens": 1,
    "impressions": 0,
    "conversions": 1,
    "unique_conversions": 1,
    "enrolled_in_control": 4,
}


@pytest.mark.parametrize(
    ("stat", "channel", "expected"),
    [
        ("sent", "email", 10),
        ("opens", "push", None),
        ("unique_open_rate", "email", 0.5),
        ("click_to_open_rate", "email", 0.5),
        ("click_rate", "email", 0.375),
        ("click_rate", "in_app_message", None),
        ("direct_open_rate", "push", 0.5),
        ("total_opens", "push", 5),
        ("total_opens", "email", None),
        ("conversions", "unknown", 1),
        ("sent", "unknown", None),
        ("conversion_rate", "email", None),
        ("conversion_rate", "control", 0.25),
        ("enrolled_in_control", "control", 4),
        ("unique_recipients", "control", None),
        ("sent", "control", None),
    ],
)
def test_stat_values_follow_the_channel(stat, channel, expected):
    assert stat_value(stat, channel, COUNTS) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (0, "0"), (12, "12"), (0.0, "0"), (1.0, "1"), (0.5, "0.5"), (1 / 3, "0.333333"), (0.0000001, "0")],
)
def test_values_are_written_as_plain_numbers(value, text):
    assert format_value(value) == text


def _tables():
    frame = pd.DataFrame(
        [
            {
                "period_start": date(2026, 11, 1),
                "period_end": date(2026, 11, 30),
                "message_id": "c1",
                "variation_id": "v1",
                "step_id": "",
                "channel": "email",
                "sent": 3,
                "delivered": 2,
            },
        ]
    )
    canvas = frame.assign(message_id="cv1", variation_id="cvv", step_id="s1")
    names = Names(
        messages={("campaign", "c1"): 'Black; Friday, "50%"', ("canvas", "cv1"): "Onboarding"}, variations={("campaign", "c1", "v1"): "A|B"}
    )
    stats = ["sent", "delivery_rate"]
    return [build_table("campaign", frame, stats, names), build_table("canvas", canvas, stats, names)]


@pytest.mark.parametrize("delimiter", [",", ":", ";", "|", "\t"])
@pytest.mark.parametrize("compression", ["zip", "gzip", "none"])
def test_every_compression_and_delimiter_reads_back(tmp_path, compression, delimiter):
    packed = pack(_tables(), tmp_path, delimiter=delimiter, compression=compression, archive="weekly")

    names = [p.path.name for p in packed]
    expected = {"zip": ["weekly.zip"], "gzip": ["campaigns.csv.gz", "canvases.csv.gz"], "none": ["campaigns.csv", "canvases.csv"]}
    assert names == expected[compression]
    if compression == "zip":
        with zipfile.ZipFile(packed[0].path) as bundle:
            texts = {n: bundle.read(n).decode() for n in bundle.namelist()}
    elif compression == "gzip":
        texts = {p.path.name.removesuffix(".gz"): gzip.decompress(p.path.read_bytes()).decode() for p in packed}
    else:
        texts = {p.path.name: p.path.read_text() for p in packed}
    campaigns = list(csv.reader(io.StringIO(texts["campaigns.csv"], newline=""), delimiter=delimiter))
    canvases = list(csv.reader(io.StringIO(texts["canvases.csv"], newline=""), delimiter=delimiter))
    assert campaigns == [
        [
            "period_start",
            "period_end",
            "campaign_id",
            "campaign_name",
            "variation_id",
            "variation_name",
            "channel",
            "sent",
            "delivery_rate",
        ],
        ["2026-11-01", "2026-11-30", "c1", 'Black; Friday, "50%"', "v1", "A|B", "email", "3", "0.666667"],
    ]
    assert canvases[1] == ["2026-11-01", "2026-11-30", "cv1", "Onboarding", "cvv", "", "s1", "", "email", "3", "0.666667"]
    assert sum(p.rows for p in packed) == 2
