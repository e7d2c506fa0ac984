"""Body regeneration: hide the whole body of a suspect function and let the model write it anew.

Line cloze (agent/cloze.py) repairs a bug that sits in one line. A missing edge case (a sign, a `None`
part, a `"Z"` offset, a second branch) needs new lines, and asked to edit the function a small model
copies it unchanged. With the body hidden it cannot copy: it writes the function again from its
signature, its docstring, the rest of the module and the issue (a comment header). A regenerated body
is a hypothesis like a cloze fill: the patch stage keeps it only when it passes the issue's own checks
and breaks none of the project's tests (agent/stages/patch_cloze.py, agent/stages/patch_mutants.py).

Pure: the hole of a function's body, its prompts, and the file a reply makes.
"""
from __future__ import annotations

import ast
import re
import textwrap

from agent.cloze import MASK, NOT_CODE, Hole, first_code_block, function_at, is_docstring_stmt, tree_dump
from agent.stdlib_imports import add_imports, needed_imports

# A hole is a function's body: `line` its first hidden line, `last` its last. Kinds of the fills asked.
KINDS = ("fim_body", "chat_body")


def body_holes(path: str, source: str, span: tuple[int, int]) -> list[Hole]:
    """The tails of the function at `span`: from each statement of its body (after the docstring) to its
    end, the whole body first (`last` = the function's last line). A tail keeps the statements before it
    shown, so a guard the project's tests check is not lost with the rest. None for a body on the `def`
    line; a statement sharing its line with the one before starts no tail."""
    func = function_at(source, span)
    if func is None:
        return []
    body = list(func.body)
    if body and is_docstring_stmt(body[0]):
        body = body[1:]                          # the docstring stays: it says what the body must do
    lines = source.split("\n")
    out, previous = [], func.body[0].end_lineno if body and func.body[0] is not body[0] else func.lineno
    for i, stmt in enumerate(body):
        if stmt.lineno <= previous:
            if i == 0:
                return []                        # a body on the `def` line (or the docstring's)
            continue
        previous = stmt.end_lineno
        line = lines[stmt.lineno - 1]
        out.append(Hole(path, stmt.lineno, line[:len(line) - len(line.lstrip())],
                        "\n".join(lines[stmt.lineno - 1:func.end_lineno]), func.lineno, func.end_lineno,
                        last=func.end_lineno))
    return out


def body_hole(path: str, source: str, span: tuple[int, int]) -> Hole | None:
    """The whole body after the docstring as a hole, or None (a body on the `def` line, only a docstring)."""
    tails = body_holes(path, source, span)
    return tails[0] if tails else None


def body_prompt(fmt: str, source: str, hole: Hole, header: str, max_prefix: int = 6000, max_suffix: int = 2000) -> str:
    """The file up to the body (signature and docstring included) and after the function, in the
    model's fill-in-the-middle format, the issue as a comment header first."""
    lines = source.split("\n")
    before = "\n".join(lines[:hole.line - 1])
    if len(before) > max_prefix:
        before = before[len(before) - max_prefix:].split("\n", 1)[-1]
    after = "\n".join(lines[hole.last:])
    if len(after) > max_suffix:
        after = after[:max_suffix].rsplit("\n", 1)[0]
    return fmt.format(prefix=header + before + "\n" + hole.indent, suffix="\n" + after + "\n")


def masked_body(source: str, hole: Hole) -> str:
    """The function with its body (or a tail of it) shown as MASK (the chat form)."""
    lines = source.split("\n")[hole.start - 1:hole.line - 1]
    return "\n".join(lines + [hole.indent + MASK])


def fill_body(reply: str, hole: Hole) -> str | None:
    """The body a fill-in-the-middle reply writes, indented as the hole (its first line comes without the
    indentation, which the prompt ended with), or None. The reply ends where a line leaves the body's
    indentation (the model went on writing the module)."""
    if NOT_CODE.search(reply):
        reply = NOT_CODE.split(reply)[0]
    lines = (hole.indent + reply.lstrip(" \t")).split("\n")
    kept: list[str] = []
    for ln in lines:
        if ln.strip() and len(ln) - len(ln.lstrip()) < len(hole.indent):
            break
        kept.append(ln.rstrip())
    return _usable(kept)


def chat_body(reply: str, hole: Hole, name: str) -> str | None:
    """The body a chat reply writes: the body of its `def name` when it repeats the function, else its
    code block taken as the body; re-indented to the hole, None when there is nothing usable."""
    block = first_code_block(reply)
    code = textwrap.dedent(block if block is not None else reply).strip("\n")
    try:
        tree = ast.parse(code)
    except SyntaxError:
        tree = None
    func = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.name == name), None) if tree else None
    if func is not None:
        body = [s for s in func.body if not (s is func.body[0] and is_docstring_stmt(s))]
        if not body:
            return None
        code = textwrap.dedent("\n".join(code.split("\n")[body[0].lineno - 1:func.end_lineno]))
    elif re.match(r"\s*(def|class)\s", code):
        return None                               # another function: not this body
    return _usable([hole.indent + ln if ln.strip() else "" for ln in code.split("\n")])


def _usable(lines: list[str]) -> str | None:
    while lines and not lines[-1].strip():
        lines.pop()
    code = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    if not code or code == ["pass"] or code == ["..."] or any(NOT_CODE.search(ln) for ln in lines):
        return None
    return "\n".join(lines)


def filled_body(source: str, hole: Hole, body: str | None) -> str | None:
    """The source with the function's body replaced, plus the standard-library imports it needs; None
    when it does not parse or does what the original does (the same syntax tree)."""
    if body is None:
        return None
    lines = source.split("\n")
    changed = "\n".join(lines[:hole.line - 1] + body.split("\n") + lines[hole.last:])
    try:
        if ast.dump(ast.parse(changed)) == tree_dump(source):      # the original's tree, dumped once per file
            return None
    except SyntaxError:
        return None
    return add_imports(changed, needed_imports(changed, hole.line, hole.line + body.count("\n")))


def function_name(source: str, hole: Hole) -> str:
    func = function_at(source, (hole.start, hole.last))
    return func.name if func is not None else ""
