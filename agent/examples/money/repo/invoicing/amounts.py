"""Money amounts on invoices.

Amounts are rounded to cents the way accountants do it: half a cent rounds away from zero
(2.675 -> 2.68, 0.125 -> 0.13), never to even and never by binary floating-point accident.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_cents(amount: float) -> float:
    """amount rounded to 2 decimal places, half away from zero."""
    return round(amount, 2)


def line_total(unit_price: float, qty: int) -> float:
    return round_cents(unit_price * qty)


def with_tax(net: float, rate: float) -> float:
    """Gross amount for a net amount and a tax rate given in percent."""
    return round_cents(net * (1 + rate / 100))


def split_evenly(amount: float, parts: int) -> list[float]:
    """amount split into `parts` cent amounts that add up exactly; earlier parts get the extra cents."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    cents = int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    share, extra = divmod(cents, parts)
    return [(share + (1 if i < extra else 0)) / 100 for i in range(parts)]
