"""Numbers for humans: thousands separators, fixed decimals, currency and percent.

Works the same on every machine (no locale module): the separators are parameters.
"""
from __future__ import annotations


def _group(digits: str, sep: str) -> str:
    """ "1234567" -> "1,234,567"."""
    groups = []
    while len(digits) > 3:
        groups.append(digits[-3:])
        digits = digits[:-3]
    groups.append(digits)
    return sep.join(reversed(groups))


def format_number(value: float, decimals: int = 2, sep: str = ",", point: str = ".") -> str:
    """value with `decimals` decimal places and thousands separators: 1234567.891 -> "1,234,567.89"."""
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    text = f"{value:.{decimals}f}"
    whole, _, fraction = text.partition(".")
    out = _group(whole, sep)
    return f"{out}{point}{fraction}" if fraction else out


def format_currency(value: float, symbol: str = "$", decimals: int = 2) -> str:
    """ "$1,234.50"; negative amounts as "-$1,234.50"."""
    text = format_number(abs(value), decimals)
    return f"-{symbol}{text}" if value < 0 else f"{symbol}{text}"


def format_percent(ratio: float, decimals: int = 1) -> str:
    """0.1234 -> "12.3%"."""
    return format_number(ratio * 100, decimals) + "%"


def parse_number(text: str, sep: str = ",", point: str = ".") -> float:
    """The inverse of format_number: "-1,234.5" -> -1234.5."""
    cleaned = text.strip().replace(sep, "").replace(point, ".")
    try:
        return float(cleaned)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
