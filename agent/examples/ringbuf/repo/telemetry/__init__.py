"""In-memory telemetry: fixed-size sample buffers, moving statistics and event rates."""
from .buffers import MovingStats, RateCounter, RingBuffer

__all__ = ["MovingStats", "RateCounter", "RingBuffer"]
