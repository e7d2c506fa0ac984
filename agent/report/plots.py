"""Small inline-SVG line plots: the report must open offline, so no chart library."""
from __future__ import annotations

import math

from markupsafe import Markup, escape

W, H = 420, 260
PAD_L, PAD_R, PAD_T, PAD_B = 48, 16, 16, 40
COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c"]


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() and abs(v) >= 1 else f"{v:.3g}"


def line_plot(series: dict[str, list[tuple[float, float]]], x_label: str, y_label: str, *,
              log2_x: bool = False, step: bool = False, title: str = "") -> Markup:
    """`series`: name -> points. log2_x suits sample counts N = 1, 2, 4, 8 …; `step` draws a
    staircase (a cumulative count changes only at each point)."""
    pts = [(x, y) for s in series.values() for x, y in s if x is not None and y is not None]
    if not pts:
        return Markup('<p class="muted">no data to plot</p>')
    tx = (lambda x: math.log2(max(x, 1e-9))) if log2_x else (lambda x: x)
    xs, ys = [tx(x) for x, _ in pts], [y for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)

    def px(x):
        return PAD_L + (tx(x) - x0) / (x1 - x0) * (W - PAD_L - PAD_R)

    def py(y):
        return H - PAD_B - (y - y0) / (y1 - y0) * (H - PAD_T - PAD_B)

    parts = [f'<svg class="plot" role="img" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title or y_label)}</title>',
             f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" class="axis"/>',
             f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" class="axis"/>']
    for i in range(5):  # y grid
        yv = y0 + (y1 - y0) * i / 4
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{py(yv):.1f}" y2="{py(yv):.1f}" class="grid"/>'
                     f'<text x="{PAD_L - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">{_fmt(yv)}</text>')
    uniq = sorted({x for x, _ in pts})
    ticks = uniq if log2_x or len(uniq) <= 6 else [x0 + (x1 - x0) * i / 4 for i in range(5)]
    for xv in ticks:
        parts.append(f'<text x="{px(xv):.1f}" y="{H - PAD_B + 16}" text-anchor="middle">{_fmt(xv)}</text>')
    parts.append(f'<text x="{(W + PAD_L) / 2:.0f}" y="{H - 6}" text-anchor="middle" class="label">{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{(H - PAD_B) / 2:.0f}" text-anchor="middle" class="label" '
                 f'transform="rotate(-90 12 {(H - PAD_B) / 2:.0f})">{escape(y_label)}</text>')
    for i, (name, s) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        s = sorted((x, y) for x, y in s if x is not None and y is not None)
        coords = []
        for j, (x, y) in enumerate(s):
            if step and j:
                coords.append(f"{px(x):.1f},{py(s[j - 1][1]):.1f}")
            coords.append(f"{px(x):.1f},{py(y):.1f}")
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(coords)}"/>')
        for x, y in s:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(name)}: {_fmt(y)} at {_fmt(x)}</title></circle>')
        parts.append(f'<rect x="{PAD_L + 10}" y="{PAD_T + 4 + 16 * i}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{PAD_L + 26}" y="{PAD_T + 13 + 16 * i}">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def resolved_vs_cost(rows) -> Markup:
    """Cumulative resolved count against cumulative spend, cheapest instances first: how many
    issues each extra dollar bought."""
    done = sorted((r for r in rows if r.status not in ("not_run",)), key=lambda r: r.cost_usd)
    spent, resolved, pts = 0.0, 0, [(0.0, 0)]
    for r in done:
        spent += r.cost_usd
        resolved += 1 if r.resolved else 0
        pts.append((round(spent, 6), resolved))
    if len(pts) == 1:
        return Markup('<p class="muted">no finished instances</p>')
    return line_plot({"resolved": pts}, "cumulative cost (USD)", "instances resolved", step=True,
                     title="resolved against cost")
