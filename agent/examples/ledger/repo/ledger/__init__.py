"""Monthly spending reports from bank CSV exports."""
from .report import category_totals, monthly_totals
from .statement import Transaction, load_statement

__all__ = ["Transaction", "category_totals", "load_statement", "monthly_totals"]
