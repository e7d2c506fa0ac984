"""Semantic versions: parsing, ordering, bumping and simple constraints."""
from .core import Constraint, Version, max_satisfying, sort_versions

__all__ = ["Constraint", "Version", "max_satisfying", "sort_versions"]
