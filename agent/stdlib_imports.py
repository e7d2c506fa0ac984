"""Standard-library imports a one-line repair needs: a fill such as `unicodedata.normalize("NFKD", text)`
or `Decimal(str(amount)).quantize(...)` is right only with its import, which a fill of one line cannot
write. The names a new line loads that nothing in its module binds are looked up in the standard
library; a name found in exactly one place gets its import at the top of the module.

Pure (it reads the running interpreter's standard library, never the repository's environment).
"""
from __future__ import annotations

import ast
import importlib
import sys
from functools import lru_cache

from agent.issue_names import bound_names

# The modules whose members a repair is likely to name bare (`Decimal`, `defaultdict`, `ROUND_HALF_UP`).
MEMBER_MODULES = ("bisect", "calendar", "collections", "copy", "dataclasses", "datetime", "decimal", "enum",
                  "fractions", "functools", "heapq", "itertools", "math", "operator", "pathlib", "statistics",
                  "string", "textwrap", "typing", "unicodedata")


@lru_cache(maxsize=1)
def _members() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for name in MEMBER_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        public = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        for member in public:
            out.setdefault(member, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def stdlib_import(name: str) -> str | None:
    """`import unicodedata`, `from decimal import Decimal`, or None (unknown, or in several modules)."""
    if name in getattr(sys, "stdlib_module_names", ()) and not name.startswith("_"):
        return f"import {name}"
    where = _members().get(name, ())
    return f"from {where[0]} import {name}" if len(where) == 1 else None


def star_import(tree: ast.Module) -> bool:
    """`from x import *` anywhere: it may bind any name, so no import is added beside it."""
    return any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))


def needed_imports(source: str, line: int, last: int | None = None) -> list[str]:
    """The import statements the code on lines `line`..`last` of `source` needs, in first-use order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    if star_import(tree):
        return []                    # a star import may bind any name: adding one could shadow it
    bound = bound_names((source,))
    out: list[str] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and line <= node.lineno <= (last or line)
                and node.id not in bound):
            stmt = stdlib_import(node.id)
            if stmt and stmt not in out:
                out.append(stmt)
    return out


def add_imports(source: str, imports: list[str]) -> str:
    """The source with `imports` after its last top-level import (else after the docstring)."""
    if not imports:
        return source
    tree = ast.parse(source)
    at = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            at = node.end_lineno
        elif at == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]:
            at = node.end_lineno
        elif not isinstance(node, (ast.Import, ast.ImportFrom)):
            break
    lines = source.split("\n")
    return "\n".join(lines[:at] + imports + lines[at:])
