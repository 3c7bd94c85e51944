"""Tiny inline-SVG charts for the HTML report: stacked bars, written as text.

No library and no script: a chart is one ``<svg>`` element whose segments carry a
``<title>``, so a browser shows the figures on hover and the report stays one
file that opens offline.  Each bar is a ``<g class="bar">`` with its label in
``data-label``, which is also what the tests count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

Bar = tuple[str, Mapping[str, int]]  # a label and its count per series

# Colours per result class, chosen to stay apart for the common kinds of colour blindness.
COLOURS: Final[Mapping[str, str]] = {
    "ok": "#1b7837",
    "broken": "#c51b1b",
    "blocked": "#e08214",
    "timeout": "#b8a000",
    "error": "#762a83",
    "invalid": "#8c510a",
    "skipped": "#9e9e9e",
}
_FALLBACK: Final = "#607d8b"

COLUMN_WIDTH: Final = 28  # px, one run's bar
COLUMN_GAP: Final = 14  # px between two runs' bars
COLUMN_HEIGHT: Final = 160  # px, the tallest bar
MIN_SEGMENT: Final = 5  # px, the least a result class with any count is drawn
ROW_HEIGHT: Final = 18  # px, one host's bar
ROW_LABEL_WIDTH: Final = 240  # px, the host names on the left
ROW_WIDTH: Final = 520  # px, the longest bar
LABEL_CHARS: Final = 34  # characters of a row label shown; the whole label is in its title


def colour(name: str) -> str:
    return COLOURS.get(name, _FALLBACK)


def legend(series: Sequence[str]) -> str:
    """An HTML legend naming the colour of each series."""
    items = "".join(
        f'<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{colour(name)}"/></svg> {escape(name)}</li>'
        for name in series
    )
    return f'<ul class="legend">{items}</ul>'


def _segment(x: float, y: float, width: float, height: float, tip: str, name: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="{colour(name)}" data-series="{escape(name)}"><title>{escape(tip)}</title></rect>'
    )


def _svg(width: int, height: int, title: str, body: str) -> str:
    return (
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def columns(
    bars: Sequence[Bar], series: Sequence[str], *, title: str, notes: Sequence[str] = ()
) -> str:
    """Vertical stacked bars, left to right, each labelled underneath (results over time).

    ``notes`` (one per bar, e.g. its date; a newline starts another line) go under
    the labels.  A result class with
    any count is at least MIN_SEGMENT px tall, so three failures among a thousand
    ok URLs still show; the tallest segment of the bar gives up the difference.
    """
    top = max((sum(counts.get(name, 0) for name in series) for _, counts in bars), default=0)
    scale = COLUMN_HEIGHT / top if top else 0.0
    width = max(len(bars) * (COLUMN_WIDTH + COLUMN_GAP) + COLUMN_GAP, 200)
    lines = max((note.count("\n") + 1 for note in notes), default=0)
    height = COLUMN_HEIGHT + 50 + 13 * lines  # totals above, labels (and notes) below
    parts = []
    for index, (label, counts) in enumerate(bars):
        x = COLUMN_GAP + index * (COLUMN_WIDTH + COLUMN_GAP)
        y = float(COLUMN_HEIGHT + 20)  # the bottom; segments stack upwards
        segments = []
        heights = _visible_heights([counts.get(name, 0) * scale for name in series])
        for name, segment in zip(series, heights, strict=True):
            count = counts.get(name, 0)
            if count:
                y -= segment
                tip = f"{label}: {count} {name}"
                segments.append(_segment(x, y, COLUMN_WIDTH, segment, tip, name))
        total = sum(counts.get(name, 0) for name in series)
        centre = x + COLUMN_WIDTH / 2
        note = "".join(
            f'<text class="note" x="{centre:.1f}" y="{COLUMN_HEIGHT + 50 + 13 * line}" '
            f'text-anchor="middle">{escape(part)}</text>'
            for line, part in enumerate(notes[index].split("\n") if index < len(notes) else ())
        )
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-total="{total}">'
            + "".join(segments)
            + f'<text x="{centre:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
            f'{total}</text><text x="{centre:.1f}" y="{COLUMN_HEIGHT + 36}" '
            f'text-anchor="middle">{escape(label)}</text>{note}</g>'
        )
    return _svg(width, height, title, "".join(parts))


def _visible_heights(heights: Sequence[float]) -> list[float]:
    """Each non-zero length raised to MIN_SEGMENT, taken back from the longest one."""
    raised = [max(height, MIN_SEGMENT) if height > 0 else 0.0 for height in heights]
    excess = sum(raised) - sum(heights)
    if excess > 0 and raised:
        tallest = max(range(len(raised)), key=lambda index: raised[index])
        raised[tallest] = max(raised[tallest] - excess, MIN_SEGMENT)
    return raised


def rows(bars: Sequence[Bar], series: Sequence[str], *, title: str) -> str:
    """Horizontal stacked bars, top to bottom, labelled on the left (results per host)."""
    top = max((sum(counts.get(name, 0) for name in series) for _, counts in bars), default=0)
    scale = ROW_WIDTH / top if top else 0.0
    width = ROW_LABEL_WIDTH + ROW_WIDTH + 50
    height = max(len(bars), 1) * (ROW_HEIGHT + 6) + 6
    parts = []
    for index, (label, counts) in enumerate(bars):
        y = 6 + index * (ROW_HEIGHT + 6)
        x = float(ROW_LABEL_WIDTH)
        segments = []
        widths = _visible_heights([counts.get(name, 0) * scale for name in series])
        for name, segment in zip(series, widths, strict=True):
            count = counts.get(name, 0)
            if count:
                tip = f"{label}: {count} {name}"
                segments.append(_segment(x, y, segment, ROW_HEIGHT, tip, name))
                x += segment
        total = sum(counts.get(name, 0) for name in series)
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-total="{total}">'
            f'<text x="{ROW_LABEL_WIDTH - 8}" y="{y + ROW_HEIGHT - 5}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(shown)}</text>"
            + "".join(segments)
            + f'<text x="{x + 6:.1f}" y="{y + ROW_HEIGHT - 5}">{total}</text></g>'
        )
    return _svg(width, height, title, "".join(parts))
