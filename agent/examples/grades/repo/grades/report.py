"""Per-student grade summaries for a class."""
from __future__ import annotations


def summarize(scores: list[float]) -> dict:
    """Count, min, max and mean (2 decimals) of the scores.

    A student without scores yet gets count 0 and None for min, max and mean.
    """
    return {
        "count": len(scores),
        "min": min(scores),
        "max": max(scores),
        "mean": round(sum(scores) / len(scores), 2),
    }


def letter(score: float) -> str:
    for bound, grade in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= bound:
            return grade
    return "F"


def class_report(students: dict[str, list[float]]) -> dict[str, dict]:
    """summarize() for every student, plus the letter for the mean when there is one."""
    report = {}
    for name, scores in students.items():
        row = summarize(scores)
        row["letter"] = letter(row["mean"]) if row["mean"] is not None else None
        report[name] = row
    return report
