"""The small PNG chart embedded in report emails: one stat over time, one line per channel.

``series`` is wide: a ``period_start`` column plus one numeric column per channel holding the key
stat for that period. Stats whose name ends in ``_rate`` are decimals (0-1) and are drawn as
percentages.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX, HEIGHT_PX, DPI = 640, 280, 100


def stat_chart_png(series: pd.DataFrame, key_stat: str, title: str) -> bytes:
    """Render ``series`` (period_start + one column per channel) as a 640x280 PNG line chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    if "period_start" not in series.columns:
        raise ValueError(
            f"chart series for {key_stat!r}: missing column 'period_start' (expected period_start plus one column per channel)"
        )
    data = series.assign(period_start=pd.to_datetime(series["period_start"])).sort_values("period_start")
    channels = [c for c in data.columns if c != "period_start" and data[c].notna().any()]

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, loc="left")
    if data.empty or not channels:
        axes.set_axis_off()
        axes.text(0.5, 0.45, "no data", ha="center", va="center", fontsize=14, color="#57606a")
    else:
        marker = 3 if len(data) > 8 else 6
        for channel in channels:
            axes.plot(data["period_start"], data[channel], marker="o", markersize=marker, linewidth=1.6, label=channel)
        if key_stat.endswith("_rate"):
            axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        else:
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
        axes.set_ylim(bottom=0)
        _format_dates(axes, data["period_start"])
        axes.grid(axis="y", color="#d0d7de", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=8)
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _format_dates(axes: Axes, periods: pd.Series) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter

    locator = AutoDateLocator(minticks=2, maxticks=8)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if periods.nunique() == 1:
        only = periods.iloc[0]
        axes.set_xlim(only - pd.Timedelta(days=1), only + pd.Timedelta(days=1))
        axes.set_xticks([only])
        axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
