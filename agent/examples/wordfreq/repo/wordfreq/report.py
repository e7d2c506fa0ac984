"""Plain-text report of word counts."""
from __future__ import annotations


def format_table(pairs: list[tuple[str, int]]) -> str:
    """Two aligned columns: word and count."""
    if not pairs:
        return ""
    width = max(len(word) for word, _ in pairs)
    return "\n".join(f"{word.ljust(width)}  {count}" for word, count in pairs)
