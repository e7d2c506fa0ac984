"""Word frequencies for plain text."""
from .counter import count_words, top_words
from .report import format_table

__all__ = ["count_words", "top_words", "format_table"]
