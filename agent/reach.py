"""Which lines of the suspect files the issue's checks execute on the original code.

A check that fails on the original code keeps failing whatever is written on a line it never reaches:
control never gets there. So a one-line repair (a cloze fill, agent/stages/patch_cloze.py) can only
pass every check if its line is executed by each of them; the other holes are skipped, which leaves
the fill budget for more rounds over the lines that matter (spectrum-based fault localization at its
simplest: the lines every failing run covers). On the train split's issue checks this left 119 of 224
holes, and every line a correct fill was found on before stayed in.

The trace runs pytest in-process under `sys.settrace`, for the suspect files only. It is only trusted
when it says something: a check whose run reaches no line of the suspect functions (the code ran in a
subprocess, or from an installed copy) is left out of the intersection, and without any usable trace
nothing is skipped.

Pure: the tracer's command, reading its output, and the decision.
"""
from __future__ import annotations

import json
import shlex

MARK = "@@swe-agent-reach@@"

# Run as `python -c TRACER PATHS_JSON TEST_PATH`; prints MARK + {"exit": code, "lines": {path: [line, ...]}}.
TRACER = r'''
import json, os, sys, threading
paths = json.loads(sys.argv[1])
real = {os.path.realpath(p): p for p in paths}
hits = {p: set() for p in paths}
seen = {}
def target(frame):
    name = frame.f_code.co_filename
    if name not in seen:
        seen[name] = real.get(os.path.realpath(name))
    return seen[name]
def local(frame, event, arg):
    if event == "line":
        p = target(frame)
        if p is not None:
            hits[p].add(frame.f_lineno)
    return local
def tracer(frame, event, arg):
    return local if target(frame) is not None else None
sys.settrace(tracer)
threading.settrace(tracer)
code = 3
try:
    import pytest
    code = int(pytest.main(["-q", "-p", "no:cacheprovider", sys.argv[2]]))
finally:
    sys.settrace(None)
    print("MARK" + json.dumps({"exit": code, "lines": {p: sorted(s) for p, s in hits.items()}}))
'''.replace("MARK", MARK)


def trace_command(paths: list[str], test_path: str) -> str:
    """The shell command that runs one check file under the tracer (paths relative to the workdir)."""
    return " ".join(["python", "-c", shlex.quote(TRACER), shlex.quote(json.dumps(sorted(paths))), shlex.quote(test_path)])


def parse_trace(output: str) -> tuple[int, dict[str, set[int]]] | None:
    """(pytest's exit code, executed lines per path) from the tracer's output, None when it did not finish."""
    at = output.rfind(MARK)
    if at < 0:
        return None
    try:
        data = json.loads(output[at + len(MARK):].split("\n", 1)[0])
        return int(data["exit"]), {str(p): {int(n) for n in ls} for p, ls in data["lines"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def reached_lines(traces: list[tuple[int, dict[str, set[int]]] | None],
                  spans: list[tuple[str, tuple[int, int]]]) -> dict[str, set[int]] | None:
    """The lines every failing check executes (the intersection), or None when no trace can be trusted.
    A check that passes on the original code constrains nothing; a check that reaches no line inside
    the suspect functions' bodies (`spans`: path, first and last line) says nothing reliable."""
    def in_body(lines: dict[str, set[int]]) -> bool:
        return any(start < n <= end for path, (start, end) in spans for n in lines.get(path, ()))

    usable = [lines for t in traces if t is not None for code, lines in [t] if code != 0 and in_body(lines)]
    if not usable:
        return None
    paths = set().union(*(set(u) for u in usable))
    return {p: set.intersection(*(u.get(p, set()) for u in usable)) for p in paths}


def reachable(path: str, line: int, span: tuple[int, int], reached: dict[str, set[int]] | None) -> bool:
    """Can a change of this line (in the function at `span`) change what the checks see? The `def` line
    counts as reached when the function's body runs: its defaults and parameters shape every call."""
    if reached is None:
        return True
    lines = reached.get(path, set())
    if line == span[0]:
        return any(span[0] < n <= span[1] for n in lines)
    return line in lines
