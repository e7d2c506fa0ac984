"""Cloze repair: hide one line of a suspect function and let the model write it anew.

A 1.5B model asked to rewrite a function mostly copies it unchanged; asked to fill a hidden line it
cannot copy, and code models are trained for exactly that (fill-in-the-middle). AlphaRepair showed
that masking each line of a buggy function and keeping the fills that pass the tests repairs bugs that
template repair (agent/mutate.py) cannot reach: `split("=")` -> `split("=", 1)`, a wrong key, a wrong
constant the model knows. A fill is only a hypothesis: the patch stage keeps those that pass the issue's
own checks and the repository's tests, exactly as it does for one-token mutants
(agent/stages/patch_cloze.py, agent/stages/patch_mutants.py).

Pure: which lines to hide, the prompt of a hole, and the file a reply makes.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

from agent.stdlib_imports import add_imports, needed_imports

# Fill-in-the-middle prompt formats of code-model families, as their model cards give them. Only a model
# served raw (an OpenAI-compatible server of the weights) reads these tokens; hosted chat APIs do not.
FIM_FORMATS: list[tuple[str, str]] = [
    (r"qwen[\w.-]*coder|codegemma", "<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"),
    (r"starcoder|santacoder", "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>"),
    (r"codellama|code-llama", "<PRE> {prefix} <SUF>{suffix} <MID>"),
    (r"deepseek-coder", "<｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>"),
]
MASK = "<FILL ME>"
NOT_CODE = re.compile(r"<\|?fim|<FILL|<PRE>|<SUF>|<MID>|｜fim", re.IGNORECASE)


@dataclass(frozen=True)
class Hole:
    path: str
    line: int          # 1-based line of the source that is hidden
    indent: str
    text: str          # the hidden line, without its indentation
    start: int         # the enclosing function's first and last line
    end: int
    insert: bool = False   # a new statement goes before `line` (`text` is empty): a missing guard, a missing step
    last: int = 0          # a whole body (agent/regenerate.py): lines `line`..`last` are hidden


_BLOCK = re.compile(r"```[\w+-]*\n(.*?)(?:```|$)", re.DOTALL)


def first_code_block(reply: str) -> str | None:
    """The first fenced block of a chat reply, an unclosed one running to the end (a reply cut at the token
    cap), or None when it has none."""
    m = _BLOCK.search(reply)
    return m.group(1) if m else None


def fim_format(model_name: str | None, api_base: str | None) -> str | None:
    """The fill-in-the-middle format for this model, or None (then the chat form is used): a known
    code-model family served at an OpenAI-compatible address of its own."""
    if not model_name or not api_base:
        return None
    name = model_name.lower()
    return next((fmt for pattern, fmt in FIM_FORMATS if re.search(pattern, name)), None)


def function_at(source: str, span: tuple[int, int]) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function whose first and last line are `span`, None when there is none or the source does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and (n.lineno, n.end_lineno) == tuple(span)), None)


def holes(path: str, source: str, span: tuple[int, int]) -> list[Hole]:
    """The lines of the function at `span` (first, last line) that can be hidden one at a time: a simple
    statement on one line, or the one-line header of a compound statement (`if …:`, `for …:`, the `def`
    itself), in source order. Docstrings, `pass` and lines holding two statements are left out."""
    func = function_at(source, span)
    if func is None:
        return []
    starts: dict[int, int] = {}
    picked: set[int] = set()
    for node in ast.walk(func):
        if not isinstance(node, ast.stmt):
            continue
        starts[node.lineno] = starts.get(node.lineno, 0) + 1
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:              # a compound statement: its header line
            if body[0].lineno > node.lineno and _one_line_header(source, node):
                picked.add(node.lineno)
        elif node.lineno == node.end_lineno and not is_skipped(node):
            picked.add(node.lineno)
    lines = source.split("\n")
    out = []
    for n in sorted(picked):
        if starts.get(n, 0) != 1 or n > len(lines):
            continue
        line = lines[n - 1]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        out.append(Hole(path, n, line[:len(line) - len(line.lstrip())], stripped, func.lineno, func.end_lineno))
    return out


def insert_points(path: str, source: str, span: tuple[int, int]) -> list[Hole]:
    """Where a missing statement can go in the function at `span`: before each statement of its body
    that starts a line of its own (the docstring and the `def` excepted), at that statement's indentation.
    Bugs of the kind "missing edge case" are fixed there (`if unit not in UNITS: raise ...`)."""
    func = function_at(source, span)
    if func is None:
        return []
    lines = source.split("\n")
    starts: dict[int, int] = {}
    for node in ast.walk(func):
        if isinstance(node, ast.stmt) and node is not func:
            starts[node.lineno] = starts.get(node.lineno, 0) + 1
    doc = func.body[0].lineno if func.body and is_docstring_stmt(func.body[0]) else None
    out = []
    for n in sorted(k for k, c in starts.items() if c == 1 and k != doc and k <= len(lines)):
        line = lines[n - 1]
        if line.strip() and not line.strip().startswith(("#", "else", "elif", "except", "finally")):
            out.append(Hole(path, n, line[:len(line) - len(line.lstrip())], "", func.lineno, func.end_lineno, True))
    return out


def fill_insert(reply: str, hole: Hole, source: str) -> str | None:
    """The statement a fill-in-the-middle reply inserts: one line, or a header and its one-line body
    (`if ...:` + `raise ...`), None when it is empty, a comment, a copy of a neighbouring line, or a
    bare `return`/`raise` (the hole before a line replaces it better)."""
    raw = reply.split("\n")
    first = raw[0].strip() if raw else ""
    if not first or first.startswith("#") or NOT_CODE.search(reply) or _is_docstring(first) or first == "pass":
        return None
    lines = source.split("\n")
    neighbours = {lines[hole.line - 1].strip(), lines[hole.line - 2].strip() if hole.line > 1 else ""}
    if first in neighbours:
        return None
    if not first.endswith(":"):       # an unconditional jump would only make the code after it dead
        return None if re.match(r"(return|raise|continue|break)\b", first) else first
    body = raw[1] if len(raw) > 1 else ""
    if not body.strip() or len(body) - len(body.lstrip()) <= len(hole.indent) or body.strip() in neighbours:
        return None
    return first + "\n" + body.rstrip()


def is_skipped(node: ast.stmt) -> bool:
    return isinstance(node, ast.Pass) or is_docstring_stmt(node)


def is_docstring_stmt(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _one_line_header(source: str, node: ast.AST) -> bool:
    line = source.split("\n")[node.lineno - 1].rstrip()
    return line.endswith(":") or ("#" in line and line[:line.rfind("#")].rstrip().endswith(":"))


def fim_prompt(fmt: str, source: str, hole: Hole, header: str, hint: bool = False,
               max_prefix: int = 6000, max_suffix: int = 2000) -> str:
    """The file up to the hole (the issue as a comment header first) and after it, in the model's format.
    Long files keep the lines nearest the hole; the suffix ends a few lines after the function. With
    `hint`, a comment just before the hole shows the hidden line as a suspect (AlphaRepair's "buggy line"
    comment): the model then writes a variant of it rather than any line that fits."""
    lines = source.split("\n")
    before = "\n".join(lines[:hole.line - 1])
    if len(before) > max_prefix:
        before = before[len(before) - max_prefix:].split("\n", 1)[-1]
    after = "\n".join(lines[hole.line - hole.insert:hole.end + 3])     # an insertion keeps the line it goes before
    if len(after) > max_suffix:
        after = after[:max_suffix].rsplit("\n", 1)[0]
    prefix = header + before + ("\n" if before else "") + hole.indent
    if hint and not hole.insert:
        prefix += f"# suspect (maybe wrong): {hole.text}\n{hole.indent}"
    return fmt.format(prefix=prefix, suffix="\n" + after + "\n")


def issue_comment_lines(issue: str, max_chars: int = 1500) -> list[str]:
    """The issue as lines for a comment header (capped; no line can end the comment early)."""
    text = issue.replace("\r\n", "\n")[:max_chars]
    return [ln.rstrip() for ln in text.split("\n")]


def masked_function(source: str, hole: Hole) -> str:
    """The enclosing function with the hole's line shown as MASK (the chat form)."""
    lines = source.split("\n")[hole.start - 1:hole.end]
    lines[hole.line - hole.start] = hole.indent + MASK
    return "\n".join(lines)


def fill_line(reply: str, hole: Hole, source: str, chat: bool) -> str | None:
    """The new line a reply proposes for the hole, without indentation, or None. A chat reply may
    repeat the whole function: then the line that is not one of the function's other lines is it."""
    text = reply
    if chat:
        block = first_code_block(reply)
        inline = re.search(r"`([^`\n]+)`", reply)     # "The line is `return a + b`." (no code block)
        text = block if block is not None else inline.group(1) if inline else reply
        others = {ln.strip() for i, ln in enumerate(source.split("\n")[hole.start - 1:hole.end], hole.start)
                  if i != hole.line}
        lines = [ln.strip() for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]
        new = [ln for ln in lines if ln not in others]
        text = (new or lines or [""])[0]
    line = text.split("\n")[0].strip()
    if not line or line.startswith("#") or NOT_CODE.search(line) or _is_docstring(line):
        return None
    return line


def _is_docstring(line: str) -> bool:
    try:
        body = ast.parse(line).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)


def filled(source: str, hole: Hole, line: str | None) -> str | None:
    """The source with the hole's line replaced by `line`, plus the standard-library imports the line
    needs (agent/stdlib_imports.py): None when it does not parse, or when it changes nothing (the same
    line, or one that differs only in layout)."""
    if line is None or line == hole.text:
        return None
    lines = source.split("\n")
    if hole.insert:          # the first line takes the indentation, a header's body keeps its own
        lines.insert(hole.line - 1, hole.indent + line)
    else:
        lines[hole.line - 1] = hole.indent + line
    changed = "\n".join(lines)
    try:
        if ast.dump(ast.parse(changed)) == tree_dump(source):
            return None
    except SyntaxError:
        return None
    return add_imports(changed, needed_imports(changed, hole.line, hole.line + line.count("\n")))


@lru_cache(maxsize=8)
def tree_dump(source: str) -> str:
    """The original's syntax tree, dumped once for all the fills of one file."""
    return ast.dump(ast.parse(source))
