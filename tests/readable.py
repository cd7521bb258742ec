"""Is a figure readable at its stated size? Every text is inside the canvas (no title or label
cut at the edge) and no legend lies over the data it explains."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

#: pixels a text may reach past the canvas's edge before it is called cut
SLACK = 1.0


def problems(fig: Figure) -> list[str]:
    """What a reader would stumble on in ``fig``, rendered at its own size and dpi."""
    canvas = FigureCanvasAgg(fig)  # as the PNG is drawn: the same renderer, size and dpi
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    hidden = _undrawn_tick_labels(fig)
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in hidden:
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -SLACK or box.y0 < -SLACK or box.x1 > width + SLACK or box.y1 > height + SLACK:
            found.append(f"cut at the edge: {text.get_text()[:60]!r}")
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer)
        points = _data_points(ax)
        inside = [(x, y) for x, y in points if box.x0 < x < box.x1 and box.y0 < y < box.y1]
        if inside:
            found.append(f"legend over {len(inside)} data points in {ax.get_title()[:50]!r}")
    return found


def _undrawn_tick_labels(fig: Figure) -> set[int]:
    """Tick labels Matplotlib keeps but does not draw: those of ticks outside the view."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low):
                    hidden |= {id(tick.label1), id(tick.label2)}
    return hidden


def _data_points(ax) -> np.ndarray:
    """Display coordinates of what the axes plot: line vertices and bar corners and centres."""
    pts = []
    for line in ax.get_lines():
        if isinstance(line, Line2D) and line.get_visible() and line.get_label() and len(line.get_xydata()):
            pts.append(ax.transData.transform(line.get_xydata()))
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_visible() and patch.get_width() and patch.get_height():
            corners = patch.get_bbox().get_points()
            box = ax.transData.transform(corners)
            (x0, y0), (x1, y1) = box
            pts.append(np.array([[x0, y0], [x1, y1], [(x0 + x1) / 2, (y0 + y1) / 2], [x0, y1], [x1, y0]]))
    for coll in ax.collections:
        if isinstance(coll, PathCollection | PolyCollection) and coll.get_visible():
            offsets = coll.get_offsets()
            if len(offsets):
                pts.append(ax.transData.transform(offsets))
    inside_axes = ax.bbox
    allpts = np.concatenate(pts) if pts else np.empty((0, 2))
    keep = ((allpts[:, 0] >= inside_axes.x0) & (allpts[:, 0] <= inside_axes.x1)
            & (allpts[:, 1] >= inside_axes.y0) & (allpts[:, 1] <= inside_axes.y1))  # fmt: skip
    return allpts[keep]
