"""Locale-free number formatting for reports."""
from .fmt import format_currency, format_number, format_percent, parse_number

__all__ = ["format_currency", "format_number", "format_percent", "parse_number"]
