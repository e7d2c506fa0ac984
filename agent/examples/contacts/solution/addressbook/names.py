"""Personal names. Either part may be missing (None or blank): many people have a single name."""
from __future__ import annotations


def full_name(first: str | None, last: str | None) -> str:
    """ "Ada Lovelace"; a missing part is left out."""
    return " ".join(part.strip() for part in (first, last) if part and part.strip())


def initials(first: str | None, last: str | None) -> str:
    """ "AL" for Ada Lovelace, "P" for Pelé."""
    return "".join(part.strip()[0].upper() for part in (first, last) if part and part.strip())


def sort_key(first: str | None, last: str | None) -> tuple[str, str]:
    """Sort by last name, then first name, caselessly; single names sort as last names."""
    first, last = (first or "").strip(), (last or "").strip()
    if not last:
        first, last = "", first
    return (last.casefold(), first.casefold())
