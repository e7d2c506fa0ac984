"""Palette scales built from one brand colour."""
from __future__ import annotations

from .blend import darken, lighten
from .convert import RGB, hex_to_rgb, rgb_to_hex


def tints(base: str, steps: list[float]) -> list[str]:
    """base lightened by each amount in steps, e.g. [0.1, 0.3, 0.5]."""
    rgb = hex_to_rgb(base)
    return [rgb_to_hex(lighten(rgb, s)) for s in steps]


def shades(base: str, steps: list[float]) -> list[str]:
    rgb = hex_to_rgb(base)
    return [rgb_to_hex(darken(rgb, s)) for s in steps]


def scale(base: str) -> dict[int, str]:
    """A 100-900 design-token scale: 500 is base, lower numbers lighter, higher darker."""
    out = {}
    for i, level in enumerate((100, 200, 300, 400)):
        out[level] = tints(base, [0.8 - 0.2 * i])[0]
    out[500] = rgb_to_hex(hex_to_rgb(base))
    for i, level in enumerate((600, 700, 800, 900)):
        out[level] = shades(base, [0.2 + 0.2 * i])[0]
    return out


def _luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio between two colours (1.0 - 21.0)."""
    l1, l2 = sorted((_luminance(hex_to_rgb(fg)), _luminance(hex_to_rgb(bg))), reverse=True)
    return round((l1 + 0.05) / (l2 + 0.05), 2)
