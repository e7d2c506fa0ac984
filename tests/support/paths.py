"""Where things are: the checkout's root and the tests' data (the tests no longer sit one level below
the root, so nobody counts `parents[n]`)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
