"""The figures of the report's housing part, drawn with matplotlib in the report's style
(:data:`samen.analytics.plots.chart_style`) and embedded as SVG: the neighbourhoods coloured by
their composition (the start, and each scenario at the end), and a share or an index over the
years per scenario with its range over the runs. They take numbers and translated labels."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter, MaxNLocator

from samen.analytics.plots import GRID_COLOUR, NO_DATA_COLOUR, chart_style, share_colours

#: scenario colours (Okabe and Ito 2008, safe for the common kinds of colour blindness) and
#: markers, so that no line is told apart by its colour alone
LINE_COLOURS = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def hood_maps(
    panels: Sequence[tuple[str, Sequence[float]]],
    outlines: Sequence[Sequence[tuple[float, float]]],
    watched: Sequence[bool],
    city_share: float | None,
    *,
    colourbar: str,
    fmt_pct: Callable[[float, int], str],
) -> Figure:
    """One small map per panel ``(title, share per neighbourhood)``: each neighbourhood's
    outline filled by its share on one colour scale (white at ``city_share``), the share
    written on it; ``watched`` neighbourhoods drawn with a thick outline."""
    with chart_style():
        k = len(panels)
        cols = min(3, k)
        rows = math.ceil(k / cols)
        pts = np.array([p for o in outlines for p in o], dtype=np.float64).reshape(-1, 2)
        x0, y0 = pts.min(axis=0) if len(pts) else (0.0, 0.0)
        x1, y1 = pts.max(axis=0) if len(pts) else (1.0, 1.0)
        ratio = (y1 - y0 + 1.0) / (x1 - x0 + 1.0)
        width = 7.5
        fig = Figure(figsize=(width, rows * min(max(width / cols * ratio, 1.8), 4.0) + 1.0))
        values = np.array([s for _, shares in panels for s in shares], dtype=np.float64)
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 1.0
        cmap, norm = share_colours(city_share, top)
        for i, (title, shares) in enumerate(panels):
            ax = fig.add_subplot(rows, cols, i + 1)
            ax.set_aspect("equal")
            ax.set_facecolor("#f4f4f2")
            for h, outline in enumerate(outlines):
                if len(outline) < 3:
                    continue
                v = float(shares[h])
                face = cmap(norm(v)) if math.isfinite(v) else NO_DATA_COLOUR
                ax.add_patch(
                    Polygon(
                        np.asarray(outline),
                        closed=True,
                        facecolor=face,
                        edgecolor="#111111" if watched[h] else "#555555",
                        linewidth=2.2 if watched[h] else 0.6,
                        zorder=2 if watched[h] else 1,
                    )
                )
                cx, cy = np.asarray(outline).mean(axis=0)
                ax.text(
                    cx,
                    cy,
                    fmt_pct(v, 0) if math.isfinite(v) else "",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    zorder=3,
                    path_effects=[patheffects.withStroke(linewidth=2, foreground="white")],
                )
            pad = 0.03 * max(x1 - x0, y1 - y0, 1.0)
            ax.set_xlim(x0 - pad, x1 + pad)
            ax.set_ylim(y0 - pad, y1 + pad)
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(True)
                side.set_edgecolor("#999999")
            ax.set_title(_wrap(title, 30), fontsize=8.5)
        bar = fig.colorbar(
            ScalarMappable(norm=norm, cmap=cmap),
            ax=fig.axes,
            orientation="horizontal",
            fraction=0.05,
            pad=0.04,
            shrink=0.6,
        )
        bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_pct(v, 0)))
        bar.set_label(colourbar)
        bar.outline.set_linewidth(0.5)
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:2]) or text


def trend_chart(
    years: Sequence[str],
    lines: Sequence[tuple[str, Sequence[float], Sequence[float], Sequence[float]]],
    *,
    fmt: Callable[[float], str],
    ylabel: str,
) -> Figure:
    """A metric over the years, one line per scenario ``(name, mean, lo, hi)`` with a
    marker of its own and its range over the runs as a light band."""
    with chart_style():
        fig = Figure(figsize=(3.7, 2.9))
        ax = fig.add_subplot()
        x = np.array([int(y) if str(y).isdigit() else i for i, y in enumerate(years)])
        for j, (name, mean, lo, hi) in enumerate(lines):
            colour = LINE_COLOURS[j % len(LINE_COLOURS)]
            m = np.asarray(mean, dtype=np.float64)
            lo_a, hi_a = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
            ok = np.isfinite(lo_a) & np.isfinite(hi_a)
            if ok.any():
                ax.fill_between(x[ok], lo_a[ok], hi_a[ok], color=colour, alpha=0.12, linewidth=0)
            ax.plot(
                x[np.isfinite(m)],
                m[np.isfinite(m)],
                color=colour,
                marker=MARKERS[j % len(MARKERS)],
                markersize=3.5,
                linewidth=1.3,
                label=_wrap(name, 26),
            )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.set_ylabel(ylabel, fontsize=8)
        ax.grid(color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=2,
            frameon=False,
            fontsize=7,
        )
        fig.tight_layout()
    return fig


__all__ = ["LINE_COLOURS", "MARKERS", "hood_maps", "trend_chart"]
