"""Retrying flaky calls with exponential backoff."""
from .policy import backoff_delays, retry_call

__all__ = ["backoff_delays", "retry_call"]
