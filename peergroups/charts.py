"""Horizontal bar charts as geometry for server-drawn SVG (templates/macros/charts.html): no
JavaScript, no database. Rows run down the page, so a chart reads at 360 px; in a right-to-left
language every x is mirrored, so labels sit on the right and bars grow leftwards, with the same
text-anchor ("start" follows the SVG's direction). The shapes inside the SVG are written here in
one piece (Chart.shapes): a report draws hundreds, and each as a template expression cost more
than the report's tables."""
from typing import NamedTuple

from markupsafe import Markup, escape

WIDTH = 340
LABEL_WIDTH = 112
VALUE_ROOM = 64  # room after the longest bar for its value
BAR_HEIGHT = 12
GAP = 6
LABEL_CHARS = 16


class Bar(NamedTuple):
    series: int
    x: float
    y: float
    width: float
    text: str  # the value as shown
    text_x: float


class Row(NamedTuple):
    label: str
    label_x: float
    label_y: float
    bars: list


class Chart(NamedTuple):
    """What the template draws: the SVG's size, and everything inside it (Row and Bar are the
    geometry the shapes are written from)."""
    width: int
    height: int
    shapes: Markup  # the legend, axis, labels, bars and values as SVG elements


def shorten(label, limit=LABEL_CHARS):
    label = str(label)
    return label if len(label) <= limit else label[:limit - 1] + "…"


def bars(rows, rtl=False, series=(), top=None):
    """rows: (label, [value or None per series], [text per series]). top: the value of a full bar
    (the largest value by default; 1 for shares). A None value draws no bar, only its text."""
    n = max(1, max((len(values) for _l, values, _t in rows), default=1))
    values = [v for _l, vs, _t in rows for v in vs if v is not None]
    top = top or max(values + [0]) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_ROOM
    legend_height = 18 * len(series) + 4 if len(series) > 1 else 0

    def mirror(x, width=0):
        return round(WIDTH - x - width, 1) if rtl else round(x, 1)

    out, y = [], legend_height
    row_height = n * BAR_HEIGHT + (n - 1) * 2 + GAP * 2
    for label, vals, texts in rows:
        drawn = []
        for i, (value, text) in enumerate(zip(vals, texts)):
            bar_y = y + GAP + i * (BAR_HEIGHT + 2)
            width = max(0.0, (value or 0) / top * span)
            drawn.append(Bar(i, mirror(LABEL_WIDTH, width), bar_y, round(width, 1), text,
                             mirror(LABEL_WIDTH + width + 4)))
        out.append(Row(shorten(label), mirror(0), y + row_height / 2 + 4, drawn))
        y += row_height
    legend = [(str(name), mirror(0, 12), 2 + i * 18, mirror(16))
              for i, name in enumerate(series)] if len(series) > 1 else []
    height = int(y) + 2
    return Chart(WIDTH, height, _shapes(out, legend, mirror(LABEL_WIDTH - 2), legend_height, height))


def _shapes(rows, legend, axis_x, top, height):
    """legend: (name, swatch x, y, text x) per series; top: where the rows start, below it."""
    parts = [f'<rect class="series-{i}" x="{swatch_x}" y="{y}" width="12" height="12"/>'
             f'<text x="{text_x}" y="{y + 11}">{escape(name)}</text>' for i, (name, swatch_x, y, text_x) in enumerate(legend)]
    parts.append(f'<line class="axis" x1="{axis_x}" x2="{axis_x}" y1="{top}" y2="{height}"/>')
    for row in rows:
        parts.append(f'<text x="{row.label_x}" y="{row.label_y}">{escape(row.label)}</text>')
        for bar in row.bars:
            if bar.width:
                parts.append(f'<rect class="series-{bar.series}" x="{bar.x}" y="{bar.y}" width="{bar.width}" height="12"/>')
            parts.append(f'<text class="value" x="{bar.text_x}" y="{bar.y + 10}">{escape(bar.text)}</text>')
    return Markup("\n".join(parts))
