"""Small helpers for sequences that the standard library lacks."""
from .seq import dedupe, flatten, interleave, pairwise_diff, window

__all__ = ["dedupe", "flatten", "interleave", "pairwise_diff", "window"]
