"""Splice definitions into a file by their `ast` spans (the whole-function edit format).

Pure: no I/O, no model, no sandbox. Spans come from Python's `ast`, not tree-sitter: it is the
grammar the candidate must compile under anyway (agent.editing.compiles), it gives exact spans
(decorator_list, end_lineno, async defs) without walking concrete-syntax nodes, and the model's block
must be parsed as well. Its cost: a file the host Python cannot parse (newer syntax) is refused, and
the caller falls back to SEARCH/REPLACE for it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from agent.parsing import FormatError, IdenticalError, NoFunctionError

_Def = (ast.FunctionDef, ast.AsyncFunctionDef)
FUNCTION_FORMAT = ("Reply with the file path on one line, then one ```python block holding the complete new "
                   "function or method (with its decorators).")


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def is_placeholder(d: ast.stmt) -> bool:
    """A def whose body is only `...` (after its docstring): an outline line standing for code left out."""
    doc = d.body and _is_docstring(d.body[0]) and isinstance(d.body[0].value.value, str)
    body = d.body[1:] if doc else d.body
    return (isinstance(d, _Def) and len(body) == 1 and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant) and body[0].value.value is Ellipsis)


def dedent_top(src: str) -> str:
    # A method copied from inside its class arrives indented; strip the first code line's indentation.
    first = next((ln for ln in src.split("\n") if ln.strip() and not ln.lstrip().startswith("#")), "")
    return "\n".join(_reindent(src.split("\n"), _indent(first), ""))


def parse_block(src: str, path: str) -> ast.Module:
    try:
        return ast.parse(dedent_top(src))
    except SyntaxError as err:
        raise FormatError(f"Your ```python block for {path} has a syntax error at line {err.lineno}: {err.msg}. "
                          "Send the complete, corrected function.") from None


@dataclass(frozen=True)
class _Found:
    qualname: str    # "f", "C.m", "f.inner"
    parent: str      # "module", "class" or "function": what the definition is directly inside
    node: ast.stmt


def _index(module: ast.Module) -> list[_Found]:
    """Every def and class with its qualname; if/try/with blocks do not add to the name."""
    out: list[_Found] = []

    def visit(stmts: list, prefix: str, parent: str) -> None:
        for s in stmts:
            if isinstance(s, (*_Def, ast.ClassDef)):
                q = prefix + s.name
                out.append(_Found(q, parent, s))
                visit(s.body, q + ".", "class" if isinstance(s, ast.ClassDef) else "function")
            else:
                for field in ("body", "orelse", "handlers", "finalbody", "cases"):
                    visit(getattr(s, field, []) or [], prefix, parent)

    visit(module.body, "", "module")
    return out


def splice_function(content: str, new_src: str, path: str) -> tuple[str, str]:
    """(new content, rule): the definitions in `new_src` replace their namesakes' full spans, decorators
    included. Rule "function:<qualname>" per spliced definition ("new" when appended), joined by "+"."""
    crlf = "\r\n" in content and content.count("\n") == content.count("\r\n")
    content = content.replace("\r\n", "\n") if crlf else content
    new_src = new_src.replace("\r\n", "\n")
    block = parse_block(new_src, path)
    src_lines = dedent_top(new_src).split("\n")
    parts: list[str] = []
    new = content
    if not any(isinstance(d, (*_Def, ast.ClassDef)) for d in block.body):
        raise NoFunctionError("No function or class definition found in your block. " + FUNCTION_FORMAT)
    for d in block.body:
        if isinstance(d, ast.ClassDef):
            new, done = _splice_class(new, d, src_lines, path)
        elif isinstance(d, _Def):
            new, done = _splice_def(new, d, src_lines, path, inside=None)
        elif isinstance(d, (ast.Import, ast.ImportFrom)) or _is_docstring(d):
            continue
        else:
            new, done = _splice_statement(new, d, src_lines, path)
        parts += done
    new = _add_imports(new, [s for s in block.body if isinstance(s, (ast.Import, ast.ImportFrom))])
    if new == content:
        raise IdenticalError(f"Your function is identical to the current code in {path}: change the code.")
    return (new.replace("\n", "\r\n") if crlf else new), "function:" + "+".join(parts)


def _parse_file(content: str, path: str) -> list[_Found]:
    try:
        return _index(ast.parse(content))
    except SyntaxError as err:
        raise FormatError(f"{path} does not parse (line {err.lineno}: {err.msg}), so a function cannot be "
                          "located in it: use SEARCH/REPLACE blocks for this file.") from None


def _pick(group: list[_Found], d: ast.stmt, path: str) -> _Found | None:
    """The one namesake, narrowed by decorators (a @property and its @x.setter share a name)."""
    if len(group) > 1:
        same = [f for f in group if _decorators(f.node) == _decorators(d)]
        group = same if len(same) == 1 else group
    if len(group) > 1:
        where = ", ".join(f"{f.qualname} (line {f.node.lineno})" for f in group)
        raise FormatError(f"{path} defines {d.name} more than once: {where}. Use SEARCH/REPLACE blocks "
                          "with enough surrounding lines to pick one.")
    return group[0] if group else None


def _splice_def(content: str, d: ast.stmt, src_lines: list[str], path: str,
                inside: _Found | None) -> tuple[str, list[str]]:
    if is_placeholder(d):
        return content, []
    found = _parse_file(content, path)
    if inside is not None:  # a method from a class block: only that class's own methods qualify
        groups = [[f for f in found if f.qualname == f"{inside.qualname}.{d.name}"]]
    else:
        top = [f for f in found if f.qualname == d.name]
        methods = [f for f in found if f.parent == "class" and f.node.name == d.name]
        nested = [f for f in found if f.parent == "function" and f.node.name == d.name]
        args = d.args.posonlyargs + d.args.args
        # `def m(self, ...)` is a method even when a top-level function shares its name.
        groups = [methods, top, nested] if args and args[0].arg in ("self", "cls") else [top, methods, nested]
    new_lines = _reindent(src_lines[_start(d) - 1:d.end_lineno], _indent(src_lines[_start(d) - 1]), "")
    lines = content.split("\n")
    for group in groups:
        target = _pick(group, d, path)
        if target is None:
            continue
        a, b = _start(target.node) - 1, target.node.end_lineno
        indent = " " * _indent(lines[a])
        replacement = _reindent(new_lines, 0, indent)
        if replacement == lines[a:b]:
            return content, []
        return "\n".join(lines[:a] + replacement + lines[b:]), [target.qualname]
    if inside is not None:  # a new method: append to the end of its class body
        body_indent = " " * _indent(lines[inside.node.body[0].lineno - 1])
        b = inside.node.end_lineno
        return "\n".join(lines[:b] + [""] + _reindent(new_lines, 0, body_indent) + lines[b:]), ["new"]
    return _append(content, new_lines), ["new"]


def _splice_class(content: str, c: ast.ClassDef, src_lines: list[str], path: str) -> tuple[str, list[str]]:
    """A whole `class X:` block: splice each of its methods into the file's class X (the model's
    unchanged methods are no-ops); a class the file does not have is appended."""
    found = _parse_file(content, path)
    classes = [f for f in found if isinstance(f.node, ast.ClassDef) and f.node.name == c.name]
    target = _pick([f for f in classes if f.qualname == c.name], c, path) or _pick(classes, c, path)
    if target is None:
        lines = src_lines[_start(c) - 1:c.end_lineno]
        return _append(content, _reindent(lines, _indent(lines[0]), "")), ["new"]
    parts: list[str] = []
    for m in c.body:
        if isinstance(m, _Def):
            inside = next(f for f in _parse_file(content, path) if f.qualname == target.qualname)
            content, done = _splice_def(content, m, src_lines, path, inside=inside)
            parts += [f"{target.qualname}.{m.name}" if p == "new" else p for p in done]
    return content, parts


def _assigned(stmt: ast.stmt) -> tuple[str, ...]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else []
    return tuple(sorted(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)))


def _splice_statement(content: str, stmt: ast.stmt, src_lines: list[str], path: str) -> tuple[str, list[str]]:
    """A module-level statement in the block (a model that sends the whole module): one the file
    already has is a no-op; an assignment replaces the file's one assignment of the same names."""
    module = ast.parse(content)
    same = ast.dump(stmt)
    if any(ast.dump(s) == same for s in module.body):
        return content, []
    names = _assigned(stmt)
    matches = [s for s in module.body if names and _assigned(s) == names]
    if len(matches) != 1:
        raise FormatError(f"The block for {path} holds more than definitions (line {stmt.lineno}: "
                          f"{ast.unparse(stmt)[:60]!r}). " + FUNCTION_FORMAT)
    lines = content.split("\n")
    a, b = matches[0].lineno - 1, matches[0].end_lineno
    replacement = src_lines[stmt.lineno - 1:stmt.end_lineno]
    return "\n".join(lines[:a] + replacement + lines[b:]), ["=" + ",".join(names)]


def _append(content: str, new_lines: list[str]) -> str:
    body = content.rstrip("\n")
    return (body + "\n\n\n" if body else "") + "\n".join(new_lines).rstrip("\n") + "\n"


def _add_imports(content: str, imports: list[ast.stmt]) -> str:
    if not imports:
        return content
    module = ast.parse(content)
    have = {ast.unparse(s) for s in module.body if isinstance(s, (ast.Import, ast.ImportFrom))}
    missing = [ast.unparse(s) for s in imports if ast.unparse(s) not in have]
    if not missing:
        return content
    # After the last top-level import, else after the module docstring, else at the top.
    anchors = [s for s in module.body if isinstance(s, (ast.Import, ast.ImportFrom))] or \
        [s for s in module.body[:1] if _is_docstring(s)]
    at = anchors[-1].end_lineno if anchors else 0
    lines = content.split("\n")
    return "\n".join(lines[:at] + missing + lines[at:])


def _start(node: ast.stmt) -> int:
    return min([node.lineno] + [x.lineno for x in getattr(node, "decorator_list", [])])


def _decorators(node: ast.stmt) -> list[str]:
    return [ast.unparse(x) for x in getattr(node, "decorator_list", [])]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _reindent(lines: list[str], remove: int, add: str) -> list[str]:
    return [add + ln[min(remove, _indent(ln)):] if ln.strip() else "" for ln in lines]
