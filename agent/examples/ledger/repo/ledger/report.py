"""Totals per month and per category."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .statement import Transaction


def monthly_totals(transactions: list[Transaction]) -> dict[str, Decimal]:
    """Net amount per "YYYY-MM", months in order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for t in transactions:
        totals[f"{t.date:%Y-%m}"] += t.amount
    return dict(sorted(totals.items()))


def category_totals(transactions: list[Transaction], month: str | None = None) -> dict[str, Decimal]:
    """Net amount per category (optionally for one "YYYY-MM"), largest spending first."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for t in transactions:
        if month is None or f"{t.date:%Y-%m}" == month:
            totals[t.category] += t.amount
    return dict(sorted(totals.items(), key=lambda kv: (kv[1], kv[0])))
