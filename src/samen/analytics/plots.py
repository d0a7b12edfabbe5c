"""The figures of ``samen report``, drawn with matplotlib and embedded as SVG.

Every function builds a :class:`matplotlib.figure.Figure` without pyplot (no global state, no
GUI backend: safe in a server or a notebook) and :func:`svg_uri` turns a figure into a
``data:image/svg+xml;base64,...`` URI for an ``<img>`` element, so the report is one file that
opens offline. Text is drawn as paths with the DejaVu Sans font that ships with matplotlib:
the figure looks the same on every machine, and the same data give the same bytes.

The functions take plain numbers and already translated labels; :mod:`samen.analytics.report`
computes the numbers and the words. Coordinates for :func:`map_chart` are in metres (the report
projects latitude and longitude first).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib import colormaps, patheffects, rc_context
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from samen.analytics.geometry import convex_hull

__all__ = [
    "ALL_COLOUR",
    "INDICATOR_COLOUR",
    "OTHER_COLOUR",
    "Bars",
    "chart_style",
    "convex_hull",
    "decomposition_chart",
    "index_chart",
    "map_chart",
    "rank_chart",
    "scenario_chart",
    "school_chart",
    "share_colours",
    "svg_uri",
]

#: colours of the groups (ColorBrewer PuOr, safe for the common kinds of colour blindness)
INDICATOR_COLOUR = "#5e3c99"
OTHER_COLOUR = "#e66101"
ALL_COLOUR = "#6b6b6b"
RANGE_COLOUR = "#b2abd2"
BENCHMARK_COLOUR = "#1a1a1a"
GRID_COLOUR = "#dddddd"
NO_DATA_COLOUR = "#bdbdbd"

_STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "samen-report",
    "path.simplify": True,
}

Formatter = Callable[..., str]


@contextmanager
def _style() -> Iterator[None]:
    with rc_context(_STYLE):  # type: ignore[arg-type]  # the keys are valid rcParams
        yield


#: the report's figure style, for figures drawn in other modules (a context manager)
chart_style = _style


def svg_uri(fig: Figure) -> str:
    """The figure as a ``data:image/svg+xml;base64,...`` URI (no date: same figure, same
    bytes)."""
    buf = io.BytesIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _pct_axis(fmt_pct: Callable[[float, int], str]) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fmt_pct(v, 0))


# --------------------------------------------------------------------------- colours


def share_colours(city_share: float | None, top: float | None = None) -> tuple[Colormap, Normalize]:
    """The colour scale of the shares of indicator pupils: white at the city's share, purple
    above it, orange below it (ColorBrewer PuOr). ``top`` is the largest share to show."""
    cmap = colormaps["PuOr"]
    if city_share is None or not 0.0 < city_share < 1.0:
        return cmap, Normalize(0.0, 1.0)
    vmax = 1.0 if top is None else min(1.0, max(top, 2.0 * city_share, city_share + 0.05))
    vmax = max(vmax, city_share + 1e-6)
    return cmap, TwoSlopeNorm(vcenter=city_share, vmin=0.0, vmax=vmax)


# --------------------------------------------------------------------------- rank chart


@dataclass(frozen=True)
class Bars:
    """One group's bars: a value per category and the range over other draws (NaN: none)."""

    label: str
    colour: str
    values: Sequence[float]
    lo: Sequence[float]
    hi: Sequence[float]


def rank_chart(
    categories: Sequence[str],
    series: Sequence[Bars],
    *,
    ylabel: str,
    fmt_pct: Callable[[float, int], str],
) -> Figure:
    """Grouped bars: the share of each group of children per choice received."""
    with _style():
        k, g = len(categories), max(len(series), 1)
        fig = Figure(figsize=(max(5.5, 0.9 * k + 2.5), 3.4))
        ax = fig.add_subplot()
        x = np.arange(k)
        width = 0.8 / g
        top = 0.0
        for i, s in enumerate(series):
            v, lo, hi = _finite(s.values), _finite(s.lo), _finite(s.hi)
            pos = x - 0.4 + width * (i + 0.5)
            ax.bar(pos, v, width * 0.9, color=s.colour, label=s.label, zorder=2)
            ok = np.isfinite(lo) & np.isfinite(hi)
            if ok.any():
                ax.errorbar(
                    pos[ok],
                    v[ok],
                    yerr=[np.maximum(v[ok] - lo[ok], 0), np.maximum(hi[ok] - v[ok], 0)],
                    fmt="none",
                    ecolor="black",
                    elinewidth=0.9,
                    capsize=2,
                    zorder=3,
                )
                top = max(top, float(np.nanmax(hi[ok])))
            top = max(top, float(np.nanmax(v)) if v.size else 0.0)
        ax.set_xticks(x, list(categories))
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_pct_axis(fmt_pct))
        ax.set_ylim(0, min(1.0, top * 1.08) if top > 0 else 1.0)
        ax.grid(axis="y", color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        if len(series) > 1:
            ax.legend(frameon=False, loc="upper right")
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- schools


def school_chart(
    names: Sequence[str],
    share: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    nearest: Sequence[float] | None,
    hood: Sequence[float] | None,
    city_share: float,
    *,
    labels: dict[str, str],
    fmt_pct: Callable[[float, int], str],
) -> Figure:
    """One row per school, sorted by the share of indicator pupils after the allocation: that
    share (dot) with its range over other draws (bar), the share if every child went to its
    nearest school (open circle) and the share of the school's neighbourhood (diamond).

    Above 60 schools the rows would not be readable: the figure is then a scatter plot of the
    share after the allocation against the nearest-school share, one dot per school.

    ``labels``: ``allocation``, ``range``, ``nearest``, ``hood``, ``city``, ``xlabel`` and,
    for the scatter plot, ``ylabel_scatter``, ``xlabel_scatter``.
    """
    s, lo_a, hi_a = _finite(share), _finite(lo), _finite(hi)
    near = _finite(nearest) if nearest is not None else None
    nb = _finite(hood) if hood is not None else None
    if len(names) > 60 and near is not None:
        return _school_scatter(s, near, city_share, labels=labels, fmt_pct=fmt_pct)
    with _style():
        order = np.argsort(np.where(np.isfinite(s), -s, np.inf), kind="stable")
        m = len(order)
        fig = Figure(figsize=(7.5, 1.3 + 0.27 * m))
        ax = fig.add_subplot()
        y = np.arange(m)[::-1]
        so = s[order]
        ok = np.isfinite(lo_a[order]) & np.isfinite(hi_a[order])
        ax.hlines(
            y[ok],
            lo_a[order][ok],
            hi_a[order][ok],
            color=RANGE_COLOUR,
            linewidth=5,
            zorder=1,
            label=labels["range"],
        )
        ax.axvline(city_share, color="#777777", linestyle="--", linewidth=1, zorder=0)
        if nb is not None and np.isfinite(nb).any():
            ax.scatter(
                nb[order],
                y,
                marker="D",
                s=26,
                facecolor="white",
                edgecolor=OTHER_COLOUR,
                linewidth=1.4,
                zorder=3,
                label=labels["hood"],
            )
        if near is not None and np.isfinite(near).any():
            ax.scatter(
                near[order],
                y,
                marker="o",
                s=34,
                facecolor="none",
                edgecolor=BENCHMARK_COLOUR,
                linewidth=1.2,
                zorder=4,
                label=labels["nearest"],
            )
        ax.scatter(
            so, y, marker="o", s=30, color=INDICATOR_COLOUR, zorder=5, label=labels["allocation"]
        )
        short = [_shorten(names[i]) for i in order]
        ax.set_yticks(y, short)
        ax.set_ylim(-0.7, m - 0.3)
        ax.set_xlim(-0.015, 1.015)
        ax.xaxis.set_major_formatter(_pct_axis(fmt_pct))
        ax.set_xlabel(labels["xlabel"])
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        found = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
        keys = [labels[k] for k in ("allocation", "range", "nearest", "hood")]
        texts = [k for k in keys if k in found]
        handles = [found[k] for k in texts]
        handles.append(Line2D([], [], color="#777777", linestyle="--", linewidth=1))
        texts.append(labels["city"])
        fig.legend(
            handles,
            texts,
            loc="upper center",
            ncol=min(3, len(handles)),
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
        )
        fig.tight_layout(rect=(0, 0, 1, 1 - min(0.5, 0.62 / (1.3 + 0.27 * m))))
    return fig


def _school_scatter(
    share: np.ndarray,
    nearest: np.ndarray,
    city_share: float,
    *,
    labels: dict[str, str],
    fmt_pct: Callable[[float, int], str],
) -> Figure:
    with _style():
        fig = Figure(figsize=(6, 6))
        ax = fig.add_subplot()
        ok = np.isfinite(share) & np.isfinite(nearest)
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=1, zorder=0)
        ax.axhline(city_share, color="#777777", linestyle="--", linewidth=1, zorder=0)
        ax.scatter(
            nearest[ok], share[ok], s=14, color=INDICATOR_COLOUR, alpha=0.7, linewidth=0, zorder=2
        )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.xaxis.set_major_formatter(_pct_axis(fmt_pct))
        ax.yaxis.set_major_formatter(_pct_axis(fmt_pct))
        ax.set_xlabel(labels["xlabel_scatter"])
        ax.set_ylabel(labels["ylabel_scatter"])
        ax.grid(color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        fig.tight_layout()
    return fig


def _shorten(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- map


def _core(points: np.ndarray, keep: float = 0.9) -> np.ndarray:
    """The points nearest to the median centre (a share ``keep``), so that a few homes far
    away do not stretch a neighbourhood's outline across the city."""
    if len(points) < 8:
        return points
    centre = np.median(points, axis=0)
    d = np.hypot(*(points - centre).T)
    return points[d <= np.quantile(d, keep)]


def _label_spot(hull: np.ndarray, avoid: np.ndarray) -> np.ndarray:
    """Where to write a neighbourhood's name: the point, among the hull's centre and the
    points halfway between the centre and each corner, farthest from every school marker."""
    centre = hull.mean(axis=0)
    candidates = np.vstack([centre, centre + 0.5 * (hull - centre)])
    if len(avoid) == 0:
        return centre
    d = np.hypot(
        candidates[:, None, 0] - avoid[None, :, 0], candidates[:, None, 1] - avoid[None, :, 1]
    ).min(axis=1)
    d[0] *= 1.15  # prefer the centre when it is about as free
    return candidates[int(np.argmax(d))]


def _nice_length(span: float) -> float:
    """A round length (1, 2 or 5 times a power of ten) near a fifth of ``span`` metres."""
    target = max(span / 5.0, 1.0)
    power = 10.0 ** math.floor(math.log10(target))
    for f in (5.0, 2.0, 1.0):
        if f * power <= target:
            return f * power
    return power


def _hood_shapes(
    ax: Any,
    child_xy: np.ndarray,
    has_c: np.ndarray,
    hood_of_child: np.ndarray,
    hood_share: np.ndarray,
    colours: tuple[Colormap, Normalize, bool],
) -> list[tuple[float, int, np.ndarray]]:
    """Each neighbourhood as the outline of its children's homes, filled by its share;
    returns (area, neighbourhood, hull) of those drawn."""
    cmap, norm, coloured = colours
    shapes = []
    for k in range(len(hood_share)):
        pts = child_xy[(hood_of_child == k) & has_c]
        if len(pts) < 3:
            continue
        hull = convex_hull(_core(pts))
        if len(hull) < 3:
            continue
        area = 0.5 * abs(
            float(np.dot(hull[:, 0], np.roll(hull[:, 1], 1)))
            - float(np.dot(hull[:, 1], np.roll(hull[:, 0], 1)))
        )
        shapes.append((area, k, hull))
    for _area, k, hull in sorted(shapes, key=lambda t: -t[0]):
        v = hood_share[k]
        face = cmap(norm(v)) if coloured and np.isfinite(v) else NO_DATA_COLOUR
        ax.add_patch(
            Polygon(
                hull,
                closed=True,
                facecolor=face,
                edgecolor="#444444",
                linewidth=0.7,
                alpha=0.65,
                zorder=1,
            )
        )
    return shapes


def _hood_labels(
    ax: Any,
    shapes: list[tuple[float, int, np.ndarray]],
    schools_at: np.ndarray,
    hood_names: Sequence[str],
    hood_share: np.ndarray,
    coloured: bool,
    fmt_pct: Callable[[float, int], str],
) -> None:
    for _area, k, hull in shapes:
        centre = _label_spot(hull, schools_at)
        text = hood_names[k]
        if coloured and np.isfinite(hood_share[k]):
            text += "\n" + fmt_pct(float(hood_share[k]), 0)
        ax.text(
            centre[0],
            centre[1],
            text,
            ha="center",
            va="center",
            fontsize=7,
            color="#222222",
            zorder=2,
            path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")],
        )


def _homes(
    ax: Any,
    child_xy: np.ndarray,
    has_c: np.ndarray,
    child_flag: np.ndarray | None,
    colours: tuple[Colormap, Normalize, bool],
    min_children: int,
) -> None:
    """Hexagons of homes (only those with at least ``min_children`` children)."""
    cmap, norm, coloured = colours
    cx, cy = child_xy[:, 0], child_xy[:, 1]
    grid = int(np.clip(math.sqrt(has_c.sum() / 6.0), 8, 40))
    if coloured:
        assert child_flag is not None
        ax.hexbin(
            cx[has_c],
            cy[has_c],
            C=child_flag[has_c].astype(np.float64),
            reduce_C_function=np.mean,
            gridsize=grid,
            mincnt=min_children,
            cmap=cmap,
            norm=norm,
            linewidths=0.2,
            edgecolors="#ffffff",
            zorder=1,
        )
    else:
        ax.hexbin(
            cx[has_c],
            cy[has_c],
            gridsize=grid,
            mincnt=min_children,
            cmap=colormaps["Greys"],
            linewidths=0.2,
            edgecolors="#ffffff",
            zorder=1,
        )


def _schools(
    ax: Any,
    school_xy: np.ndarray,
    has_s: np.ndarray,
    cap: np.ndarray,
    school_share: np.ndarray | None,
    school_labels: Sequence[str],
    colours: tuple[Colormap, Normalize, bool],
    span: float,
) -> tuple[float, float]:
    """The schools as circles sized by seats, filled by their share; returns the largest
    capacity and the marker scale (for the legend)."""
    cmap, norm, coloured = colours
    sx, sy = school_xy[:, 0], school_xy[:, 1]
    big = float(cap[has_s].max()) if has_s.any() and cap[has_s].max() > 0 else 1.0
    # marker areas shrink with many schools, so that a big city stays readable
    scale = min(1.0, 6.0 / math.sqrt(max(int(has_s.sum()), 1)))
    sizes = scale * (30.0 + 370.0 * (cap / big))
    if school_share is not None and coloured:
        faces = [cmap(norm(v)) if np.isfinite(v) else NO_DATA_COLOUR for v in school_share[has_s]]
    else:
        faces = ["#ffffff"] * int(has_s.sum())
    ax.scatter(
        sx[has_s],
        sy[has_s],
        s=sizes[has_s],
        c=faces,
        edgecolors="black",
        linewidths=1.1 if scale > 0.5 else 0.6,
        zorder=4,
    )
    if int(has_s.sum()) <= 60:
        placed: list[tuple[float, float]] = []
        for i in sorted(np.flatnonzero(has_s), key=lambda i: -cap[i]):
            # leave out labels that would overlap one already placed (dense centres)
            if any(math.hypot(sx[i] - px, sy[i] - py) < 0.045 * span for px, py in placed):
                continue
            placed.append((float(sx[i]), float(sy[i])))
            r = math.sqrt(sizes[i]) / 2 + 1.5
            ax.annotate(
                school_labels[i],
                (sx[i], sy[i]),
                xytext=(r, r),
                textcoords="offset points",
                fontsize=7,
                color="#111111",
                zorder=5,
                path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")],
            )
    return big, scale


def _scale_bar(ax: Any, box: tuple[float, float, float, float], fmt_metres: Formatter) -> None:
    """A scale bar in the lower left corner of the map ``(x0, x1, y0, span)``."""
    x0, x1, y0, span = box
    pad = 0.04 * span
    length = _nice_length(x1 - x0 + 2 * pad)
    bx, by = x0 - pad + 0.04 * span, y0 - pad + 0.04 * span
    ax.add_patch(
        Rectangle((bx, by), length, 0.008 * span, facecolor="black", edgecolor="none", zorder=6)
    )
    ax.text(
        bx + length / 2,
        by + 0.018 * span,
        fmt_metres(length),
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=6,
        path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
    )


def _size_legend(ax: Any, big: float, scale: float, seats: str) -> None:
    steps = sorted({_round_seats(big * f) for f in (0.25, 0.5, 1.0)})
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=math.sqrt(scale * (30.0 + 370.0 * v / big)),
            markerfacecolor="white",
            markeredgecolor="black",
        )
        for v in steps
    ]
    ax.legend(
        handles,
        [seats.format(n=v) for v in steps],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        labelspacing=1.4,
        borderpad=0.8,
    )


def _colour_bar(
    fig: Figure,
    ax: Any,
    cmap: Colormap,
    norm: Normalize,
    city_share: float | None,
    label: str,
    fmt_pct: Callable[[float, int], str],
) -> None:
    bar = fig.colorbar(
        ScalarMappable(norm=norm, cmap=cmap),
        ax=ax,
        orientation="horizontal",
        fraction=0.045,
        pad=0.03,
        shrink=0.7,
    )
    top_v = float(norm.vmax if norm.vmax is not None else 1.0)
    base = [0.0, float(city_share or 0.0), top_v]
    extra = [
        t for t in (0.25, 0.5, 0.75) if t < top_v and all(abs(t - b) > 0.1 * top_v for b in base)
    ]
    bar.set_ticks(sorted(base + extra))
    bar.ax.xaxis.set_major_formatter(_pct_axis(fmt_pct))
    bar.set_label(label)
    bar.outline.set_linewidth(0.5)


def map_chart(
    *,
    school_xy: np.ndarray,
    capacity: np.ndarray,
    school_share: np.ndarray | None,
    school_labels: Sequence[str],
    child_xy: np.ndarray,
    child_flag: np.ndarray | None,
    hood_of_child: np.ndarray | None,
    hood_share: np.ndarray | None,
    hood_names: Sequence[str] | None,
    city_share: float | None,
    labels: dict[str, str],
    fmt_pct: Callable[[float, int], str],
    fmt_metres: Formatter,
    min_children: int = 10,
) -> Figure:
    """A map from coordinates in metres (no tiles): neighbourhoods as the outline (convex hull)
    of their children's homes, filled by the neighbourhood's share of indicator pupils; with no
    neighbourhoods, hexagons of homes filled by their share (only hexagons with at least
    ``min_children`` children, so that no child can be picked out). Schools are circles sized
    by seats and filled by their share of indicator pupils after the allocation, on the same
    colour scale. ``labels``: ``colourbar``, ``seats`` (with ``{n}``), ``children`` (the
    density legend when there is no indicator flag).
    """
    with _style():
        sx, sy = school_xy[:, 0], school_xy[:, 1]
        cx, cy = child_xy[:, 0], child_xy[:, 1]
        has_s = np.isfinite(sx) & np.isfinite(sy)
        has_c = np.isfinite(cx) & np.isfinite(cy)
        all_x = np.concatenate([sx[has_s], cx[has_c]])
        all_y = np.concatenate([sy[has_s], cy[has_c]])
        x0, x1 = float(all_x.min()), float(all_x.max())
        y0, y1 = float(all_y.min()), float(all_y.max())
        span = max(x1 - x0, y1 - y0, 1.0)
        pad = 0.04 * span
        width = 7.5
        ratio = (y1 - y0 + 2 * pad) / max(x1 - x0 + 2 * pad, 1.0)
        fig = Figure(figsize=(width, min(max(width * ratio, 3.5), 10.0) + 1.0))
        ax = fig.add_subplot()
        ax.set_facecolor("#f4f4f2")
        ax.set_aspect("equal")
        tops = [0.0]
        if school_share is not None:
            tops.append(float(np.nanmax(school_share)) if np.isfinite(school_share).any() else 0)
        if hood_share is not None and np.isfinite(hood_share).any():
            tops.append(float(np.nanmax(hood_share)))
        coloured = child_flag is not None and city_share is not None
        cmap, norm = share_colours(city_share if coloured else None, max(tops))
        colours = (cmap, norm, coloured)
        if hood_of_child is not None and hood_share is not None:
            shapes = _hood_shapes(ax, child_xy, has_c, hood_of_child, hood_share, colours)
            if hood_names is not None and len(shapes) <= 40:
                _hood_labels(
                    ax, shapes, school_xy[has_s], hood_names, hood_share, coloured, fmt_pct
                )
        elif has_c.sum() >= min_children:
            _homes(ax, child_xy, has_c, child_flag, colours, min_children)
        cap = np.asarray(capacity, dtype=np.float64)
        big, scale = _schools(ax, school_xy, has_s, cap, school_share, school_labels, colours, span)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(True)
            side.set_edgecolor("#999999")
        _scale_bar(ax, (x0, x1, y0, span), fmt_metres)
        _size_legend(ax, big, scale, labels["seats"])
        if coloured:
            _colour_bar(fig, ax, cmap, norm, city_share, labels["colourbar"], fmt_pct)
        fig.tight_layout()
    return fig


def _round_seats(v: float) -> int:
    if v <= 10:
        return max(1, round(v))
    power = 10 ** math.floor(math.log10(v))
    step = power / 2 if v / power < 3 else power
    return int(max(step, round(v / step) * step))


# --------------------------------------------------------------------------- indices


def index_chart(
    rows: Sequence[tuple[str, float, float, float, float]],
    *,
    labels: dict[str, str],
    fmt_num: Formatter,
) -> Figure:
    """One row per index: this allocation (dot) with its range over other draws (bar) and
    the nearest-school benchmark (open square). ``rows``: (label, value, lo, hi, benchmark).
    All indices here lie between 0 and 1. ``labels``: ``allocation``, ``range``,
    ``nearest``."""
    with _style():
        k = len(rows)
        names = [textwrap.fill(r[0], 28) for r in rows]
        lines = max((n.count("\n") + 1 for n in names), default=1)
        fig = Figure(figsize=(6.8, 1.3 + (0.2 + 0.17 * lines) * k))
        ax = fig.add_subplot()
        y = np.arange(k)[::-1]
        first = [True, True, True]
        for yi, (_label, v, lo, hi, bench) in zip(y, rows, strict=True):
            if np.isfinite(lo) and np.isfinite(hi):
                ax.hlines(
                    yi,
                    lo,
                    hi,
                    color=RANGE_COLOUR,
                    linewidth=6,
                    zorder=1,
                    label=labels["range"] if first[0] else "_nolegend_",
                )
                first[0] = False
            if np.isfinite(bench):
                ax.scatter(
                    [bench],
                    [yi],
                    marker="s",
                    s=40,
                    facecolor="none",
                    edgecolor=BENCHMARK_COLOUR,
                    linewidth=1.3,
                    zorder=3,
                    label=labels["nearest"] if first[1] else "_nolegend_",
                )
                first[1] = False
            if np.isfinite(v):
                ax.scatter(
                    [v],
                    [yi],
                    marker="o",
                    s=36,
                    color=INDICATOR_COLOUR,
                    zorder=4,
                    label=labels["allocation"] if first[2] else "_nolegend_",
                )
                first[2] = False
                ax.annotate(
                    fmt_num(v),
                    (v, yi),
                    xytext=(0, 7),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7.5,
                    color=INDICATOR_COLOUR,
                )
        ax.set_yticks(y, names)
        ax.set_ylim(-0.7, k - 0.2)
        ax.set_xlim(-0.01, 1.01)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v, 1)))
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        found = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
        texts = [labels[k] for k in ("allocation", "range", "nearest") if labels[k] in found]
        wide = sum(len(t) for t in texts) > 60  # a long legend in one row widens the figure
        ax.legend(
            [found[t] for t in texts],
            texts,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12 - 0.25 / max(k, 1)),
            ncol=1 if wide else 3,
            frameon=False,
        )
        fig.tight_layout()
    return fig


def decomposition_chart(
    bars: Sequence[tuple[str, float, float]],
    *,
    labels: dict[str, str],
    fmt_num: Formatter,
) -> Figure:
    """Stacked horizontal bars: M split into the part between neighbourhoods and the part
    within them. ``bars``: (label, between, within). ``labels``: ``between``, ``within``,
    ``xlabel``."""
    with _style():
        k = len(bars)
        fig = Figure(figsize=(7.5, 1.1 + 0.5 * k))
        ax = fig.add_subplot()
        y = np.arange(k)[::-1]
        between = np.array([b[1] for b in bars])
        within = np.array([b[2] for b in bars])
        ax.barh(y, between, height=0.55, color=INDICATOR_COLOUR, label=labels["between"])
        ax.barh(y, within, left=between, height=0.55, color=RANGE_COLOUR, label=labels["within"])
        for yi, b, w in zip(y, between, within, strict=True):
            ax.annotate(
                fmt_num(b + w),
                (b + w, yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.set_yticks(y, [b[0] for b in bars])
        top = float(np.nanmax(between + within)) if k else 1.0
        ax.set_xlim(0, max(top * 1.25, 0.01))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_num(v, 2)))
        ax.set_xlabel(labels["xlabel"])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.25), ncol=2, frameon=False)
        fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- scenarios


def scenario_chart(
    title: str | None,
    names: Sequence[str],
    mean: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    benchmark: float | None,
    *,
    fmt: Formatter,
    benchmark_label: str,
) -> Figure:
    """One metric across the scenario variants: the mean (dot) and its interval (bar), with
    the neighbourhood benchmark as a dashed line when the scenarios file gives one. ``title``
    (None: none) goes above the plot; the report puts it in the caption instead."""
    with _style():
        k = len(names)
        fig = Figure(figsize=(3.6, 0.95 + 0.3 * k))
        ax = fig.add_subplot()
        y = np.arange(k)[::-1]
        m, lo_a, hi_a = _finite(mean), _finite(lo), _finite(hi)
        ok = np.isfinite(lo_a) & np.isfinite(hi_a)
        ax.hlines(y[ok], lo_a[ok], hi_a[ok], color=RANGE_COLOUR, linewidth=5, zorder=1)
        ax.scatter(m, y, color=INDICATOR_COLOUR, s=30, zorder=3)
        values = np.concatenate([m[np.isfinite(m)], lo_a[ok], hi_a[ok]])
        if benchmark is not None and np.isfinite(benchmark):
            ax.axvline(
                benchmark,
                color=BENCHMARK_COLOUR,
                linestyle="--",
                linewidth=1,
                label=benchmark_label,
            )
            values = np.append(values, benchmark)
            ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
        if values.size:
            lo_v, hi_v = float(values.min()), float(values.max())
            margin = (hi_v - lo_v) * 0.12 or max(abs(hi_v) * 0.1, 0.01)
            ax.set_xlim(lo_v - margin, hi_v + margin)
        ax.set_yticks(y, [_shorten(n, 22) for n in names])
        ax.set_ylim(-0.6, k - 0.4)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt(v)))
        ax.xaxis.set_major_locator(_few_ticks())
        if title:
            ax.set_title(title, loc="left", fontweight="bold")
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        fig.tight_layout()
    return fig


def _few_ticks() -> MaxNLocator:
    return MaxNLocator(nbins=3)
