"""Elapsed-time formatting for media players and progress bars."""
from .format import format_clock, format_eta, parse_clock

__all__ = ["format_clock", "format_eta", "parse_clock"]
