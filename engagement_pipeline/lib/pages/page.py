"""Self-contained HTML pages (campaign reports, the live view): one file each, readable offline.

Pages are Jinja2 templates under ``templates/`` that extend ``_page.html.j2``: the stylesheet is
inline, charts are inline SVG (``charts.py``), there is no script from elsewhere, no web font and
no image link, so a page saved from an email or a bucket opens the same without a network.
Every value goes through autoescaping. ``external_urls`` lists what a page would fetch from
elsewhere; tests assert it is empty.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

_FETCHING = re.compile(
    r"""(?:\bsrc\s*=\s*["']?|\burl\(\s*["']?|@import\s+["']?|<link\b[^>]*\bhref\s*=\s*["']?)\s*((?:https?:)?//[^"')\s>]+)""", re.I
)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("engagement_pipeline.lib.pages", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["count"] = format_count
    env.filters["percent"] = format_percent
    env.filters["raw"] = format_raw
    return env


def render_page(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` (which extends ``_page.html.j2``) to a complete HTML document."""
    return environment().get_template(template).render(**context)


def format_count(value: Any) -> str:
    """1234 -> '1,234'; a missing value -> '–'."""
    if value is None or value != value:
        return "–"
    return f"{int(value):,}"


def format_percent(value: Any, digits: int = 1) -> str:
    """0.1234 -> '12.3%' (a decimal rate, as the metric contract stores it); a missing value -> '–'."""
    if value is None or value != value:
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def format_raw(value: Any) -> str:
    """A number as the report CSVs write it, for ``data-value`` attributes: 1234 -> '1234', 2/3 -> '0.666667'."""
    if value is None or value != value:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value else "0"
    return str(int(value))


def external_urls(html: str) -> list[str]:
    """The URLs the page would fetch when opened (scripts, images, stylesheets, fonts): none is allowed.

    Plain ``<a href>`` links are not fetched and are not listed (a report may link to its CSV files)."""
    return sorted(set(_FETCHING.findall(html)))
