"""Charts for HTML pages, drawn with matplotlib as inline SVG: no script, no network, text kept as text.

``svg.fonttype = none`` keeps labels as ``<text>`` (searchable, selectable, read back by tests);
ids inside each SVG get a per-chart prefix so several charts on one page never share an id.
The numbers of every chart are also shown in a table next to it (a chart is never the only place
a number appears).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Mapping, Sequence

import pandas as pd
from markupsafe import Markup

WIDTH_PX, HEIGHT_PX, DPI = 720, 260, 100
PALETTE = ("#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0a7f8f", "#d4598a", "#57606a")
_serial = itertools.count(1)
_ID = re.compile(r'\bid="([^"]+)"')


def _figure(height_px: int = HEIGHT_PX):
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasSVG(figure)
    return figure, figure.add_subplot()


def _svg(figure, label: str) -> Markup:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "engagement", "font.family": "sans-serif"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    prefix = f"c{next(_serial)}-"
    for old in sorted(set(_ID.findall(text)), key=len, reverse=True):
        text = text.replace(f'id="{old}"', f'id="{prefix}{old}"').replace(f"#{old})", f"#{prefix}{old})")
        text = text.replace(f'href="#{old}"', f'href="#{prefix}{old}"')
    text = text.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" class="chart" ', 1)
    return Markup(text)


def _style(axes, percent: bool) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    if percent:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    axes.grid(axis="y", color="#d0d7de", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)


def _value_axis(axes, percent: bool) -> None:
    """The x axis of horizontal bars: from 0, whole numbers for counts (no 0.5 of a click)."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    if percent:
        axes.xaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.grid(axis="x", color="#d0d7de", linewidth=0.6)
    axes.set_xlim(left=0)


def _date_axis(axes) -> None:
    """Dates and hours that never overlap: at most ~10 ticks, each label as short as its neighbours allow."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=10)
    axes.xaxis.set_major_locator(locator)
    formats = ["%Y", "%b", "%b %d", "%H:%M", "%H:%M", "%S.%f"]  # a day tick names its month: "Nov 05"
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, formats=formats, show_offset=False))


def _empty(axes) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=13, color="#57606a", transform=axes.transAxes)


def time_series_svg(frame: pd.DataFrame, x: str, series: Mapping[str, str], title: str, *, percent: bool = False) -> Markup:
    """Lines over time: ``frame[x]`` holds instants or dates, ``series`` maps column -> legend label."""
    figure, axes = _figure()
    axes.set_title(title, fontsize=11, loc="left")
    present = {c: label for c, label in series.items() if c in frame and frame[c].notna().any()}
    if frame.empty or not present:
        _empty(axes)
    else:
        data = frame.assign(**{x: pd.to_datetime(frame[x])}).sort_values(x)
        marker = 2 if len(data) > 40 else 4
        for color, (column, label) in zip(itertools.cycle(PALETTE), present.items()):
            axes.plot(data[x], data[column], marker="o", markersize=marker, linewidth=1.4, color=color, label=label)
        axes.set_ylim(bottom=0)
        _style(axes, percent)
        axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _date_axis(axes)
    return _svg(figure, title)


def bar_svg(labels: Sequence[str], values: Sequence[float], title: str, *, percent: bool = False) -> Markup:
    """Horizontal bars, one per label, in the given order (largest first reads best)."""
    height = max(HEIGHT_PX // 2, 40 + 22 * len(labels))
    figure, axes = _figure(height)
    axes.set_title(title, fontsize=11, loc="left")
    if not labels:
        _empty(axes)
    else:
        positions = range(len(labels))[::-1]
        axes.barh(list(positions), [float(v) for v in values], color=PALETTE[0], height=0.6)
        axes.set_yticks(list(positions), [str(label) for label in labels], fontsize=8)
        for y, value in zip(positions, values):
            text = f"{float(value) * 100:.1f}%" if percent else f"{value:,.0f}"
            axes.annotate(text, (float(value), y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        _value_axis(axes, percent)
    return _svg(figure, title)


def stacked_bar_svg(labels: Sequence[str], parts: Mapping[str, Sequence[float]], title: str) -> Markup:
    """Horizontal bars, one per label, each split into ``parts`` (legend label -> one value per label)."""
    height = max(HEIGHT_PX // 2, 50 + 22 * len(labels))
    figure, axes = _figure(height)
    axes.set_title(title, fontsize=11, loc="left")
    if not labels:
        _empty(axes)
        return _svg(figure, title)
    positions = list(range(len(labels))[::-1])
    left = [0.0] * len(labels)
    for color, (name, values) in zip(itertools.cycle(PALETTE), parts.items()):
        widths = [float(v) for v in values]
        axes.barh(positions, widths, left=left, color=color, height=0.6, label=name)
        left = [a + b for a, b in zip(left, widths)]
    for y, total in zip(positions, left):
        axes.annotate(f"{total:,.0f}", (total, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    axes.set_yticks(positions, [str(label) for label in labels], fontsize=8)
    _value_axis(axes, False)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure, title)


def columns_svg(frame: pd.DataFrame, x: str, series: Mapping[str, str], title: str, *, hourly: bool = False) -> Markup:
    """Vertical bars over time, the ``series`` columns stacked: one bar per hour (or day) of ``frame[x]``."""
    figure, axes = _figure()
    axes.set_title(title, fontsize=11, loc="left")
    present = {c: label for c, label in series.items() if c in frame}
    if frame.empty or not present or not frame[list(present)].to_numpy().any():
        _empty(axes)
        return _svg(figure, title)
    when = pd.to_datetime(frame[x])
    if when.dt.tz is not None:  # matplotlib draws wall times: keep the local clock, drop the zone
        when = when.dt.tz_localize(None)
    width = (1 / 24 if hourly else 1) * 0.8
    bottom = [0.0] * len(frame)
    for color, (column, label) in zip(itertools.cycle(PALETTE), present.items()):
        values = [float(v) for v in frame[column]]
        axes.bar(when, values, width=width, bottom=bottom, color=color, label=label, align="edge" if hourly else "center")
        bottom = [a + b for a, b in zip(bottom, values)]
    _date_axis(axes)
    axes.set_ylim(bottom=0)
    _style(axes, False)
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(figure, title)
