"""What a synthesized report's snippet needs from its test module to run on its own (pure).

pytest's traceback shows the failing test's body, not the module around it: `print(merge_with(sum, ...))`
without `from toolz import merge_with`, `thread_first(2, inc)` without the test module's `def inc(x)`. A user's
report would carry both. Here: the module's imports of the names the snippet uses (only those), and its own
top-level helpers (functions, classes, constants; with whatever they use in turn), in module order. Fixtures,
tests and anything naming a failing test stay out: a report never shows the test."""
from __future__ import annotations

import ast

FIXTURE_MARKS = ("fixture", "pytest.fixture", "mark", "pytest.mark")
MAX_HELPER_LINES = 40          # more helper code than this and the report shows the imports only


def context_lines(test_source: str, code: str, banned: tuple[str, ...] = ()) -> list[str]:
    """Import lines, then helper sources, that make `code` (the snippet) run as the test module ran it."""
    try:
        module, snippet = ast.parse(test_source), ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    imports, helpers = _module_names(module, test_source)
    wanted, seen = sorted(free_names(snippet)), set()
    used_imports: dict[tuple[int, int], str] = {}
    used_helpers: dict[int, str] = {}
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in imports:
            order, line = imports[name]
            used_imports[order] = line
        elif name in helpers:
            order, node, text = helpers[name]
            used_helpers[order] = text
            wanted += sorted(free_names(node) - seen)
    lines = [used_imports[k] for k in sorted(used_imports)]
    helper_lines = [ln for k in sorted(used_helpers) for ln in used_helpers[k].splitlines()]
    lines += helper_lines if len(helper_lines) <= MAX_HELPER_LINES else []    # a report is not the test module
    if any(b and b in ln for b in banned for ln in lines):
        return []
    return lines


def free_names(tree: ast.AST) -> set[str]:
    """Names the code reads before (or without) binding them itself: what must come from elsewhere. At module
    level `orig = check_valid` then `check_valid = wrap(orig)` reads the imported one first. An assignment binds
    after its value is read (`total = total + 1`); loop, `with` and comprehension targets, defs, imports and
    arguments bind where they stand."""
    first_read: dict[str, tuple[int, int]] = {}
    first_bound: dict[str, tuple[int, int]] = {}

    late: set[int] = set()       # assignment targets: bound at the statement's end

    def bind(name: str, at: tuple[int, int]) -> None:
        first_bound[name] = min(first_bound.get(name, at), at)

    for node in ast.walk(tree):
        at = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        late.add(id(n))
                        bind(n.id, (node.end_lineno or 0, node.end_col_offset or 0))
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for gen in node.generators:      # `[y for y in z]` binds y before its element reads it
                for n in ast.walk(gen.target):
                    if isinstance(n, ast.Name):
                        bind(n.id, at)
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                first_read[node.id] = min(first_read.get(node.id, at), at)
            elif id(node) not in late:
                bind(node.id, at)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, at)
        elif isinstance(node, ast.arg):
            bind(node.arg, (0, 0))        # an argument is bound wherever its function's body reads it
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                bind(a.asname or a.name.split(".")[0], at)
    return {n for n, at in first_read.items() if n not in first_bound or at < first_bound[n]}


def _module_names(module: ast.Module, source: str):
    """name -> ((statement, alias), import line) for the module's own imports; name -> (order, node, source) for its helpers."""
    lines = source.splitlines()
    imports: dict[str, tuple[tuple[int, int], str]] = {}
    helpers: dict[str, tuple[int, ast.AST, str]] = {}
    for k, node in enumerate(module.body):
        if isinstance(node, ast.Import):
            for j, a in enumerate(node.names):
                if a.name != "pytest":
                    imports[a.asname or a.name.split(".")[0]] = ((k, j), ast.unparse(ast.Import(names=[a])))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for j, a in enumerate(node.names):
                if a.name != "*" and node.module.split(".")[0] != "pytest":
                    imports[a.asname or a.name] = ((k, j), ast.unparse(ast.ImportFrom(node.module, [a], 0)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name.lower().startswith("test") or any(_is_mark(d) for d in node.decorator_list):
                continue
            start = min([d.lineno for d in node.decorator_list] + [node.lineno])
            helpers[node.name] = (k, node, "\n".join(lines[start - 1:node.end_lineno]))
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for t in node.targets:
                helpers[t.id] = (k, node, "\n".join(lines[node.lineno - 1:node.end_lineno]))
    return imports, helpers


def _is_mark(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    text = ast.unparse(target)
    return any(text == m or text.startswith(m + ".") for m in FIXTURE_MARKS)
