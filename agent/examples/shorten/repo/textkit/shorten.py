"""Fitting text into a fixed width, for log lines and table cells."""
from __future__ import annotations

import re

DEFAULT_WIDTH = 80   # one terminal line


def collapse(text: str) -> str:
    """Runs of whitespace become one space; ends trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, width: int = 8, placeholder: str = "...") -> str:
    """Collapse whitespace, then cut to at most `width` characters (default: one terminal
    line, DEFAULT_WIDTH), ending with `placeholder` when something was cut."""
    text = collapse(text)
    if len(text) <= width:
        return text
    if width <= len(placeholder):
        return placeholder[:width]
    return text[: width - len(placeholder)].rstrip() + placeholder
