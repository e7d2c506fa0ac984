"""Land a whole-file answer without the damage small models do to the parts they did not mean to change.

In the dev set's saved folders (train 72af736, test 906815c), 30 of 173 candidates from whole-file answers
dropped something of the original: a function the issue does not name (`unique_slug`, `format_eta`), the
module docstring with `from __future__ import annotations`, or `import datetime as dt`; several replaced the
header with the issue's own import line (`from paginate import page_count, paginate` inside
paginate/pages.py: a circular import). Each such candidate fails the repository's tests whatever its fix.

`merge_whole_file` keeps the answer as it is when it drops nothing; otherwise its definitions and changed
assignments are spliced into the original by their `ast` spans (agent/ast_splice.py, the function format's
splicer), so what the answer left out stays, and imports of names the file defines itself are left out.
Pure: no I/O, no model, no sandbox.
"""
from __future__ import annotations

import ast

from agent.ast_splice import _assigned, splice_function
from agent.parsing import FormatError, IdenticalError

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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


def merge_whole_file(original: str, answer: str, path: str) -> tuple[str, str]:
    """(new content, rule) for a whole-file answer: ("answer as is", "whole_file") when it keeps all of the
    original's top level and imports nothing from itself; else the answer's definitions spliced into the
    original ("whole_file:merged"; the original unchanged when the answer only left things out). An answer
    or original that does not parse, or whose module-level changes cannot be placed, lands as it is."""
    try:
        before, after = ast.parse(original), ast.parse(answer)
    except SyntaxError:
        return answer, "whole_file"
    pasted = self_imports(before, after)
    if not pasted and not dropped(before, after):
        return answer, "whole_file"
    lines = answer.split("\n")
    for s in sorted(pasted, key=lambda s: s.lineno, reverse=True):
        del lines[s.lineno - 1:s.end_lineno]
    cleaned = "\n".join(lines)
    try:
        return splice_function(original, cleaned, path)[0], "whole_file:merged"
    except IdenticalError:
        return original, "whole_file:merged"
    except (FormatError, SyntaxError, ValueError):
        return cleaned, "whole_file"
