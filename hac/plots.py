"""The one place that draws plots: inline SVG, for ``report.html``, the console and notebooks.

No plotting library: a report is written at the end of every run, and the console draws the same
sections and the what-if comparisons with the same code. The rules every plot follows:

- text stays text, in the page's own font; every mark has a ``<title>`` (its label and number)
  and each plot an ``aria-label`` (its caption), which also stands under it;
- coordinates are rounded to a tenth, so the same figures always give the same bytes;
- the SVG names no namespace and no URL (it is inline in an HTML page);
- the tables beside each plot carry the same numbers, for whoever cannot see it.

The kinds: horizontal bars in layers (:func:`hbar_plot`: stacked counts, a part over its whole),
side-by-side stacked histograms (:func:`histograms`), grouped columns of percentages
(:func:`grouped_columns`) and signed horizontal bars about zero (:func:`signed_bars`: gains and
losses, shifts). What each section plots, and its colours, is its caller's
(:mod:`hac.report`, :mod:`whatif.plots`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Layer", "Plot", "grouped_columns", "hbar_plot", "histograms", "no_plot", "signed_bars", "ticks"]

FONT, SMALL = 12, 11  # px: labels, then ticks and numbers
ROW, BAR = 22, 15  # a horizontal bar's row and its thickness
INK, GRID = "#222", "#E4E4E4"
POSITIVE, NEGATIVE = "#0072B2", "#E69F00"  # signed bars: blue to the right, orange to the left (Okabe-Ito)


@dataclass(frozen=True)
class Plot:
    """An inline SVG plot with its caption, or (``svg`` empty) a note saying why there is none."""

    svg: Markup
    caption: str

    def _repr_html_(self) -> str:  # a notebook shows it as the pages do
        if not self.svg:
            return f"<p>{escape(self.caption)}</p>"
        return f"<figure>{self.svg}<figcaption>{escape(self.caption)}</figcaption></figure>"


@dataclass(frozen=True)
class Layer:
    """One series of a horizontal bar plot: a bar per row from ``starts[i]`` for ``lengths[i]``,
    drawn ``thin`` over the series before it (a part over its whole) or full height."""

    name: str
    colour: str
    starts: list[float]
    lengths: list[float]
    thin: bool = False


def no_plot(note: str) -> Plot:
    """No plot, and the note saying why (shown in its place)."""
    return Plot(Markup(""), note)


def hbar_plot(labels: list[str], layers: list[Layer], notes: list[str], xlabel: str, caption: str) -> Plot:
    """One row per label, top to bottom: each layer's bar, then the row's note after the longest."""
    label_width = _text_width(labels, FONT) + 10
    plot_width, top = 480, 30
    ends = [max(layer.starts[i] + layer.lengths[i] for layer in layers) for i in range(len(labels))]
    steps = ticks(max(ends))
    scale = plot_width / steps[-1]
    width = label_width + plot_width + _text_width(notes, SMALL) + 12
    height = top + ROW * len(labels) + 40
    marks = _legend([(layer.name, layer.colour) for layer in layers], label_width, 8)
    marks += _x_axis(steps, label_width, scale, top, top + ROW * len(labels), xlabel)
    for i, label in enumerate(labels):
        y = top + ROW * i
        marks.append(_text(label_width - 6, y + ROW / 2 + 4, label, FONT, anchor="end"))
        for layer in layers:
            thickness = BAR / 2 if layer.thin else BAR
            marks.append(_rect(label_width + scale * layer.starts[i], y + (ROW - thickness) / 2,
                               scale * layer.lengths[i], thickness, layer.colour,
                               f"{label}: {layer.name} {layer.lengths[i]:,}"))
        marks.append(_text(label_width + scale * ends[i] + 4, y + ROW / 2 + 4, notes[i], SMALL))
    return _plot(width, height, marks, caption)


def signed_bars(labels: list[str], values: list[int], xlabel: str, caption: str, *,
                names: tuple[str, str] = ("more", "fewer")) -> Plot:
    """One row per label, about a zero line: a positive value to the right (``names[0]``, blue), a
    negative one to the left (``names[1]``, orange), each numbered with its sign at the bar's end.
    Both sides share one scale, so equal changes have equal lengths. No rows: a note instead."""
    if not labels:
        return no_plot(f"{caption} No change.")
    notes = [f"{v:+,}" if v else "0" for v in values]
    label_width = _text_width(labels, FONT) + 10
    room = _text_width(notes, SMALL) + 8  # for the numbers beyond the longest bars
    half, top = 220, 30
    steps = ticks(max((abs(v) for v in values), default=0))
    scale = half / steps[-1]
    zero = label_width + room + half
    width = zero + half + room
    height = top + ROW * len(labels) + 40
    bottom = top + ROW * len(labels)
    marks = _legend([(names[0], POSITIVE), (names[1], NEGATIVE)], label_width + room, 8)
    for tick in sorted({-step for step in steps} | set(steps)):
        x = zero + tick * scale
        marks.append(_line(x, top, x, bottom, GRID))
        marks.append(_text(x, bottom + 15, f"{tick:+,}" if tick else "0", SMALL, anchor="middle"))
    marks.append(_line(zero - steps[-1] * scale, bottom, zero + steps[-1] * scale, bottom, INK))
    marks.append(_text(zero, bottom + 32, xlabel, SMALL, anchor="middle"))
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + ROW * i
        length = abs(value) * scale
        marks.append(_text(label_width - 6, y + ROW / 2 + 4, label, FONT, anchor="end"))
        if value >= 0:
            marks.append(_rect(zero, y + (ROW - BAR) / 2, length, BAR, POSITIVE, f"{label}: {notes[i]}"))
            marks.append(_text(zero + length + 4, y + ROW / 2 + 4, notes[i], SMALL))
        else:
            marks.append(_rect(zero - length, y + (ROW - BAR) / 2, length, BAR, NEGATIVE, f"{label}: {notes[i]}"))
            marks.append(_text(zero - length - 4, y + ROW / 2 + 4, notes[i], SMALL, anchor="end"))
    marks.append(_line(zero, top, zero, bottom, INK))
    return _plot(width, height, marks, caption)


def histograms(panels: list[tuple[str, dict[str, list[int]]]], series: list[tuple[str, str]], edges: list[int],
               xlabel: str, ylabel: str, caption: str) -> Plot:
    """Side by side, one stacked histogram per (title, counts per series and bin), on one y scale each."""
    panel_width, panel_height, left, top, gap = 300, 200, 52, 52, 40
    width = left + len(panels) * (panel_width + gap)
    height = top + panel_height + 44
    marks = _legend(series, left, 8)
    x_ticks = ticks(edges[-1])
    x_scale = panel_width / (edges[-1] - edges[0])
    bin_width = 5 * x_scale
    for p, (title, counts) in enumerate(panels):
        x0 = left + p * (panel_width + gap)
        totals = [sum(counts[name][b] for name, _ in series) for b in range(len(edges) - 1)]
        y_ticks = ticks(max(totals, default=0))
        y_scale = panel_height / y_ticks[-1]
        marks.append(_text(x0 + panel_width / 2, top - 10, title, FONT, anchor="middle", weight="600"))
        marks += _y_axis(y_ticks, x0, y_scale, top + panel_height, panel_width)
        bottom = top + panel_height
        for tick in x_ticks:
            if tick <= edges[-1]:
                x = x0 + (tick - edges[0]) * x_scale
                marks.append(_line(x, bottom, x, bottom + 4, INK))
                marks.append(_text(x, bottom + 16, f"{tick:,}", SMALL, anchor="middle"))
        marks.append(_text(x0 + panel_width / 2, bottom + 34, xlabel, SMALL, anchor="middle"))
        for b, (low, high) in enumerate(itertools.pairwise(edges)):
            stacked = 0
            for name, colour in series:
                n = counts[name][b]
                if n:
                    marks.append(_rect(x0 + (low - edges[0]) * x_scale, bottom - (stacked + n) * y_scale, bin_width,
                                       n * y_scale, colour, f"{title}: {low}-{high} points, {name} {n:,}",
                                       stroke="#FFFFFF"))
                    stacked += n
    marks.append(_text(14, top + panel_height / 2, ylabel, SMALL, anchor="middle", rotate=True))
    return _plot(width, height, marks, caption)


def grouped_columns(groups: list[tuple[str, str]], series: list[tuple[str, str, list[float]]], ylabel: str,
                    caption: str) -> Plot:
    """Vertical bars of percentages, one group per (first line, second line) label, one bar per series."""
    group_width, bar, left, top, plot_height = 96, 30, 52, 40, 180
    width = left + group_width * len(groups) + 10
    height = top + plot_height + 44
    steps = [0, 25, 50, 75, 100]
    scale = plot_height / 100
    bottom = top + plot_height
    marks = _legend([(name, colour) for name, colour, _ in series], left, 8)
    marks += _y_axis(steps, left, scale, bottom, group_width * len(groups), suffix="%")
    for g, (first, second) in enumerate(groups):
        centre = left + group_width * (g + 0.5)
        for s, (name, colour, values) in enumerate(series):
            x = centre + bar * (s - len(series) / 2)
            share = values[g]
            marks.append(_rect(x, bottom - share * scale, bar, share * scale, colour,
                               f"{first} {second}: {name} {round(share)}%"))
            marks.append(_text(x + bar / 2, bottom - share * scale - 3, f"{round(share)}%", SMALL - 1, anchor="middle"))
        marks.append(_text(centre, bottom + 16, first, SMALL, anchor="middle"))
        marks.append(_text(centre, bottom + 30, second, SMALL, anchor="middle"))
    marks.append(_text(14, top + plot_height / 2, ylabel, SMALL, anchor="middle", rotate=True))
    return _plot(width, height, marks, caption)


def ticks(largest: float) -> list[int]:
    """Round axis ticks from 0 to at least ``largest`` (a count): whole steps of 1, 2, 2.5 or 5
    times a power of ten, at most eight of them."""
    largest = max(largest, 1)
    magnitude = 10 ** math.floor(math.log10(largest / 8))
    step = next(int(m * magnitude) for m in (1, 2, 2.5, 5, 10)
                if float(m * magnitude).is_integer() and largest / (m * magnitude) <= 8)
    return [step * i for i in range(math.ceil(largest / step) + 1)]


# -- SVG marks --------------------------------------------------------------------------------


def _plot(width: float, height: float, marks: list[str], caption: str) -> Plot:
    """The marks as one inline SVG (no namespace needed inside HTML, so the page names no URL),
    labelled with the caption, which also stands under it."""
    svg = (f'<svg role="img" aria-label="{escape(caption)}" viewBox="0 0 {_at(width)} {_at(height)}" '
           f'width="{_at(width)}" height="{_at(height)}" font-size="{FONT}" fill="{INK}">\n' + "\n".join(filter(None, marks))
           + "\n</svg>")
    return Plot(Markup(svg), caption)


def _legend(items: list[tuple[str, str]], x: float, y: float) -> list[str]:
    """A row of swatches with their names, from (x, y) at the top left."""
    marks = []
    for name, colour in items:
        marks.append(f'<rect x="{_at(x)}" y="{_at(y)}" width="12" height="12" fill="{colour}"/>')
        marks.append(_text(x + 16, y + 10, name, SMALL))
        x += 16 + _text_width([name], SMALL) + 14
    return marks


def _x_axis(steps: list[float], x0: float, scale: float, top: float, bottom: float, label: str) -> list[str]:
    """Vertical grid lines at the ticks, the axis along the bottom, numbered, and its label."""
    marks = []
    for tick in steps:
        x = x0 + tick * scale
        marks.append(_line(x, top, x, bottom, GRID))
        marks.append(_text(x, bottom + 15, f"{tick:,}", SMALL, anchor="middle"))
    marks.append(_line(x0, bottom, x0 + steps[-1] * scale, bottom, INK))
    marks.append(_text(x0 + steps[-1] * scale / 2, bottom + 32, label, SMALL, anchor="middle"))
    return marks


def _y_axis(steps: list[float], x0: float, scale: float, bottom: float, width: float, suffix: str = "") -> list[str]:
    """Horizontal grid lines at the ticks, numbered on the left, and the base line."""
    marks = []
    for tick in steps:
        y = bottom - tick * scale
        marks.append(_line(x0, y, x0 + width, y, GRID if tick else INK))
        marks.append(_text(x0 - 5, y + 4, f"{tick:,}{suffix}", SMALL, anchor="end"))
    return marks


def _rect(x: float, y: float, width: float, height: float, colour: str, title: str, stroke: str = "") -> str:
    if width <= 0 or height <= 0:
        return ""
    outline = f' stroke="{stroke}" stroke-width="0.5"' if stroke else ""
    return (f'<rect x="{_at(x)}" y="{_at(y)}" width="{_at(width)}" height="{_at(height)}" fill="{colour}"{outline}>'
            f"<title>{escape(title)}</title></rect>")


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return f'<line x1="{_at(x1)}" y1="{_at(y1)}" x2="{_at(x2)}" y2="{_at(y2)}" stroke="{colour}"/>'


def _text(x: float, y: float, text: str, size: int, anchor: str = "start", weight: str = "",
          rotate: bool = False) -> str:
    attributes = f' text-anchor="{anchor}"' if anchor != "start" else ""
    attributes += f' font-weight="{weight}"' if weight else ""
    attributes += f' transform="rotate(-90 {_at(x)} {_at(y)})"' if rotate else ""
    return f'<text x="{_at(x)}" y="{_at(y)}" font-size="{size}"{attributes}>{escape(text)}</text>'


def _text_width(texts: list[str], size: int) -> float:
    """A generous estimate of the widest text's width in a sans-serif face (0.6 em a character)."""
    return max((len(t) for t in texts), default=0) * 0.6 * size


def _at(value: float) -> str:
    """A coordinate to a tenth, without a needless ``.0``."""
    return f"{value:.1f}".removesuffix(".0")
