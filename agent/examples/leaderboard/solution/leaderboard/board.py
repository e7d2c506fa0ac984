"""A game leaderboard read from "name,score" CSV text."""
from __future__ import annotations

import csv
import io


def load_scores(text: str) -> list[dict]:
    """Rows of the CSV (header: name,score) as dicts, blank lines skipped."""
    reader = csv.DictReader(io.StringIO(text.strip()))
    return [{"name": row["name"].strip(), "score": row["score"].strip()} for row in reader if row["name"]]


def ranking(rows: list[dict], top: int | None = None) -> list[tuple[int, str, int]]:
    """(place, name, score), highest score first; equal scores keep file order."""
    ordered = sorted(rows, key=lambda r: int(r["score"]), reverse=True)
    if top is not None:
        ordered = ordered[:top]
    return [(place, r["name"], int(r["score"])) for place, r in enumerate(ordered, 1)]
