"""Horizontal bar charts as geometry for server-drawn SVG (templates/macros/charts.html): no
JavaScript, no database. Rows run down the page, so a chart reads at 360 px; in a right-to-left
language every x is mirrored, so labels sit on the right and bars grow leftwards, with the same
text-anchor ("start" follows the SVG's direction)."""
from typing import NamedTuple

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
    width: int
    height: int
    axis_x: float
    top: int  # where the rows start, below the legend
    rows: list
    series: list  # legend: (name, swatch x, y, text x)


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
    return Chart(WIDTH, int(y) + 2, mirror(LABEL_WIDTH - 2), legend_height, out, legend)
