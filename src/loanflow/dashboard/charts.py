"""Charts as inline SVG drawn on the server: no script, nothing fetched.

Each chart has a title, labelled axes with their unit, and a legend; the
figures it draws are also in a table on the same page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from loanflow.dashboard.formatting import dollars, scale_for

# Colour-blind-safe pair for the two programs, then more for other series.
SERIES_COLOURS = ("#1f6fb4", "#d9822b", "#3a9a5b", "#8e5ea2", "#c4474a")
# Light to dark blue: the map's classes.
MAP_COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#e6e6e6"

_WIDTH, _HEIGHT = 760, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 40, 70


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[int | None]],
    *,
    x_label: str,
    quantity: str = "dollars",
) -> Markup:
    """Grouped vertical bars, one group per category, one bar per series.

    Args:
        title: the chart's title.
        categories: labels along the x axis.
        series: name -> one value per category (None: no bar).
        x_label: what the categories are.
        quantity: ``dollars`` or a count's noun, for the y axis and tooltips.
    """
    values = [v for vs in series.values() for v in vs if v is not None]
    largest = max(values, default=0) or 1
    divisor, word = scale_for(largest)
    unit = f"$ {word}s" if quantity == "dollars" and word else quantity
    if quantity != "dollars" and word:
        unit = f"{quantity}, {word}s"
    top = _nice_ceiling(largest / divisor)
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    parts = [_open(title), _title(title)]

    # Grid lines and y ticks.
    for step in range(5):
        value = top * step / 4
        y = _TOP + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'class="grid"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end" class="tick">{value:,.4g}</text>'
        )
    parts.append(
        f'<text transform="translate(16,{_TOP + plot_h / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle" class="axis-label">{escape(unit)}</text>'
    )

    # Bars.
    group = plot_w / max(len(categories), 1)
    width = group * 0.8 / max(len(series), 1)
    for index, category in enumerate(categories):
        x0 = _LEFT + group * index + group * 0.1
        for number, (name, vs) in enumerate(series.items()):
            bar = vs[index]
            if bar is None:
                continue
            height = plot_h * (bar / divisor) / top
            x = x0 + width * number
            shown = dollars(bar) if quantity == "dollars" else f"{bar:,}"
            parts.append(
                f'<rect x="{x:.1f}" y="{_TOP + plot_h - height:.1f}" '
                f'width="{max(width - 1, 1):.1f}" height="{height:.1f}" '
                f'fill="{SERIES_COLOURS[number % len(SERIES_COLOURS)]}">'
                f"<title>{escape(name)}, {escape(category)}: {shown}</title></rect>"
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{_TOP + plot_h + 16}" '
            f'text-anchor="middle" class="tick">{escape(category)}</text>'
        )
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.0f}" y="{_HEIGHT - 30}" '
        f'text-anchor="middle" class="axis-label">{escape(x_label)}</text>'
    )
    parts.append(_legend(list(series), _HEIGHT - 12))
    parts.append("</svg>")
    return Markup("".join(parts))


# A tile-grid map: one square per state in its rough geographic place
# (row, column). Territories sit in the bottom row.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 11),
    "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5),
    "IL": (2, 6), "WI": (2, 7), "MI": (2, 8), "NY": (2, 9), "RI": (2, 10),
    "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5),
    "IN": (3, 6), "OH": (3, 7), "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5),
    "KY": (4, 6), "WV": (4, 7), "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6),
    "NC": (5, 7), "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9),
    "GU": (8, 0), "AS": (8, 1), "MP": (8, 2), "PR": (8, 10), "VI": (8, 11),
}  # fmt: skip

_TILE = 52


def tile_map(title: str, values: Mapping[str, int | None], *, unit: str) -> Markup:
    """The states as a tile grid, each coloured by its value in five classes.

    Classes split the range from 0 to the largest value in equal steps; a
    state without a value is grey. Codes outside the grid (foreign schools
    ``FC``, the FFEL placeholder ``NR``) are left to the table.
    """
    known = [v for code, v in values.items() if code in TILES and v is not None]
    largest = max(known, default=0) or 1
    rows = 1 + max(r for r, _ in TILES.values())
    cols = 1 + max(c for _, c in TILES.values())
    width, height = cols * _TILE + 40, rows * _TILE + 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart map">',
        f'<text x="20" y="24" class="chart-title">{escape(title)}</text>',
    ]
    for code, (row, col) in TILES.items():
        value = values.get(code)
        colour = NO_DATA if value is None else MAP_COLOURS[_class_of(value, largest)]
        dark = value is not None and _class_of(value, largest) >= 3
        x, y = 20 + col * _TILE, 40 + row * _TILE
        shown = "no data" if value is None else dollars(value)
        parts.append(
            f'<g class="tile" data-state="{code}"><rect x="{x}" y="{y}" '
            f'width="{_TILE - 3}" height="{_TILE - 3}" rx="3" fill="{colour}">'
            f"<title>{code}: {shown}</title></rect>"
            f'<text x="{x + (_TILE - 3) / 2}" y="{y + _TILE / 2 + 2}" '
            f'text-anchor="middle" class="tile-label{" dark" if dark else ""}">'
            f"{code}</text></g>"
        )

    # Legend: the five classes with their dollar ranges.
    divisor, word = scale_for(largest)
    y = 40 + rows * _TILE + 14
    parts.append(f'<text x="20" y="{y + 12}" class="axis-label">{escape(unit)}:</text>')
    for number, colour in enumerate(MAP_COLOURS):
        low = largest * number / len(MAP_COLOURS) / divisor
        high = largest * (number + 1) / len(MAP_COLOURS) / divisor
        x = 20 + number * 130
        parts.append(
            f'<rect x="{x}" y="{y + 22}" width="18" height="14" fill="{colour}"/>'
            f'<text x="{x + 22}" y="{y + 33}" class="tick">'
            f"{low:,.1f}–{high:,.1f}{' ' + word[0] if word else ''}</text>"
        )
    parts.append(
        f'<rect x="{20 + 5 * 130}" y="{y + 22}" width="18" height="14" '
        f'fill="{NO_DATA}"/><text x="{20 + 5 * 130 + 22}" y="{y + 33}" '
        f'class="tick">no data</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _class_of(value: int, largest: int) -> int:
    share = max(value, 0) / largest
    return min(int(share * len(MAP_COLOURS)), len(MAP_COLOURS) - 1)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is >= value."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= value)


def _open(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
    )


def _title(title: str) -> str:
    return f'<text x="{_LEFT}" y="22" class="chart-title">{escape(title)}</text>'


def _legend(names: list[str], y: float) -> str:
    parts = []
    for number, name in enumerate(names):
        x = _LEFT + number * 160
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
            f'fill="{SERIES_COLOURS[number % len(SERIES_COLOURS)]}"/>'
            f'<text x="{x + 16}" y="{y}" class="tick">{escape(name)}</text>'
        )
    return "".join(parts)
