"""Whole-function and whole-file edit formats: parse the model's ```python blocks, splice them in.

Pure: no I/O, no model, no sandbox. Spans come from Python's `ast`, not tree-sitter: it is the
grammar the candidate must compile under anyway (agent.editing.compiles), it gives exact spans
(decorator_list, end_lineno, async defs) without walking concrete-syntax nodes, and the model's block
must be parsed as well. Its cost: a file the host Python cannot parse (newer syntax) is refused, and
the caller falls back to SEARCH/REPLACE for it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from agent.parsing import FormatError, strip_line_numbers

_FENCE = re.compile(r"```[ \t]*([^\n`]*)\n(.*?)```", re.S)  # as agent.parsing.code_blocks: small models close fences mid-line
_PY_PATH = re.compile(r"[\w./-]*\w\.py\b")
_NUMBERED = re.compile(r"^\s*\d+ \|(?: |$)")
_CODE_LANGS = {"", "python", "py", "python3"}
_Def = (ast.FunctionDef, ast.AsyncFunctionDef)
_FORMAT = ("Reply with the file path on one line, then one ```python block holding the complete new "
           "function or method (with its decorators).")


@dataclass(frozen=True)
class FunctionEdit:
    path: str
    source: str    # one complete definition (def, async def or class), after any imports its block added


# ------------------------------------------------------------------ parsing
def _blocks(text: str) -> list[tuple[str, str, str]]:
    """(info string, body, text before the block since the previous one) for each fenced block."""
    out, prev = [], 0
    for m in _FENCE.finditer(text or ""):
        out.append((m.group(1).strip(), m.group(2), text[prev:m.start()]))
        prev = m.end()
    if (text or "")[prev:].count("```") % 2:
        raise FormatError("The ```python block is not closed: the reply was cut off. Send a shorter answer.")
    return out


def _clean_code(body: str) -> str:
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if lines and all(_NUMBERED.match(ln) for ln in lines):  # code was shown as `  18 | code`
        body = strip_line_numbers(body)
    return body


def _path_of(info: str, before: str) -> str | None:
    found = _PY_PATH.findall(info)
    if not found:
        for line in reversed(before.strip().split("\n")):
            found = _PY_PATH.findall(line)
            if found:
                break
    if not found:
        return None
    return re.sub(r"^(\./)+|^path/to/", "", found[-1])


def parse_function_rewrite(text: str, default_path: str | None = None) -> list[FunctionEdit]:
    """One FunctionEdit per ```python block (its definitions, imports and changed module-level
    assignments), under the path written before it, else the previous block's, else default_path.
    A reply cut off inside its last block keeps the definitions completed before the cut."""
    try:
        blocks = _blocks(text)
    except FormatError:
        blocks = _blocks(salvage_truncated(text) or "")
        if not blocks:
            raise
    edits: list[FunctionEdit] = []
    last_path = None
    for info, body, before in blocks:
        lang = info.split()[0].lower() if info.split() else ""
        if lang not in _CODE_LANGS and not _PY_PATH.search(info):
            continue
        path = _path_of(info, before) or last_path or default_path
        if path is None:
            raise FormatError("A ```python block has no file path on the line before it. " + _FORMAT)
        last_path = path
        src = _dedent_top(_clean_code(body))
        module = _parse_block(src, path)
        if any(isinstance(s, (*_Def, ast.ClassDef)) for s in module.body):
            edits.append(FunctionEdit(path, src.rstrip("\n") + "\n"))
    if not edits:
        raise FormatError("No ```python block with a function found. " + _FORMAT)
    return edits


_DEF_START = re.compile(r"^[ \t]*(@|def |async def |class )")


def salvage_truncated(text: str) -> str | None:
    """A reply cut off inside its last ```python block (the token limit), reduced to the definitions
    completed before the cut, with the block closed; None when nothing complete remains."""
    at = (text or "").rfind("```")
    if at < 0 or text[:at + 3].count("```") % 2 == 0:
        return None
    head, _, rest = text[at:].partition("\n")
    lines = rest.split("\n")
    starts = [k for k, ln in enumerate(lines) if _DEF_START.match(ln)]
    for k in reversed(starts[1:]):      # cut before the definition the limit interrupted
        while k > 0 and _DEF_START.match(lines[k - 1]) and lines[k - 1].lstrip().startswith("@"):
            k -= 1
        code = "\n".join(lines[:k]).rstrip()
        try:
            ast.parse(_dedent_top(code))
        except SyntaxError:
            continue
        return text[:at] + head + "\n" + code + "\n```\n"
    return None


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _dedent_top(src: str) -> str:
    # A method copied from inside its class arrives indented; strip the first code line's indentation.
    first = next((ln for ln in src.split("\n") if ln.strip() and not ln.lstrip().startswith("#")), "")
    return "\n".join(_reindent(src.split("\n"), _indent(first), ""))


def _parse_block(src: str, path: str) -> ast.Module:
    try:
        return ast.parse(_dedent_top(src))
    except SyntaxError as err:
        raise FormatError(f"Your ```python block for {path} has a syntax error at line {err.lineno}: {err.msg}. "
                          "Send the complete, corrected function.") from None


# ----------------------------------------------------------------- splicing
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
    block = _parse_block(new_src, path)
    src_lines = _dedent_top(new_src).split("\n")
    parts: list[str] = []
    new = content
    if not any(isinstance(d, (*_Def, ast.ClassDef)) for d in block.body):
        raise FormatError("No function or class definition found in your block. " + _FORMAT)
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
        raise FormatError(f"Your function is identical to the current code in {path}: change the code.")
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
                          f"{ast.unparse(stmt)[:60]!r}). " + _FORMAT)
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


# ---------------------------------------------------------------- whole file
_WORDS = r"(rest|unchanged|remains?|remaining|omitted|existing|as before|for brevity|other (code|methods|functions))"
# A comment standing in for code: "# ...", "# ... rest unchanged ...", "# rest of the file", "# (existing code)".
_PLACEHOLDER = re.compile(
    rf"^[ \t]*#[ \t]*(\.\.\.|…)[ \t]*$"
    rf"|^[ \t]*#.*(\.\.\.|…).*\b{_WORDS}\b|^[ \t]*#.*\b{_WORDS}\b.*(\.\.\.|…)"
    rf"|^[ \t]*#.*\b(rest of (the )?(file|code|module|class|functions?|methods?)|(remains?|stays?|left|is) unchanged"
    rf"|omitted for brevity|existing (code|methods|functions))\b",
    re.I,
)


def parse_whole_file(text: str, path: str, original_chars: int | None = None, original: str | None = None) -> str:
    """The new content of `path` from a reply holding the whole file in one ```python block.

    Refused when it looks truncated: a placeholder comment (`# ... rest unchanged ...`) that the original
    (when given) does not have, or less than half the original's length (original_chars, else
    len(original)): what a model that skips the unchanged parts sends.
    """
    blocks = [(info, body) for info, body, _ in _blocks(text)
              if (info.split()[0].lower() if info.split() else "") in _CODE_LANGS or _PY_PATH.search(info)]
    if not blocks:
        raise FormatError(f"No ```python block found. Reply with the whole new {path} in one ```python block.")
    body = _clean_code(max((b for _, b in blocks), key=len)).strip("\n") + "\n"
    own = {ln.strip() for ln in (original or "").split("\n")}
    bad = next((ln.strip() for ln in body.split("\n") if _PLACEHOLDER.match(ln) and ln.strip() not in own), None)
    if bad:
        raise FormatError(f"Your file contains a placeholder line ({bad!r}) instead of code. "
                          f"Send the whole of {path}, every line, with your change made.")
    size = original_chars if original_chars is not None else len(original or "")
    if size and len(body.strip()) < size / 2:
        raise FormatError(f"Your {path} has {len(body.strip())} characters, the original {size}: "
                          "it looks cut short. Send the whole file, every line, with your change made.")
    return body
