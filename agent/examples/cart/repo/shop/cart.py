"""A shopping cart that belongs to one customer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LineItem:
    name: str
    price: float
    qty: int = 1


class Cart:
    def __init__(self, customer: str, items=[]):
        self.customer = customer
        self.items = items

    def add(self, name: str, price: float, qty: int = 1) -> None:
        if qty < 1:
            raise ValueError("quantity must be at least 1")
        self.items.append(LineItem(name, price, qty))

    def total(self) -> float:
        return round(sum(i.price * i.qty for i in self.items), 2)

    def count(self) -> int:
        return sum(i.qty for i in self.items)
