"""Geometry of the pages' SVG charts (the data is always also in a table next to the chart).
Pure functions: numbers in, coordinates out; the templates draw them."""

from __future__ import annotations

LABEL_W = 44  # the competence code ("2.1")
BAR_H = 16
GAP = 8
PLOT_W = 300
# Levels 0…5+ from light to dark (DSFR "bleu France" tints); contrast is not needed for meaning:
# the table beside the chart carries the figures.
COLOURS = ("#f5f5fe", "#e3e3fd", "#cacafb", "#8585f6", "#6a6af4", "#000091")
LEGEND = [(index, colour) for index, colour in enumerate(COLOURS)]


def levels_chart(levels: list[tuple[str, int | None]], *, maximum: int, target: int) -> dict:
    """Horizontal bars, one per competence: the level reached out of `maximum`, with a line at
    the school's target level."""
    bars = []
    for index, (code, level) in enumerate(levels):
        y = GAP + index * (BAR_H + GAP)
        width = round(PLOT_W * (level or 0) / maximum)
        bars.append(
            {
                "code": code,
                "y": y,
                "text_y": y + BAR_H - 3,
                "width": width,
                "value": "—" if level is None else str(level),
                "value_x": LABEL_W + width + 6,
            }
        )
    height = GAP + len(levels) * (BAR_H + GAP)
    return {
        "bars": bars,
        "width": LABEL_W + PLOT_W + 30,
        "height": height + 18,
        "label_w": LABEL_W,
        "bar_h": BAR_H,
        "target_x": LABEL_W + round(PLOT_W * target / maximum),
        "axis_y": height + 14,
        "ticks": [
            {"x": LABEL_W + round(PLOT_W * level / maximum), "label": str(level)}
            for level in range(0, maximum + 1)
        ],
    }


def distribution_chart(distribution: list[dict], pupils: int) -> dict:
    """One stacked bar per competence: how many pupils at each level bucket (0, 1, … 5+), then
    those not measured (left blank)."""
    rows = []
    for index, entry in enumerate(distribution):
        y = GAP + index * (BAR_H + GAP)
        x = LABEL_W
        parts = []
        for bucket, count in enumerate(entry["counts"]):
            width = round(PLOT_W * count / pupils) if pupils else 0
            if width:
                parts.append({"x": x, "width": width, "fill": COLOURS[bucket]})
            x += width
        rows.append({"code": entry["competence"].code, "y": y, "text_y": y + BAR_H - 3, "parts": parts})
    return {
        "rows": rows,
        "width": LABEL_W + PLOT_W + 10,
        "height": GAP + len(distribution) * (BAR_H + GAP),
        "label_w": LABEL_W,
        "bar_h": BAR_H,
        "plot_w": PLOT_W,
    }
