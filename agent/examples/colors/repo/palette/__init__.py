"""Colour palettes for design tokens: tints, shades and contrast checks."""
from .convert import hex_to_rgb, rgb_to_hex
from .themes import contrast_ratio, scale, shades, tints

__all__ = ["contrast_ratio", "hex_to_rgb", "rgb_to_hex", "scale", "shades", "tints"]
