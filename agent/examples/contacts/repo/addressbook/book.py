"""Contacts kept in memory, listed by name and exported as CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .names import full_name, initials, sort_key


@dataclass
class Contact:
    first: str | None
    last: str | None
    email: str = ""
    phone: str = ""

    @property
    def name(self) -> str:
        return full_name(self.first, self.last)

    @property
    def initials(self) -> str:
        return initials(self.first, self.last)


class AddressBook:
    def __init__(self) -> None:
        self._contacts: list[Contact] = []

    def add(self, first: str | None, last: str | None, email: str = "", phone: str = "") -> Contact:
        if not (first or last):
            raise ValueError("a contact needs a name")
        contact = Contact(first, last, email.strip().lower(), phone.strip())
        self._contacts.append(contact)
        return contact

    def __len__(self) -> int:
        return len(self._contacts)

    def sorted(self) -> list[Contact]:
        return sorted(self._contacts, key=lambda c: sort_key(c.first, c.last))

    def find(self, text: str) -> list[Contact]:
        """Contacts whose name or email contains text (caseless), in sorted order."""
        needle = text.casefold()
        return [c for c in self.sorted() if needle in c.name.casefold() or needle in c.email]

    def display_names(self) -> list[str]:
        return [c.name for c in self.sorted()]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "email", "phone"])
        for c in self.sorted():
            writer.writerow([c.name, c.email, c.phone])
        return out.getvalue()
