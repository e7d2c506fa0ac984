"""Land a whole-file answer without the damage small models do to the parts they did not mean to change.

In the dev set's saved folders (train 72af736, test 906815c), 30 of 173 candidates from whole-file answers
dropped something of the original: a function the issue does not name (`unique_slug`, `format_eta`), the
module docstring with `from __future__ import annotations`, or `import datetime as dt`; several replaced the
header with the issue's own import line (`from paginate import page_count, paginate` inside
paginate/pages.py: a circular import). Each such candidate fails the repository's tests whatever its fix.

Answers also add code that shows the fix rather than making it (session 35: 43 distinct candidates of the saved
dev-set folders, README "demo code"): the issue's example pasted above the class it calls (`a = Cart("ann")`: a NameError on import),
`print(shift_hours("22:00", "06:00"))`, a call of a test function, an `if __name__ == "__main__":` block, an
`__all__`. Such a statement cannot be spliced, so the whole answer landed as sent, with what it dropped lost too.

`merge_whole_file` first takes out that demo code (`demo_code`), then keeps the answer as it is when it drops
nothing; otherwise its definitions and changed assignments are spliced into the original by their `ast` spans
(agent/ast_splice.py, the function format's splicer), so what the answer left out stays, and imports of names
the file defines itself are left out. Pure: no I/O, no model, no sandbox.
"""
from __future__ import annotations

import ast

from agent.ast_splice import _assigned, splice_function
from agent.parsing import FormatError, IdenticalError, UnchangedError
from agent.patches import is_test_file

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# The feedback when all an answer changes is demo code (agent/funnel.py counts it as `demo_only`).
DEMO_ONLY = ("Your answer only adds code that runs an example (prints, asserts, calls, a main block) and changes "
             "nothing the issue is about. Change the code of the function that has the bug instead.")


def _names(stmt: ast.stmt) -> tuple[str, ...]:
    return (stmt.name,) if isinstance(stmt, _DEFS) else _assigned(stmt)


def _key(stmt: ast.stmt, first: bool) -> tuple:
    if first and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) \
            and isinstance(stmt.value.value, str):
        return ("docstring",)
    if isinstance(stmt, _DEFS):
        return ("def", stmt.name)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return ("import", ast.dump(stmt))
    names = _names(stmt)
    return ("assign", names) if names else ("stmt", ast.dump(stmt))


def _keys(module: ast.Module) -> set[tuple]:
    return {_key(s, k == 0) for k, s in enumerate(module.body)}


def self_imports(original: ast.Module, answer: ast.Module) -> list[ast.stmt]:
    """`from X import a, b` statements of the answer, not in the original, whose every name the original
    defines at its top level: the issue's import line pasted into the module it imports from."""
    defined = {n for s in original.body for n in _names(s)}
    had = {ast.dump(s) for s in original.body if isinstance(s, ast.ImportFrom)}
    return [s for s in answer.body if isinstance(s, ast.ImportFrom) and ast.dump(s) not in had
            and s.names and all(a.name in defined for a in s.names)]


def dropped(original: ast.Module, answer: ast.Module) -> list[tuple]:
    """What of the original's top level the answer no longer has (definitions by name, imports and
    other statements by content, assignments by the names they bind, the module docstring)."""
    return sorted(_keys(original) - _keys(answer), key=str)


def _loaded(nodes) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _main_guard(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If) and "__name__" in _loaded([stmt.test])


def _callee(stmt: ast.stmt) -> str | None:
    """What a top-level expression statement calls (`print`, `app.register`); None for anything else."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return ast.unparse(stmt.value.func)
    return None


def _configures_a_library(stmt: ast.stmt, imported: set[str]) -> bool:
    """`atexit.register(close)`, `warnings.filterwarnings(...)`: a call on an imported module or name, which a
    fix may add at module level (not a call of the module's own code, a print, or a demo variable's method)."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    root = stmt.value.func
    while isinstance(root, (ast.Attribute, ast.Call, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    return isinstance(root, ast.Name) and root.id in imported


def _initializer(stmt: ast.stmt, defined: set[str]) -> bool:
    """`_register_handlers()`: the module calling its own set-up function without arguments, which a fix may add
    (not a test, `main()` or a demo: those are shows, and a call with arguments shows a value)."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args
            and not stmt.value.keywords and isinstance(stmt.value.func, ast.Name) and stmt.value.func.id in defined
            and not stmt.value.func.id.lower().startswith(("test", "main", "demo", "example", "run")))


def demo_code(original: ast.Module, answer: ast.Module, *, test_module: bool = False) -> list[ast.stmt]:
    """Top-level statements of the answer, not in the original, that run an example instead of defining
    anything: expression statements (calls, prints; not the module docstring), asserts, loops, an
    `if __name__ == "__main__":` block, a new `test_*` function (outside a test module), and assignments of
    new names that no definition or other kept statement of the answer reads (`a = Cart("ann")`,
    `__all__ = [...]`). Not demo code: a changed form of a statement the original has (a call of the same
    function, its own main block), a call that configures an imported library (`atexit.register(close)`) or
    the module's own set-up function called without arguments (`_register_handlers()`), which may be the fix."""
    had = {ast.dump(s) for s in original.body}
    names = {n for s in original.body for n in _names(s)}
    calls = {c for s in original.body if (c := _callee(s))}
    guarded = any(_main_guard(s) for s in original.body)
    new = [s for k, s in enumerate(answer.body) if ast.dump(s) not in had and not (k == 0 and _key(s, True) == ("docstring",))]
    defined = {n for s in answer.body for n in _names(s)}
    imported = {(a.asname or a.name).split(".")[0] for s in answer.body if isinstance(s, (ast.Import, ast.ImportFrom))
                for a in s.names} - defined
    demo = [s for s in new if (isinstance(s, (ast.Expr, ast.Assert, ast.For, ast.While)) and _callee(s) not in calls
                               and not _configures_a_library(s, imported) and not _initializer(s, defined))
            or (_main_guard(s) and not guarded)]
    tests = [s for s in new if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith("test")
             and not test_module]
    assigns = [s for s in new if isinstance(s, (ast.Assign, ast.AnnAssign)) and _names(s)] + tests
    assigns = [s for s in assigns if not set(_names(s)) & names]
    while True:       # a new name read only by demo code is demo code too
        rest = [s for s in answer.body if s not in demo and s not in assigns]
        read = _loaded(rest)
        more = [s for s in assigns if not set(_names(s)) & read]
        if not more:
            return sorted(demo, key=lambda s: s.lineno)
        demo += more
        assigns = [s for s in assigns if s not in more]


def _without(answer: str, stmts: list[ast.stmt]) -> str:
    lines = answer.split("\n")
    for s in sorted(stmts, key=lambda s: s.lineno, reverse=True):
        first = min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])])   # decorators go too
        del lines[first - 1:s.end_lineno]
    return "\n".join(lines)


def merge_whole_file(original: str, answer: str, path: str) -> tuple[str, str]:
    """(new content, rule) for a whole-file answer: ("answer as is", "whole_file") when it keeps all of the
    original's top level and imports nothing from itself; else the answer's definitions spliced into the
    original ("whole_file:merged"; the original unchanged when the answer only left things out). An answer
    or original that does not parse, or whose module-level changes cannot be placed, lands as it is."""
    try:
        before, after = ast.parse(original), ast.parse(answer)
    except SyntaxError:
        return answer, "whole_file"
    demo = demo_code(before, after, test_module=is_test_file(path))
    if demo:
        try:
            answer, after = _without(answer, demo), ast.parse(_without(answer, demo))
        except SyntaxError:        # `a = f(); print(a)` on one line: leave the answer as it is
            demo = []
    pasted = self_imports(before, after)
    if not pasted and not dropped(before, after):
        if demo and ast.dump(after) == ast.dump(before):
            raise UnchangedError(DEMO_ONLY)
        return answer, "whole_file:demo-cut" if demo else "whole_file"
    cleaned = _without(answer, pasted)
    try:
        return splice_function(original, cleaned, path)[0], "whole_file:merged"
    except IdenticalError:
        if demo:
            raise UnchangedError(DEMO_ONLY) from None
        return original, "whole_file:merged"
    except (FormatError, SyntaxError, ValueError):
        return cleaned, "whole_file"
