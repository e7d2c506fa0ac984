"""Order totals.

An order is a dict: {"id": str, "customer": str, "lines": [{"sku": str, "price": float, "qty": int}],
"discount": float (optional, an amount taken off the order's total)}.
"""
from __future__ import annotations


def order_total(order: dict) -> float:
    """Sum of price * qty over the lines, minus the order's discount, never below 0."""
    gross = sum(line["price"] * line["qty"] for line in order["lines"])
    net = gross - order.get("discount", 0)
    return round(max(net, 0.0), 2)


def totals_by_customer(orders: list[dict]) -> dict[str, float]:
    """What each customer spent over all their orders."""
    totals: dict[str, float] = {}
    for order in orders:
        totals[order["customer"]] = round(totals.get(order["customer"], 0.0) + order_total(order), 2)
    return totals
