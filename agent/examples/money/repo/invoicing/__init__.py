"""Invoice arithmetic in cents-precise amounts."""
from .amounts import line_total, round_cents, split_evenly, with_tax

__all__ = ["line_total", "round_cents", "split_evenly", "with_tax"]
