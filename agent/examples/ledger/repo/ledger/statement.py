"""Reading a bank's CSV export: date,description,amount[,category]."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from .amounts import parse_amount


@dataclass(frozen=True)
class Transaction:
    date: dt.date
    description: str
    amount: Decimal        # negative = money out
    category: str = "uncategorized"


def _parse_date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")


def load_statement(text: str) -> list[Transaction]:
    rows = csv.DictReader(io.StringIO(text.strip()))
    out = []
    for row in rows:
        category = (row.get("category") or "").strip() or "uncategorized"
        out.append(Transaction(_parse_date(row["date"]), row["description"].strip(),
                               parse_amount(row["amount"]), category))
    return out
