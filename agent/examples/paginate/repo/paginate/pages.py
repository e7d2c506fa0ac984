"""Splitting a list of results into numbered pages (pages count from 1)."""
from __future__ import annotations


def page_count(total_items: int, per_page: int) -> int:
    """Number of pages needed to show total_items, per_page at a time. No items: 0 pages."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    if total_items == 0:
        return 0
    return total_items // per_page + 1


def paginate(items: list, page: int, per_page: int = 10) -> dict:
    """One page of items plus what a UI needs to draw the navigation."""
    if page < 1:
        raise ValueError("pages start at 1")
    pages = page_count(len(items), per_page)
    start = (page - 1) * per_page
    return {
        "items": items[start:start + per_page],
        "page": page,
        "pages": pages,
        "has_prev": page > 1,
        "has_next": page < pages,
    }
