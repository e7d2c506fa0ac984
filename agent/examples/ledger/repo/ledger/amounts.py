"""Amount strings as banks write them: "1,234.50", "-12.00", "(12.00)" (accounting negative),
"12.00-" (trailing minus), optionally with a currency symbol."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

_SYMBOLS = "$€£ "


def parse_amount(text: str) -> Decimal:
    s = text.strip()
    negative = False
    if s.endswith("-"):
        negative, s = True, s[:-1]
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    s = s.strip("()")
    s = s.strip(_SYMBOLS).replace(",", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    return -value if negative else value
