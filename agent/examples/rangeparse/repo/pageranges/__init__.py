"""Page-range strings as used by print dialogs: "1-3,5,8-10"."""
from .ranges import format_ranges, parse_ranges

__all__ = ["format_ranges", "parse_ranges"]
