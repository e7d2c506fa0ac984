"""Repair the imports of a model-written reproduction test from its own failure (no model call).

In the dev set's saved folders (train 72af736, test 906815c), 29 of the 70 feedback turns the test stage gave
were a NameError or ImportError of the test itself (`Item`, `pytest`, `json` used without an import; `full_name`
imported from the package instead of its module; `RoomCalendar` from the standard library's `calendar`), and 13
of the 30 rejected test samples ended on the same error twice: told about it, the 1.5B model sends the same
imports back. The fix is mechanical: the name is defined in one module of the repository (or the standard
library), so the import is written for it and the test runs again.

Pure: the caller gives the repository's definitions (agent/stages/testgen.py `definitions`, `module_names`).
"""
from __future__ import annotations

import ast
import re
from typing import Callable

from agent.issue_names import one_module
from agent.stdlib_imports import add_imports

_NAME_ERROR = re.compile(r"^E\s+NameError: name '(\w+)' is not defined", re.M)
_IMPORT_ERROR = re.compile(r"^E\s+ImportError: cannot import name '(\w+)' from '([\w.]+)'", re.M)
# Modules a test uses without importing them: pytest itself, and the usual aliases.
ALIASES = {"pytest": "import pytest", "dt": "import datetime as dt", "np": "import numpy as np",
           "pd": "import pandas as pd"}


def repair_imports(content: str, output: str, definitions: dict[str, list[str]], modules: frozenset[str],
                   stdlib: Callable[[str], str | None]) -> tuple[str, str] | None:
    """(new test content, what was done) for the first NameError / ImportError of `output` that an import
    fixes, or None: the name is defined at the top level of exactly one repository module (`definitions`:
    name -> modules; of several, the one nearest the top when alone at its depth), is a repository module,
    a standard-library name (`stdlib`, agent/stdlib_imports.py), `pytest` or a usual alias (`dt`)."""
    try:
        tree = ast.parse(content)
    except SyntaxError:
        return None
    if m := _NAME_ERROR.search(output or ""):
        name = m.group(1)
        mod = one_module(definitions.get(name, []))
        stmt = f"from {mod} import {name}" if mod else f"import {name}" if name in modules \
            else stdlib(name) or ALIASES.get(name)
        if not stmt or stmt in content.split("\n"):
            return None
        return add_imports(content, [stmt]), f"added `{stmt}`"
    if m := _IMPORT_ERROR.search(output or ""):
        name, wrong = m.groups()
        mod = one_module(definitions.get(name, []))
        if not mod or mod == wrong:
            return None
        return _move_import(content, tree, name, wrong, mod)
    return None


def _move_import(content: str, tree: ast.Module, name: str, wrong: str, right: str) -> tuple[str, str] | None:
    """`from wrong import a, name` -> `from wrong import a` + `from right import name`."""
    nodes = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == wrong and n.level == 0
             and any(a.name == name for a in n.names)]
    if len(nodes) != 1:
        return None
    node = nodes[0]
    moved = [a for a in node.names if a.name == name]
    kept = [a for a in node.names if a.name != name]
    alias = lambda a: a.name + (f" as {a.asname}" if a.asname else "")  # noqa: E731
    new = ([f"from {wrong} import {', '.join(map(alias, kept))}"] if kept else []) + \
        [f"from {right} import {', '.join(map(alias, moved))}"]
    lines = content.split("\n")
    lines[node.lineno - 1:node.end_lineno] = new
    return "\n".join(lines), f"imported `{name}` from `{right}`, not `{wrong}`"
