"""The candidate × test evidence grid, as plain rows for the template (pure, no HTML here)."""
from __future__ import annotations

from dataclasses import dataclass, field

from agent.report.load import RunView

FAILED_ON_ORIGINAL = ("fail", "error")


@dataclass
class Column:
    id: str
    valid: bool            # a reproduction test counts only if it failed on the original code
    title: str             # hover text: why it is (not) valid, how it is run


@dataclass
class GridCell:
    outcome: str           # pass / fail / error / timeout / apply_failed / none
    title: str = ""
    output: str = ""       # shown on click


@dataclass
class GridRow:
    id: str
    label: str
    selected: bool = False
    count: int = 0
    score: float | None = None
    reward: float | None = None
    passed: str = ""       # "2/3" valid tests passed
    cells: list[GridCell] = field(default_factory=list)


@dataclass
class Grid:
    columns: list[Column]
    original: GridRow | None
    rows: list[GridRow]


def _tail(text: str, n: int = 600) -> str:
    return text if len(text) <= n else "…" + text[-n:]


def ranked_candidate_ids(view: RunView) -> list[str]:
    """Decision ranking first (best on top), then any candidate it does not mention by sample count."""
    ids = [r.candidate for r in view.decision.ranking] if view.decision else []
    rest = sorted((c for c in view.candidates if c.id not in ids), key=lambda c: -c.count)
    known = {c.id for c in view.candidates}
    return [i for i in ids if i in known or not view.candidates] + [c.id for c in rest]


def build_grid(view: RunView) -> Grid | None:
    if not view.candidates and view.matrix is None:
        return None
    by_test = {t.id: t for t in view.tests}
    test_ids = [t.id for t in view.tests]
    if view.matrix:
        test_ids += [t for t in view.matrix.tests if t not in by_test]
    has_reg = view.matrix is not None and (view.matrix.baseline_regression is not None
                                           or any(c.test == "regression" for c in view.matrix.cells))
    columns = []
    for tid in test_ids:
        t = by_test.get(tid)
        valid = bool(t and t.kept and t.original_outcome in FAILED_ON_ORIGINAL)
        why = (t.reason or f"original code: {t.original_outcome or 'not run'}") if t else "not in tests.json"
        columns.append(Column(tid, valid, f"{tid} ({'valid' if valid else 'not used'}): {why}"
                                          + (f"\n$ {t.command}" if t else "")))
    if has_reg:
        cmd = view.matrix.regression_command or ""
        columns.append(Column("regression", True, f"the repository's own tests\n$ {cmd}"))

    original = GridRow(id="original", label="original code")
    for col in columns:
        if col.id == "regression":
            b = view.matrix.baseline_regression
            original.cells.append(GridCell(b.outcome, f"original × regression: {b.outcome}", b.output_tail)
                                  if b else GridCell("none", "not run"))
        else:
            t = by_test.get(col.id)
            out = t.original_outcome if t and t.original_outcome else "none"
            original.cells.append(GridCell(out, f"original × {col.id}: {out}", t.original_output if t else ""))

    ranking = {r.candidate: r for r in view.decision.ranking} if view.decision else {}
    cands = {c.id: c for c in view.candidates}
    chosen = view.decision.candidate if view.decision and view.decision.status == "selected" else None
    # Indexed once: ExecutionMatrix.get scans every cell, too slow for hundreds of candidates.
    index = {(c.candidate, c.test): c for c in view.matrix.cells} if view.matrix else {}
    rows = []
    for cid in ranked_candidate_ids(view):
        c, r = cands.get(cid), ranking.get(cid)
        reward = view.rewards.get(cid)
        row = GridRow(id=cid, label=cid, selected=cid == chosen, count=c.count if c else (r.count if r else 0),
                      score=r.score if r else None, reward=reward.mean if reward else (r.reward if r else None))
        valid_ids = [col.id for col in columns if col.valid and col.id != "regression"]
        passed = 0
        for col in columns:
            cell = index.get((cid, col.id))
            if cell is None:
                row.cells.append(GridCell("none", f"{cid} × {col.id}: not run"))
                continue
            extra = f"\nfailed: {', '.join(cell.failed_tests[:10])}" if cell.failed_tests else ""
            row.cells.append(GridCell(cell.outcome, f"{cid} × {col.id}: {cell.outcome} "
                                      f"({cell.duration_s:.1f}s){extra}\n{_tail(cell.output_tail, 300)}",
                                      cell.output_tail))
            passed += col.id in valid_ids and cell.outcome == "pass"
        row.passed = f"{passed}/{len(valid_ids)}"
        rows.append(row)
    return Grid(columns, original, rows)
