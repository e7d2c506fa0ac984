"""Which function each patch sample is pointed at: diversity over *locations*, not only temperature.

A small model shown a whole module rewrites the function the issue names, every sample: when the
bug sits one call deeper (`is_free` is named, `_overlaps` is wrong), no amount of resampling finds
it. Agentless and CodeMonkeys vary what each sample is shown; here a sample may be given one suspect
function to rewrite. Suspects follow the located functions in rank order: the functions of the same
file each one calls (the bug is often in a helper of the function the user saw misbehave), then
the located function itself.

Pure: source text in, names out (no I/O, no model).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from agent.patches import is_test_file

FocusMode = Literal["none", "alternate", "rotate"]


@dataclass(frozen=True)
class Target:
    path: str
    qualname: str         # "f" or "Class.method"
    called_by: str = ""   # the located function whose callee this is ("" for a located one)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def _functions(tree: ast.Module) -> dict[str, ast.AST]:
    """Top-level functions and methods of top-level classes, by qualname."""
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{node.name}.{item.name}"] = item
    return out


def callees(source: str, qualname: str) -> list[str]:
    """Functions of the same module that `qualname` calls, in the order of their first call:
    `name(...)` resolves to a top-level function, `self.name(...)` / `cls.name(...)` to a method
    of the same class."""
    try:
        funcs = _functions(ast.parse(source))
    except SyntaxError:
        return []
    node = funcs.get(qualname)
    if node is None:
        return []
    cls = qualname.rsplit(".", 1)[0] if "." in qualname else ""
    calls = sorted((n for n in ast.walk(node) if isinstance(n, ast.Call)),
                   key=lambda n: (n.lineno, n.col_offset))
    out: list[str] = []
    for call in calls:
        f, name = call.func, None
        if isinstance(f, ast.Name) and f.id in funcs:
            name = f.id
        elif (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls")
              and cls and f"{cls}.{f.attr}" in funcs):
            name = f"{cls}.{f.attr}"
        if name and name != qualname and name not in out:
            out.append(name)
    return out


def focus_targets(locations, sources: dict[str, str], limit: int = 6) -> list[Target]:
    """Suspect functions in rank order: for each located function (or method), the functions of its
    file it calls, then the function itself. Its own name is what the issue mentions and what a
    sample left to choose rewrites anyway; the helpers are what it overlooks. Locations of whole
    files or classes add nothing, nor do test files: a fix must not edit the tests (a candidate that
    does is tampering, agent/patches.py), so a sample pointed at a test function is a sample lost
    (the train split's shorten pointed 2 of its 8 samples at tests/test_shorten.py)."""
    out: list[Target] = []
    seen: set[tuple[str, str]] = set()

    def add(t: Target) -> None:
        if (t.path, t.qualname) not in seen and len(out) < limit:
            seen.add((t.path, t.qualname))
            out.append(t)

    for loc in locations:
        source = sources.get(loc.file)
        if not loc.symbol or source is None or is_test_file(loc.file):
            continue
        try:
            funcs = _functions(ast.parse(source))
        except SyntaxError:
            continue
        if loc.symbol not in funcs:
            continue
        for name in callees(source, loc.symbol):
            add(Target(loc.file, name, called_by=loc.symbol))
        add(Target(loc.file, loc.symbol))
    return out


def chooses_freely(sample: int, mode: FocusMode) -> bool:
    """Whether sample `sample` gets no suspect under `mode`, whatever the suspects are (its prompt is
    then the same as under mode "none")."""
    return mode == "none" or (sample % 2 == 0 if mode == "alternate" else sample == 0)


def focus_of(sample: int, targets: list[Target], mode: FocusMode) -> Target | None:
    """The suspect sample `sample` is pointed at, or None (the sample chooses for itself).

    "alternate": even samples choose, odd samples take the suspects in turn (half the budget keeps
    today's behaviour); "rotate": sample 0 chooses, every other sample takes the next suspect."""
    if chooses_freely(sample, mode) or not targets:
        return None
    if mode == "alternate":
        return targets[(sample // 2) % len(targets)]
    return targets[(sample - 1) % len(targets)]
