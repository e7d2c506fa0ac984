"""Latency percentiles for request logs."""
from .percentiles import percentile, summarize

__all__ = ["percentile", "summarize"]
