"""Smaller candidates inside a small model's edit (pure: no I/O, no model, no sandbox).

A small model asked for one fix often rewrites more than the function at fault: it "tidies" a second
function, or narrows an import line and leaves a use of the dropped name behind. In the dev set's
saved folders the fix is sometimes right inside a candidate that the rest of its edit breaks
(money: `round_cents` quantized with `ROUND_HALF_UP`, beside `line_total` rescaled to cents and
`ROUND_HALF_UP` dropped from the import line while `split_evenly` still uses it).

- `restore_names(original, edited)`: names the edited module loads that nothing in it binds get the
  import the original had for them, else their one standard-library import (agent/stdlib_imports.py).
- `pieces(original, edited)`: when an edit changes several top-level units (functions, methods, classes'
  other statements, module-level assignments), one module per changed unit with every other changed
  unit put back as the original had it (and the names restored). Imports are not units: each piece
  keeps the edited import lines, and restore_names puts back what a piece still needs.
"""
from __future__ import annotations

import ast
from typing import Callable

from agent.ast_splice import _assigned
from agent.issue_names import bound_names
from agent.mutate import Mutant
from agent.stdlib_imports import add_imports, star_import, stdlib_import

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _import_of(tree: ast.Module, name: str) -> str | None:
    """The original's import statement for `name` (`from decimal import ROUND_HALF_UP`, `import re`)."""
    for node in tree.body:
        if not isinstance(node, _IMPORTS):
            continue
        for alias in node.names:
            bound = (alias.asname or alias.name).split(".")[0]
            if bound != name:
                continue
            as_ = f" as {alias.asname}" if alias.asname else ""
            if isinstance(node, ast.Import):
                return f"import {alias.name}{as_}"
            return f"from {'.' * node.level}{node.module or ''} import {alias.name}{as_}"
    return None


def restore_names(original: str, edited: str) -> str:
    """`edited` with an import added for every name it loads but never binds (the original's import of
    that name first, else a standard-library one); unchanged when nothing is missing or it does not parse."""
    before, after = _parse(original), _parse(edited)
    if before is None or after is None or star_import(after) or star_import(before):
        return edited
    bound = bound_names((edited,))
    missing = dict.fromkeys(n.id for n in ast.walk(after)
                            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound)
    imports = [stmt for name in missing if (stmt := _import_of(before, name) or stdlib_import(name))]
    return add_imports(edited, list(dict.fromkeys(imports))) if imports else edited


def _start(node: ast.stmt) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _units(tree: ast.Module) -> dict[str, tuple[int, int]]:
    """name -> (first line, last line), 1-based: top-level functions, methods and other class-level
    statements by qualified name, module-level statements other than imports and the docstring by what
    they bind (else their text)."""
    out: dict[str, tuple[int, int]] = {}

    def add(key: str, node: ast.stmt) -> None:
        if key in out:                      # the same name twice (an overload, a redefinition): not a unit
            out[key] = (0, 0)
        else:
            out[key] = (_start(node), node.end_lineno or node.lineno)

    for k, node in enumerate(tree.body):
        if isinstance(node, _IMPORTS):
            continue
        if k == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ClassDef):
            for j, sub in enumerate(node.body):
                add(f"{node.name}.{'<doc>' if j == 0 and _doc(sub) else _key(sub)}", sub)
            add(f"{node.name}.<header>", node)
        else:
            add(_key(node), node)
    return out


def _key(node: ast.stmt) -> str:
    """A function by its name, an assignment by the names it assigns (`=RATE`), else a statement by its text."""
    if isinstance(node, _DEFS):
        return node.name
    names = _assigned(node)
    return "=" + ",".join(names) if names else ast.dump(node)


def _doc(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _text(lines: list[str], span: tuple[int, int]) -> str:
    return "\n".join(lines[span[0] - 1:span[1]])


def _header(lines: list[str], span: tuple[int, int], tree: ast.Module, name: str) -> str:
    """A class's own lines (decorators, bases, keywords) without its body: its header unit."""
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    return "\n".join(lines[span[0] - 1:node.body[0].lineno - 1]) if node.body else _text(lines, span)


def pieces(original: str, edited: str) -> list[tuple[str, str]]:
    """(unit, module) for each unit the edit changes when it changes two or more: every other changed unit
    as the original had it. [] when the edit changes fewer than two units, adds or drops a unit (a new
    helper may be what the fix needs), or a module does not parse."""
    before, after = _parse(original), _parse(edited)
    if before is None or after is None:
        return []
    old_lines, new_lines = original.split("\n"), edited.split("\n")
    old_units, new_units = _units(before), _units(after)
    if set(old_units) != set(new_units) or (0, 0) in old_units.values() or (0, 0) in new_units.values():
        return []

    def text(lines, units, tree, key):
        if key.endswith(".<header>"):
            return _header(lines, units[key], tree, key.split(".")[0])
        return _text(lines, units[key])

    changed = [k for k in new_units
               if text(old_lines, old_units, before, k) != text(new_lines, new_units, after, k)]
    if len(changed) < 2 or any(k.endswith(".<header>") for k in changed):
        return []
    out = []
    for keep in changed:
        lines = list(new_lines)
        for k in sorted((k for k in changed if k != keep), key=lambda k: new_units[k][0], reverse=True):
            a, b = new_units[k]
            lines[a - 1:b] = text(old_lines, old_units, before, k).split("\n")
        module = "\n".join(lines)
        if _parse(module) is None:
            continue
        module = restore_names(original, module)
        if module not in (original, edited):
            out.append((keep, module))
    return out


def piece_mutants(edits: list[tuple[int, dict[str, str]]], original: Callable[[str], str],
                  limit: int) -> list[Mutant]:
    """The pieces of the samples' edits as hypotheses for the mutation search (agent/stages/patch_mutants.py):
    (sample, files after) pairs in, one Mutant per piece (a whole new file), distinct, at most `limit`, the
    edits taking turns so that one large edit cannot use up the limit. `original(path)` reads a file ("" when
    it cannot: new files are left out)."""
    groups: list[list[Mutant]] = []
    seen: set[tuple[str, str]] = set()
    for sample, files in edits:
        group = []
        for path, text in sorted(files.items()):
            before = original(path) if path.endswith(".py") else ""
            if not before:                      # not Python, a new file, or one that cannot be read
                continue
            found = pieces(before, text)
            if len([p for p in files if p.endswith(".py")]) > 1:     # an edit of several files: each file alone
                found.append((path, restore_names(before, text)))
            for unit, module in found:
                if (path, module) not in seen:
                    seen.add((path, module))
                    group.append(Mutant(path=path, text=module, rule=f"piece {unit} of sample {sample}", line=0))
        groups.append(group)
    width = max((len(g) for g in groups), default=0)
    return [g[i] for i in range(width) for g in groups if i < len(g)][:limit]
