"""Hex colour strings <-> (r, g, b) tuples of 0-255 ints."""
from __future__ import annotations

RGB = tuple[int, int, int]


def hex_to_rgb(text: str) -> RGB:
    """ "#1e90ff" or "1E90FF" or "#fff" -> (30, 144, 255)."""
    s = text.strip().lstrip("#")
    if len(s) == 3:
        s = "".join(ch * 2 for ch in s)
    if len(s) != 6:
        raise ValueError(f"not a hex colour: {text!r}")
    try:
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    except ValueError:
        raise ValueError(f"not a hex colour: {text!r}") from None


def rgb_to_hex(rgb: RGB) -> str:
    if any(not 0 <= c <= 255 for c in rgb):
        raise ValueError(f"channel out of range: {rgb}")
    return "#{:02x}{:02x}{:02x}".format(*rgb)
