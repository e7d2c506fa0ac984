from .totals import order_total, totals_by_customer

__all__ = ["order_total", "totals_by_customer"]
