"""Tags typed by users: "Python", " python ", "PYTHON" are the same tag.

Tags compare caselessly in every script (German "Straße" and "STRASSE" are one tag); the first
spelling seen is the one kept for display.
"""
from __future__ import annotations

import unicodedata
from collections import Counter


def normalize_tag(tag: str) -> str:
    """Collapse whitespace and apply NFC so that visually equal tags have equal text."""
    return unicodedata.normalize("NFC", " ".join(tag.split()))


def _key(tag: str) -> str:
    return normalize_tag(tag).casefold()


def dedupe_tags(tags: list[str]) -> list[str]:
    """Tags without caseless duplicates, first spelling kept, in first-seen order; blanks dropped."""
    seen: set[str] = set()
    out: list[str] = []
    for tag in tags:
        key = _key(tag)
        if key and key not in seen:
            seen.add(key)
            out.append(normalize_tag(tag))
    return out


def count_tags(posts: list[list[str]]) -> Counter:
    """How many posts carry each tag (keyed by the first spelling seen)."""
    display: dict[str, str] = {}
    counts: Counter = Counter()
    for tags in posts:
        for tag in dedupe_tags(tags):
            name = display.setdefault(_key(tag), tag)
            counts[name] += 1
    return counts
