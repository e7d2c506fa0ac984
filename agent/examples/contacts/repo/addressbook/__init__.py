"""A tiny address book with CSV export."""
from .book import AddressBook, Contact

__all__ = ["AddressBook", "Contact"]
