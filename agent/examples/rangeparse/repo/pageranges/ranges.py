"""Parse and format page selections such as "1-3,5,8-10".

Ranges are inclusive on both ends, as in every print dialog: "1-3" means pages 1, 2 and 3.
"""
from __future__ import annotations


def _parse_part(part: str) -> list[int]:
    if "-" in part:
        start_text, end_text = part.split("-", 1)
        start, end = int(start_text), int(end_text)
        if start > end:
            raise ValueError(f"range {part!r} runs backwards")
        return list(range(start, end))
    return [int(part)]


def parse_ranges(text: str) -> list[int]:
    """Sorted page numbers selected by text; duplicates removed, blanks ignored."""
    pages: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if part:
            pages.update(_parse_part(part))
    if any(p < 1 for p in pages):
        raise ValueError("page numbers start at 1")
    return sorted(pages)


def format_ranges(pages: list[int]) -> str:
    """The shortest "a-b,c" string for pages (the inverse of parse_ranges)."""
    out: list[str] = []
    ordered = sorted(set(pages))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)
