"""A small LRU cache with optional expiry, and a memoizing decorator."""
from .cache import TTLCache, cached

__all__ = ["TTLCache", "cached"]
