"""Warehouse stock keeping: receipts, shipments, reservations and reorder suggestions."""
from .warehouse import InsufficientStock, Item, Movement, Warehouse

__all__ = ["InsufficientStock", "Item", "Movement", "Warehouse"]
