"""Server-rendered SVG charts (pygal), so pages need no chart script and
no CDN: a chart is markup in the page, readable without JavaScript, and each
point carries its value as an SVG ``<title>`` tooltip.

One look for the whole product; pages call :func:`line_chart` and put the
result in a template as is (it is marked safe: pygal escapes labels)."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# pygal appends an import hook for its map plugins (unused here) that has
# only the legacy ``find_module``: every later import then raises an
# ImportWarning, an error under the test settings. Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

#: Muted palette readable on white and in print; the first colour is the
#: product's green.
PALETTE = ("#1f7a4d", "#2563eb", "#d97706", "#7c3aed", "#dc2626", "#0891b2", "#4b5563")

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#374151",
    foreground_strong="#111827",
    foreground_subtle="#9ca3af",
    colors=PALETTE,
    font_family="system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
    tooltip_font_size=12,
)


#: pygal writes its configuration for its (absent) script into the SVG.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _markup(chart: pygal.graph.graph.Graph) -> SafeString:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    return mark_safe(f'<div class="chart">{svg}</div>')  # noqa: S308 - pygal escapes text


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str = "",
    y_title: str = "",
    height: int = 280,
    width: int = 760,
    show_every: int = 1,
    secondary: Sequence[str] = (),
) -> SafeString:
    """A line chart: one line per series (``None`` = gap, never drawn as 0).

    ``show_every`` thins the x labels (every n-th shown) for long series;
    ``secondary`` names the series plotted against a right-hand axis."""
    chart = pygal.Line(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        height=height,
        width=width,
        title=title or None,
        y_title=y_title or None,
        show_dots=len(x_labels) <= 60,
        dots_size=2.5,
        allow_interruptions=True,
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, show_every),
        # pygal shortens every label to the room of one point, the hidden
        # ones included; thinned labels have the room of ``show_every``.
        truncate_label=-1 if show_every > 1 else None,
        truncate_legend=-1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(series), 6) or 1,
        margin=8,
        explicit_size=False,
    )
    chart.x_labels = list(x_labels)
    for name, values in series.items():
        chart.add(name, list(values), secondary=name in secondary)
    return _markup(chart)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str = "",
    y_title: str = "",
    colors: Sequence[str] | None = None,
    height: int = 280,
    width: int = 760,
) -> SafeString:
    """One bar per label; ``colors`` (one per bar) for level-coloured bars."""
    chart = pygal.Bar(
        style=_STYLE,
        js=(),
        disable_xml_declaration=True,
        height=height,
        width=width,
        title=title or None,
        y_title=y_title or None,
        show_legend=False,
        x_label_rotation=0 if len(labels) <= 12 else 45,
        margin=8,
        explicit_size=False,
    )
    chart.x_labels = list(labels)
    chart.add(
        y_title or title or "",
        [
            {"value": v, "color": colors[i]} if colors and v is not None else v
            for i, v in enumerate(values)
        ],
    )
    return _markup(chart)
