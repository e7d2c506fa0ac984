"""Labelled candidates for measuring a judge without a model-backed benchmark run: per example, the
reference fix (right) and near misses (wrong): one-token mutants of the functions the reference fix
touches, nearest to the lines it changes first, that the hidden test rejects. A near miss edits the right place, as a plausible wrong fix
does, so a judge must read the change to tell them apart. scripts/bench_judge.py uses it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from agent.examples import Example, check_hidden, solution_diff
from agent.examples.baseline import _diff
from agent.mutate import mutants

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? ", re.M)


def touched_lines(diff: str) -> dict[str, list[int]]:
    """Path -> old-file line numbers the diff removes or inserts next to (pure)."""
    out: dict[str, list[int]] = {}
    for part in re.split(r"^diff --git ", diff, flags=re.M)[1:]:
        m = re.search(r"^--- a/(\S+)", part, re.M)
        if not m:
            continue
        lines = out.setdefault(m.group(1), [])
        for hunk in re.split(r"^(?=@@ )", part, flags=re.M)[1:]:
            start = int(_HUNK.match(hunk).group(1))
            line = start
            for row in hunk.splitlines()[1:]:
                if row.startswith("-"):
                    lines.append(line)
                    line += 1
                elif row.startswith("+"):
                    lines.append(line)
                elif row.startswith(" "):
                    line += 1
    return out


def function_spans(source: str, lines: list[int]) -> list[tuple[int, int]]:
    """The innermost function around each line (pure; a line outside any function is skipped)."""
    funcs = [(n.lineno, n.end_lineno) for n in ast.walk(ast.parse(source))
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    spans = []
    for line in lines:
        around = [f for f in funcs if f[0] <= line <= f[1]]
        if around:
            inner = min(around, key=lambda f: f[1] - f[0])
            if inner not in spans:
                spans.append(inner)
    return spans


def labelled_candidates(example: Example, wrong: int = 2, tries: int = 40) -> list[tuple[str, str, bool]]:
    """[(id, diff, correct)]: "ref" (the reference fix) and up to `wrong` near misses "m<i>", in a
    fixed order (the mutants' own), each labelled by the hidden test on the host."""
    ref = solution_diff(example)
    out = [("ref", ref, True)]
    for path, lines in touched_lines(ref).items():
        source = (Path(example.repo) / path).read_text(encoding="utf-8")
        near = sorted(mutants(path, source, function_spans(source, lines), limit=200),
                      key=lambda m: min(abs(m.line - x) for x in lines))   # the buggy line's own first
        for m in near[:tries]:
            if len(out) > wrong:
                return out
            diff = _diff(Path(example.repo), path, m.text)
            if diff.strip() and not check_hidden(Path(example.repo), example, diff):
                out.append((f"m{len(out) - 1}", diff, False))
    return out
