"""Mixing colours channel by channel in sRGB space."""
from __future__ import annotations

from .convert import RGB

WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour t of the way from a to b: t=0 gives a, t=1 gives b."""
    if not 0 <= t <= 1:
        raise ValueError("t must be between 0 and 1")
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def lighten(color: RGB, amount: float) -> RGB:
    """color moved `amount` of the way towards white (0.1 = a light touch)."""
    return mix(color, WHITE, amount)


def darken(color: RGB, amount: float) -> RGB:
    """color moved `amount` of the way towards black."""
    return mix(color, BLACK, amount)
