"""The small PNG chart embedded in report emails: one stat over time, one line per channel.

``series`` is wide: a ``period_start`` column plus one numeric column per channel holding the key
stat for that period. Stats whose name ends in ``_rate`` are decimals (0-1) and are drawn as
percentages. A series of one period (a ``total`` report) is drawn as one bar per channel.

Periods from ``partial_from`` on are not over yet (they hold "today"): their points are hollow
and joined by a dashed line, with a legend note, so a short last period does not read as a fall.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 640, 280, 100
PARTIAL_NOTE = "partial period (so far)"
MAX_TICKS = 8


def stat_chart_png(series: pd.DataFrame, key_stat: str, title: str, *, partial_from: date | None = None) -> bytes:
    """Render ``series`` (period_start + one column per channel) as a 640x280 PNG chart."""
    figure = stat_chart_figure(series, key_stat, title, partial_from=partial_from)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def stat_chart_figure(series: pd.DataFrame, key_stat: str, title: str, *, partial_from: date | None = None) -> Figure:
    """The chart as a drawn matplotlib figure: lines over periods, or bars per channel for one period."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if "period_start" not in series.columns:
        raise ValueError(
            f"chart series for {key_stat!r}: missing column 'period_start' (expected period_start plus one column per channel)"
        )
    data = series.assign(period_start=pd.to_datetime(series["period_start"])).sort_values("period_start")
    channels = [c for c in data.columns if c != "period_start" and data[c].notna().any()]
    partial = data["period_start"] >= pd.Timestamp(partial_from) if partial_from else pd.Series(False, index=data.index)

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11, loc="left")
    if data.empty or not channels:
        axes.set_axis_off()
        axes.text(0.5, 0.45, "no data", ha="center", va="center", fontsize=14, color="#57606a")
    else:
        if len(data) == 1:
            _bars(axes, data, channels, bool(partial.iloc[0]))
        else:
            _lines(axes, data, channels, partial)
        _style(axes, key_stat)
    figure.tight_layout()
    figure.canvas.draw()
    return figure


def _lines(axes: Axes, data: pd.DataFrame, channels: list[str], partial: pd.Series) -> None:
    marker = 3 if len(data) > MAX_TICKS else 6
    done = data[~partial.to_numpy()]
    tail = data.iloc[max(len(done) - 1, 0) :] if partial.any() else data.iloc[0:0]
    for channel in channels:
        (line,) = axes.plot(done["period_start"], done[channel], marker="o", markersize=marker, linewidth=1.6, label=channel)
        if not tail.empty:
            color = line.get_color()
            axes.plot(tail["period_start"], tail[channel], linestyle="--", linewidth=1.2, color=color)
            last = data[partial.to_numpy()]
            axes.plot(
                last["period_start"],
                last[channel],
                linestyle="none",
                marker="o",
                markersize=marker + 1,
                markerfacecolor="white",
                color=color,
            )
    if partial.any():
        axes.plot([], [], linestyle="--", marker="o", markerfacecolor="white", color="#57606a", label=PARTIAL_NOTE)
    _format_dates(axes, data["period_start"])


def _bars(axes: Axes, data: pd.DataFrame, channels: list[str], partial: bool) -> None:
    values = [0 if pd.isna(data[c].iloc[0]) else data[c].iloc[0] for c in channels]
    colors = [f"C{i}" for i in range(len(channels))]
    axes.bar(channels, values, color=colors, width=0.6, alpha=0.55 if partial else 1.0, hatch="//" if partial else None)
    if partial:
        from matplotlib.patches import Patch

        note = Patch(facecolor="white", edgecolor="#57606a", hatch="//", label=PARTIAL_NOTE)
        axes.legend(handles=[note], fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _style(axes: Axes, key_stat: str) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    if key_stat.endswith("_rate"):
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#d0d7de", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    if axes.get_legend() is None and axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _format_dates(axes: Axes, periods: pd.Series) -> None:
    """Ticks on period starts only, labelled with their own month ("Nov 23"; "Nov 2026" for month starts)."""
    from matplotlib.dates import num2date
    from matplotlib.ticker import FuncFormatter

    starts = list(periods.drop_duplicates())
    step = -(-len(starts) // MAX_TICKS)
    ticks = starts[::step]
    monthly = all(t.day == 1 for t in starts) and len(starts) > 1

    def label(value: float, _pos: int) -> str:
        day = num2date(value)
        return f"{day:%b %Y}" if monthly else f"{day:%b} {day.day}"

    axes.set_xticks(ticks)
    axes.xaxis.set_major_formatter(FuncFormatter(label))
    pad = (starts[-1] - starts[0]) / 40 if len(starts) > 1 else pd.Timedelta(days=1)
    axes.set_xlim(starts[0] - pad, starts[-1] + pad)
