"""Names in code taken from an issue: what is safe to run, which names nothing binds, which
imports bind them. Pure (`ast` only)."""
from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.issue_checks import IssueCheck

_FORBIDDEN = {"eval", "exec", "compile", "__import__", "breakpoint", "input", "globals", "locals", "vars",
              "getattr", "setattr", "delattr"}
# Dunders that are an object's ordinary protocol or metadata, as issues call them (`p.__get__(None)`,
# `f.__name__`); every other dunder (`__class__`, `__subclasses__`, `__globals__`, `__dict__` ...) is reflection.
_PROTOCOL = {f"__{n}__" for n in (
    "get set delete call len iter next reversed contains getitem setitem delitem missing length_hint "
    "eq ne lt le gt ge hash bool repr str format bytes int float complex index round trunc floor ceil "
    "add sub mul matmul truediv floordiv mod divmod pow neg pos abs invert lshift rshift and or xor "
    "radd rsub rmul rtruediv rfloordiv rmod rpow rand ror rxor iadd isub imul ior iand "
    "enter exit copy deepcopy fspath name qualname doc wrapped").split()}


def safe_code(src: str) -> bool:
    """Issue code runs in the sandbox like any test, but nothing reflective or dynamic is taken from it."""
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name and (name in _FORBIDDEN or (name.startswith("__") and name not in _PROTOCOL)):
            return False
    return True


def import_for(call: str, setup: tuple[str, ...]) -> tuple[str, ...]:
    """`pkg.mod.f(x)` with `pkg` unbound: import `pkg.mod` (the issue names the module)."""
    try:
        func = ast.parse(call, mode="eval").body
    except SyntaxError:
        return setup
    parts = []
    node = func.func if isinstance(func, ast.Call) else func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or not parts:
        return setup
    bound = set()
    for stmt in ast.parse("\n".join(setup)).body if setup else []:
        for n in ast.walk(stmt):
            if isinstance(n, ast.alias):
                bound.add((n.asname or n.name).split(".")[0])
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                bound.add(n.id)
    if node.id in bound:
        return setup
    module = ".".join([node.id] + list(reversed(parts))[:-1])
    return setup + (f"import {module}",)


def bound_names(setup: tuple[str, ...]) -> set[str]:
    """Every name the code binds anywhere, builtins included (scopes ignored: a name bound somewhere is
    never imported again). Also used for a whole module by agent/stdlib_imports.py."""
    names = set(dir(builtins))
    for src in setup:
        for n in ast.walk(ast.parse(src)):
            if isinstance(n, ast.alias):
                names.add((n.asname or n.name).split(".")[0])
            elif isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                names.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                names.add(n.name)
            elif isinstance(n, ast.arg):
                names.add(n.arg)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                names.update(n.names)
            elif isinstance(n, (ast.ExceptHandler, ast.MatchAs)) and n.name:
                names.add(n.name)
    return names


def unbound_names(check: IssueCheck) -> list[str]:
    """Names the setup or call use that nothing binds (a call named in prose lacks its import)."""
    bound = bound_names(check.setup)
    trees = [ast.parse(s) for s in check.setup] + [ast.parse(check.call, mode="eval")]
    used = [n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return sorted({n for n in used if n not in bound})


def with_imports(check: IssueCheck, definitions: dict[str, list[str]], modules: frozenset[str] = frozenset(),
                 stdlib: Callable[[str], str | None] = lambda name: None) -> IssueCheck:
    """Import each unbound name from the one repository module that defines it at top level
    (`definitions`: name -> modules); of several, the one nearest the top when it is alone at its depth
    (toolz.dicttoolz.merge over toolz.curried.exceptions.merge), else the name stays unbound (no guessing).
    An unbound name that is one of the repository's own packages or modules (`modules`: dotted names), as in
    `print(pkg.sub.f(1))` shown without `import pkg`, is imported as the deepest module the call names; else
    `stdlib(name)`'s import (agent/stdlib_imports.py stdlib_import: `defaultdict`, `itemgetter` from their one module)."""
    extra = []
    for name in unbound_names(check):
        if check.own_modules_only and name not in modules:
            if stmt := _unmistakable(name, definitions.get(name, []), stdlib):
                extra.append(stmt)
            continue
        if mod := one_module(definitions.get(name, [])):
            extra.append(f"from {mod} import {name}")
        elif name in modules:
            extra.append(f"import {_deepest_module(name, check, modules)}")
        elif stmt := stdlib(name):
            extra.append(stmt)
    return replace(check, setup=tuple(extra) + check.setup) if extra else check


def _unmistakable(name: str, mods: list[str], stdlib: Callable[[str], str | None]) -> str | None:
    """A lone error line says nowhere where a name came from: only a name nothing else can mean is imported,
    one repository module's own (not also a standard-library member: `reduce` may be functools' or the
    package's curried one, `merge` toolz.dicttoolz's or toolz.curried's) or a standard-library module."""
    stmt = stdlib(name)
    if len(set(mods)) == 1 and stmt is None:
        return f"from {mods[0]} import {name}"
    return stmt if not mods and stmt and stmt.startswith("import ") else None


def one_module(mods: list[str]) -> str | None:
    mods = sorted(set(mods), key=lambda m: (m.count("."), m))
    return mods[0] if mods and (len(mods) == 1 or mods[0].count(".") < mods[1].count(".")) else None


def _deepest_module(name: str, check: IssueCheck, modules: frozenset[str]) -> str:
    """The longest `name.a.b` attribute chain in the check's code that is a repository module, else `name`."""
    best = name
    for src in check.setup + (check.call,):
        for node in ast.walk(ast.parse(src)):
            parts = []
            while isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id == name:
                chain = [name] + parts[::-1]
                for k in range(len(chain), 1, -1):
                    dotted = ".".join(chain[:k])
                    if dotted in modules and len(dotted) > len(best):
                        best = dotted
    return best


def bind_from_issue(call: str, setup: tuple[str, ...], imports: tuple[str, ...]) -> tuple[str, ...]:
    """A shown call whose root name its snippet never binds (`print(np.f(1))`, with `import numpy as np` in
    another block): the issue's own import of that name. A name no block imports is left to the test stage,
    which imports it from the repository when the repository has it (agent/issue_names.py with_imports)."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return setup
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    if not isinstance(node, ast.Name) or node.id in bound_names(setup):
        return setup
    own = [s for s in imports if node.id in bound_names((s,)) - set(dir(builtins))]
    return setup + (own[0],) if own else setup


def prose_setup(call: str, imports: tuple[str, ...], statements: list[list[str]]) -> tuple[str, ...]:
    """Setup for a call named in prose: the statements before it in a code block that shows it, or
    the block that binds its root name, else only the issue's imports this call needs."""
    used = {n.id for n in ast.walk(ast.parse(call, mode="eval")) if isinstance(n, ast.Name)}
    for stmts in statements:
        if call in stmts:
            return import_for(call, tuple(stmts[:stmts.index(call)]))
    for stmts in statements:
        if (bound_names(tuple(stmts)) - set(dir(builtins))) & used:
            return import_for(call, tuple(s for s in stmts if s != call))
    # Only the issue's imports this call needs: one broken import elsewhere must not sink it.
    return import_for(call, tuple(s for s in imports if bound_names((s,)) - set(dir(builtins)) & used))
