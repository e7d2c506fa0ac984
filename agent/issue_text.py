"""Reading an issue's markdown: prose and code blocks, tracebacks and error lines, and the Observation a reader
makes of a call (the session and script readers are agent/issue_code.py). Pure."""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from agent.issue_ipython import ipython_to_doctest

_SPAN = r"`[^`\n]+`"
_SCALAR = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'[^'\n]*'|\"[^\"\n]*\"|True|False|None"
ATOM = rf"(?:{_SPAN}|{_SCALAR})"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)|[A-Za-z_][\w.]*\.error)(?::\s?(.*))?$")
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Block:
    kind: str                       # "prose" | "code"
    lines: list[int]                # 1-based line numbers in the issue text
    raw: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.raw)

    def is_session(self) -> bool:
        return self.kind == "code" and any(ln.lstrip().startswith(">>>") for ln in self.raw)

    def is_traceback(self) -> bool:
        first = next((ln.strip() for ln in self.raw if ln.strip()), "")
        return self.kind == "code" and first.startswith(TRACEBACK)

    def is_error_line(self) -> bool:
        """A code block holding nothing but an exception line (`TypeError: ...`): what a script printed
        when it failed, shown without its traceback."""
        lines = [ln.strip() for ln in self.raw if ln.strip()]
        return self.kind == "code" and len(lines) == 1 and EXC_LINE.match(lines[0]) is not None

    def imports(self) -> list[str]:
        out = []
        for ln in self.raw:
            s = re.sub(r"^\s*(>>>|\.\.\.)\s?", "", ln).strip()
            if re.match(r"^(from\s+[\w.]+\s+)?import\s+[\w.]", s):
                try:
                    out.append(ast.unparse(ast.parse(s)))
                except SyntaxError:
                    pass
        return out


@dataclass(frozen=True)
class Observation:
    """A call the issue shows with its result: a value, an exception, and maybe a stated correction."""
    setup: tuple[str, ...]
    call: str
    observed: str | None            # the text shown (value repr, printed output, or the exception line)
    value: object                   # observed parsed as a literal, else INVALID
    raised: str | None              # exception type name when the call raised
    expected: str | None            # a correction written next to it ("# 20.0, expected 15.0")
    lines: tuple[int, ...]


def split_blocks(text: str) -> list[Block]:
    """Fenced blocks and unfenced `>>>` runs are code; everything else is prose."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []

    def add(kind: str, idx: list[int]):
        if idx:
            raw = [lines[i] for i in idx]
            blocks.append(Block(kind, [i + 1 for i in idx], ipython_to_doctest(raw) if kind == "code" else raw))

    prose: list[int] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m or lines[i].lstrip().startswith(">>>"):
            add("prose", prose)
            prose = []
            if m:
                j = i + 1
                while j < len(lines) and not lines[j].strip().startswith(m.group(1)[:3]):
                    j += 1
                add("code", list(range(i + 1, j)))
                i = j + 1
            else:
                j = i
                while j < len(lines) and lines[j].strip():
                    j += 1
                add("code", list(range(i, j)))
                i = j
            continue
        prose.append(i)
        i += 1
    add("prose", prose)
    return blocks


def raised_by(output: list[str]) -> tuple[str | None, str | None]:
    last = next((ln.strip() for ln in reversed(output) if ln.strip()), "")
    m = EXC_LINE.match(last)
    if m and (any(ln.strip().startswith(TRACEBACK) for ln in output) or len(output) == 1):
        return m.group(1).rsplit(".", 1)[-1], last
    return None, None


def unprint(node: ast.expr) -> tuple[ast.expr, bool]:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
            and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
        return node.args[0], True
    return node, False


def block_statements(block: Block) -> list[str]:
    """The code of a session or script, statement by statement (outputs and prints dropped)."""
    if block.is_session():
        src = [re.sub(r"^\s*(>>>|\.\.\.) ?", "", ln) for ln in block.raw if re.match(r"^\s*(>>>|\.\.\.)", ln)]
    else:
        cut = next((k for k, ln in enumerate(block.raw) if ln.strip().startswith(TRACEBACK)), len(block.raw))
        src = textwrap.dedent("\n".join(block.raw[:cut])).split("\n")
    try:
        tree = ast.parse("\n".join(src))
    except (SyntaxError, ValueError):
        return []
    return [ast.unparse(s) for s in tree.body
            if not (isinstance(s, ast.Expr) and unprint(s.value)[1])]
