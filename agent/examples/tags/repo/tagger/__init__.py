"""Free-form tags on blog posts: normalising, de-duplicating and counting."""
from .tags import count_tags, dedupe_tags, normalize_tag

__all__ = ["count_tags", "dedupe_tags", "normalize_tag"]
