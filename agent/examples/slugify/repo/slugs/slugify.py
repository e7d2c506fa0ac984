"""URL slugs from titles: lower-case ASCII words joined by a separator."""
from __future__ import annotations

import re


def slugify(text: str, sep: str = "-") -> str:
    """"Hello, World!" -> "hello-world". Accented letters keep their base letter."""
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", sep, text)
    return text.strip(sep).lower()


def unique_slug(text: str, taken: set[str]) -> str:
    """A slug not in taken, adding -2, -3, ... when needed."""
    base = slugify(text) or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
