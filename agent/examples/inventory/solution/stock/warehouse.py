"""Stock levels per SKU with reservations, a movement log and reorder suggestions.

Quantities:
    on_hand    units physically in the warehouse
    reserved   units promised to open orders (still on hand)
    available  on_hand - reserved: what can still be sold

An item must be reordered once its available quantity has fallen to its reorder point or below;
the suggested order brings available stock back up to `target` (at least one `pack_size`, in
whole packs).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field


class InsufficientStock(ValueError):
    pass


@dataclass
class Item:
    sku: str
    name: str
    unit_cost: float
    reorder_point: int = 0
    target: int = 0
    pack_size: int = 1
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def needs_reorder(self) -> bool:
        return self.available <= self.reorder_point

    def suggested_order(self) -> int:
        """Units to order now: whole packs that lift available stock to target (0 if not needed)."""
        if not self.needs_reorder():
            return 0
        missing = max(self.target - self.available, 1)
        return math.ceil(missing / self.pack_size) * self.pack_size


@dataclass(frozen=True)
class Movement:
    when: dt.datetime
    sku: str
    kind: str      # "receive", "ship", "reserve", "release", "adjust"
    qty: int
    note: str = ""


@dataclass
class Warehouse:
    items: dict[str, Item] = field(default_factory=dict)
    log: list[Movement] = field(default_factory=list)

    def add_item(self, item: Item) -> None:
        if item.sku in self.items:
            raise ValueError(f"duplicate SKU {item.sku}")
        if item.pack_size < 1:
            raise ValueError("pack_size must be at least 1")
        self.items[item.sku] = item

    def _item(self, sku: str) -> Item:
        try:
            return self.items[sku]
        except KeyError:
            raise KeyError(f"unknown SKU {sku!r}") from None

    def _record(self, sku: str, kind: str, qty: int, note: str, when: dt.datetime | None) -> None:
        self.log.append(Movement(when or dt.datetime.now(), sku, kind, qty, note))

    def receive(self, sku: str, qty: int, note: str = "", when: dt.datetime | None = None) -> None:
        if qty <= 0:
            raise ValueError("received quantity must be positive")
        self._item(sku).on_hand += qty
        self._record(sku, "receive", qty, note, when)

    def reserve(self, sku: str, qty: int, note: str = "", when: dt.datetime | None = None) -> None:
        item = self._item(sku)
        if qty > item.available:
            raise InsufficientStock(f"{sku}: {qty} requested, {item.available} available")
        item.reserved += qty
        self._record(sku, "reserve", qty, note, when)

    def release(self, sku: str, qty: int, note: str = "", when: dt.datetime | None = None) -> None:
        item = self._item(sku)
        if qty > item.reserved:
            raise ValueError(f"{sku}: only {item.reserved} reserved")
        item.reserved -= qty
        self._record(sku, "release", qty, note, when)

    def ship(self, sku: str, qty: int, note: str = "", when: dt.datetime | None = None) -> None:
        """Ship reserved units (an order that was reserved first)."""
        item = self._item(sku)
        if qty > item.reserved:
            raise InsufficientStock(f"{sku}: ship {qty}, only {item.reserved} reserved")
        item.reserved -= qty
        item.on_hand -= qty
        self._record(sku, "ship", qty, note, when)

    def adjust(self, sku: str, counted: int, note: str = "stocktake", when: dt.datetime | None = None) -> int:
        """Set on_hand to a counted quantity; returns the difference (negative = shrinkage)."""
        item = self._item(sku)
        if counted < item.reserved:
            raise ValueError(f"{sku}: counted {counted} but {item.reserved} are reserved")
        diff = counted - item.on_hand
        item.on_hand = counted
        self._record(sku, "adjust", diff, note, when)
        return diff

    def reorder_report(self) -> list[tuple[str, str, int]]:
        """(sku, name, units to order) for every item that needs reordering, by SKU."""
        return [(i.sku, i.name, i.suggested_order()) for i in sorted(self.items.values(), key=lambda i: i.sku)
                if i.needs_reorder()]

    def valuation(self) -> float:
        """Value of everything on hand at unit cost, rounded to cents."""
        return round(sum(i.on_hand * i.unit_cost for i in self.items.values()), 2)

    def movements(self, sku: str | None = None, kind: str | None = None,
                  since: dt.datetime | None = None) -> list[Movement]:
        return [m for m in self.log if (sku is None or m.sku == sku) and (kind is None or m.kind == kind)
                and (since is None or m.when >= since)]

    def shipped_between(self, start: dt.date, end: dt.date) -> dict[str, int]:
        """Units shipped per SKU with start <= date < end."""
        out: dict[str, int] = {}
        for m in self.log:
            if m.kind == "ship" and start <= m.when.date() < end:
                out[m.sku] = out.get(m.sku, 0) + m.qty
        return out

    def stock_table(self) -> str:
        """A fixed-width table of every item: SKU, name, on hand, reserved, available."""
        rows = [("SKU", "NAME", "ON HAND", "RESERVED", "AVAILABLE")]
        for i in sorted(self.items.values(), key=lambda i: i.sku):
            rows.append((i.sku, i.name, str(i.on_hand), str(i.reserved), str(i.available)))
        widths = [max(len(r[c]) for r in rows) for c in range(5)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)

    def import_counts(self, text: str, when: dt.datetime | None = None) -> dict[str, int]:
        """Apply a stocktake given as "sku,counted" lines; returns the differences per SKU."""
        diffs = {}
        for line in text.strip().splitlines():
            sku, _, counted = line.partition(",")
            if sku.strip().lower() == "sku":
                continue   # header
            diffs[sku.strip()] = self.adjust(sku.strip(), int(counted), when=when)
        return diffs
