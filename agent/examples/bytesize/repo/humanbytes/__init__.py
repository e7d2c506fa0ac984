"""Human-readable file sizes."""
from .sizes import UNITS, human_size, parse_size

__all__ = ["UNITS", "human_size", "parse_size"]
