"""URL helpers for a crawler: splitting, joining, normalising and query editing."""
from .urls import Url, add_query, is_absolute, join_url, normalize_path, normalize_url, split_url

__all__ = ["Url", "add_query", "is_absolute", "join_url", "normalize_path", "normalize_url", "split_url"]
