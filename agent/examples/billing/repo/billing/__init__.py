from .cycle import add_month, invoice_dates

__all__ = ["add_month", "invoice_dates"]
