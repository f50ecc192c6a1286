"""Inline SVG charts (horizontal bars and donuts) drawn from :class:`Chart` data; no scripts, no external requests."""

from __future__ import annotations

import math
from decimal import Decimal

from markupsafe import Markup, escape

from hub.report.cells import format_value
from hub.report.model import Chart

__all__ = ["svg", "PALETTE"]

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#f97316", "#84cc16", "#ec4899", "#64748b")
_LABEL_CHARS = 19


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def svg(chart: Chart) -> Markup:
    """The chart as an accessible inline ``<svg>`` element."""
    points = [(str(label), float(value or 0), value) for label, value in chart.points]
    if not points or not any(v for _, v, _ in points):
        return Markup('<p class="nodata">{}</p>').format("No data for this chart.")
    return _bar(chart, points) if chart.type == "bar" else _donut(chart, points)


def _bar(chart: Chart, points: list[tuple[str, float, object]]) -> Markup:
    row, label_w, bar_w, width = 26, 170, 175, 420
    height = row * len(points) + 8
    top = max(abs(v) for _, v, _ in points) or 1.0
    parts = [
        f'<svg class="chart bar" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(chart.title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, raw) in enumerate(points):
        y = 4 + i * row
        w = max(1.0, bar_w * abs(value) / top) if value else 0.0
        parts.append(
            f"<g><title>{escape(label)}: {escape(format_value(raw, chart.kind))}</title>"
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" class="lbl">{escape(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 10}" rx="3" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" class="val">{escape(format_value(raw, chart.kind))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _donut(chart: Chart, points: list[tuple[str, float, object]]) -> Markup:
    total = sum(max(v, 0.0) for _, v, _ in points) or 1.0
    r, cx, cy, sw = 56.0, 80.0, 80.0, 26.0
    circ = 2 * math.pi * r
    height = max(160, 24 * len(points) + 16)
    parts = [
        f'<svg class="chart donut" viewBox="0 0 400 {height}" width="100%" role="img" '
        f'aria-label="{escape(chart.title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#e5e7eb" stroke-width="{sw}"/>',
    ]
    offset = 0.0
    for i, (label, value, raw) in enumerate(points):
        share = max(value, 0.0) / total
        dash = circ * share
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="{sw}" '
            f'stroke-dasharray="{dash:.2f} {circ - dash:.2f}" stroke-dashoffset="{-offset:.2f}" '
            f'transform="rotate(-90 {cx} {cy})"><title>{escape(label)}: {escape(format_value(raw, chart.kind))}</title></circle>'
        )
        offset += dash
        y = 16 + i * 24
        parts.append(
            f'<rect x="180" y="{y}" width="12" height="12" rx="2" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="198" y="{y + 11}" class="lbl">{escape(_short(label))}: {escape(format_value(raw, chart.kind))} '
            f"({share * 100:.0f} %)</text>"
        )
    total_raw = sum((Decimal(str(raw or 0)) for _, _, raw in points), Decimal(0))
    parts.append(
        f'<text x="{cx}" y="{cy + 6}" text-anchor="middle" class="total">{escape(format_value(total_raw, chart.kind))}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
