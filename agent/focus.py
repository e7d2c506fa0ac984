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
from functools import lru_cache
from typing import Literal

from agent.patches import is_test_file
from agent.schema import Location

FocusMode = Literal["none", "alternate", "rotate"]


@lru_cache(maxsize=64)
def _parse(source: str) -> ast.Module:
    """One parse per source text: the suspects of several locations walk the same few files (read-only)."""
    return ast.parse(source)


@dataclass(frozen=True)
class Target:
    path: str
    qualname: str         # "f" or "Class.method"
    called_by: str = ""   # the located function whose callee this is ("" for a located one)

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def functions_by_qualname(tree: ast.Module) -> dict[str, ast.AST]:
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
        funcs = functions_by_qualname(_parse(source))
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


def module_file(module: str | None, level: int, importer: str, known) -> str | None:
    """The repository file an import names (`pkg/mod.py` or `pkg/mod/__init__.py`), relative to the
    importing file for `level` leading dots; None for the standard library and third-party packages."""
    if level:
        base = importer.split("/")[:-1]
        if level - 1 > len(base):
            return None
        parts = base[:len(base) - (level - 1)] + (module.split(".") if module else [])
    elif module:
        parts = module.split(".")
    else:
        return None
    stem = "/".join(parts)
    for prefix in ("", "src/") if not level else ("",):
        for cand in (f"{prefix}{stem}.py", f"{prefix}{stem}/__init__.py" if stem else "__init__.py"):
            if cand in known:
                return cand
    return None


def imported_names(source: str, importer: str, known) -> dict[str, tuple[str, str]]:
    """Names an import binds to code of this repository: a function or class -> (file, its name); a
    module -> (file, ""). Imports anywhere in the file count (inside functions too)."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                sub = module_file(f"{node.module}.{alias.name}" if node.module else alias.name, node.level,
                                  importer, known)
                if sub:                                        # `from pkg import mod`: a module
                    out[alias.asname or alias.name] = (sub, "")
                elif (home := module_file(node.module, node.level, importer, known)):
                    out[alias.asname or alias.name] = (home, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and (home := module_file(alias.name, 0, importer, known)):
                    out[alias.asname] = (home, "")
    return out


def imported_callees(source: str, importer: str, qualname: str, known) -> list[tuple[str, str]]:
    """Functions of other modules of the repository that `qualname` calls, as (file, name), in the order
    of their first call: `f(...)` after `from .mod import f`, `mod.f(...)` after `from . import mod`
    or `import pkg.mod as mod`. Whether `name` is a function there is for the caller to check."""
    try:
        node = functions_by_qualname(_parse(source)).get(qualname)
    except SyntaxError:
        return []
    if node is None:
        return []
    names = imported_names(source, importer, known)
    out: list[tuple[str, str]] = []
    for call in sorted((n for n in ast.walk(node) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)):
        f, hit = call.func, None
        if isinstance(f, ast.Name) and names.get(f.id, ("", ""))[1]:
            hit = names[f.id]
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in names \
                and not names[f.value.id][1]:
            hit = (names[f.value.id][0], f.attr)
        if hit and hit[0] != importer and not is_test_file(hit[0]) and hit not in out:
            out.append(hit)
    return out


def helper_files(locations, sources: dict[str, str], known) -> list[str]:
    """Files beyond `sources` whose functions the located functions call: what the patch stage must
    read so that `focus_targets` can point samples at them."""
    out: list[str] = []
    for loc in locations:
        if loc.symbol and loc.file in sources and not is_test_file(loc.file):
            for path, _ in imported_callees(sources[loc.file], loc.file, loc.symbol, known):
                if path not in sources and path not in out:
                    out.append(path)
    return out


def focus_targets(locations, sources: dict[str, str], limit: int = 6) -> list[Target]:
    """Suspect functions in rank order: for each located function (or method), the functions of its
    file it calls, then the functions of other modules of `sources` it calls (a helper module the
    issue never names), then the function itself. Its own name is what the issue mentions and what a
    sample left to choose rewrites anyway; the helpers are what it overlooks. Locations of whole
    files or classes add nothing, nor do test files: a fix must not edit the tests (a candidate that
    does is tampering, agent/patches.py), so a sample pointed at a test function is a sample lost
    (the train split's shorten pointed 2 of its 8 samples at tests/test_shorten.py)."""
    out: list[Target] = []
    seen: set[tuple[str, str]] = set()
    parsed: dict[str, dict[str, ast.AST]] = {}

    def funcs_of(path: str) -> dict[str, ast.AST]:
        if path not in parsed:
            try:
                parsed[path] = functions_by_qualname(_parse(sources.get(path) or ""))
            except SyntaxError:
                parsed[path] = {}
        return parsed[path]

    def add(t: Target) -> None:
        if (t.path, t.qualname) not in seen and len(out) < limit:
            seen.add((t.path, t.qualname))
            out.append(t)

    for loc in locations:
        source = sources.get(loc.file)
        if not loc.symbol or source is None or is_test_file(loc.file) or loc.symbol not in funcs_of(loc.file):
            continue
        for name in callees(source, loc.symbol):
            add(Target(loc.file, name, called_by=loc.symbol))
        for path, name in imported_callees(source, loc.file, loc.symbol, sources):
            if name in funcs_of(path):
                add(Target(path, name, called_by=loc.symbol))
        add(Target(loc.file, loc.symbol))
    return out


def with_helpers(locations, targets: list[Target]) -> list:
    """The locations, each followed by the suspects in files no location names (the helper modules its
    function calls), so that the code shown to a sample holds every function it may be pointed at."""
    located = {loc.file for loc in locations}
    out, added = [], set()
    for loc in locations:
        out.append(loc)
        for t in targets:
            if t.called_by and t.called_by == loc.symbol and t.path not in located and (t.path, t.qualname) not in added:
                added.add((t.path, t.qualname))
                out.append(Location(file=t.path, symbol=t.qualname))
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
