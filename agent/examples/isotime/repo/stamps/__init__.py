"""RFC 3339 timestamps as found in JSON APIs and logs."""
from .rfc3339 import format_timestamp, parse_offset, parse_timestamp, to_utc

__all__ = ["format_timestamp", "parse_offset", "parse_timestamp", "to_utc"]
