"""Procedural bug planting with `ast`: every mutation is one small text edit of the original source.

Edits replace one node's source segment (operands keep their original text), so the inverse diff a
solver must find is as small as a real one-line bug fix. Pure functions: no files, no processes.
"""
from __future__ import annotations

import ast
import hashlib
import random
from dataclasses import dataclass

KINDS = ("flip_comparison", "off_by_one", "swap_arguments", "drop_branch", "wrong_constant",
         "remove_return", "invert_condition", "wrong_operator")

_FLIP = {ast.Lt: ">", ast.Gt: "<", ast.LtE: ">=", ast.GtE: "<=", ast.Eq: "!=", ast.NotEq: "==",
         ast.Is: "is not", ast.IsNot: "is", ast.In: "not in", ast.NotIn: "in"}
_BOUNDARY = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_OPS = {ast.Add: "-", ast.Sub: "+", ast.Mult: "//", ast.FloorDiv: "*"}


@dataclass(frozen=True)
class Mutant:
    path: str            # file in the repository, posix
    function: str        # qualified name: Class.method
    kind: str            # one of KINDS, or "llm"
    line: int            # 1-based line of the edit
    description: str     # what changed, for the summary (never shown to a solver)
    source: str          # the whole mutated file

    @property
    def id(self) -> str:
        return hashlib.sha256(f"{self.path}\0{self.source}".encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Function:
    name: str            # qualified
    start: int           # first line (decorators included)
    end: int
    node: ast.AST


def functions(tree: ast.Module) -> list[Function]:
    """Every def (methods qualified by their class); nested defs belong to their outer function."""
    out: list[Function] = []

    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                out.append(Function(prefix + node.name, start, node.end_lineno, node))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
    visit(tree.body, "")
    return out


class _Text:
    """Source with (line, byte column) -> character offset (ast columns count UTF-8 bytes)."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode()[:col].decode(errors="ignore"))

    def span(self, node) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def seg(self, node) -> str:
        a, b = self.span(node)
        return self.source[a:b]


def _wrap(text: str) -> str:
    return text if text.isidentifier() or text.replace(".", "").isidentifier() else f"({text})"


def _sites(fn: Function, t: _Text):
    """(kind, node whose segment is replaced, replacement text, description) for one function."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            op, left, right = type(node.ops[0]), t.seg(node.left), t.seg(node.comparators[0])
            if op in _FLIP:
                yield "flip_comparison", node, f"{left} {_FLIP[op]} {right}", f"{_sym(t, node)} -> {_FLIP[op]}"
            if op in _BOUNDARY:
                yield "off_by_one", node, f"{left} {_BOUNDARY[op]} {right}", f"{_sym(t, node)} -> {_BOUNDARY[op]}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
                and node.args and not node.keywords:
            stop = node.args[0] if len(node.args) == 1 else node.args[1]
            yield "off_by_one", stop, f"{_wrap(t.seg(stop))} + 1", f"range bound {t.seg(stop)} -> +1"
        elif isinstance(node, ast.Slice) and node.upper is not None:
            yield "off_by_one", node.upper, f"{_wrap(t.seg(node.upper))} + 1", f"slice end {t.seg(node.upper)} -> +1"
        elif isinstance(node, ast.Call) and len(node.args) >= 2 \
                and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
            a, b = node.args[0], node.args[1]
            if t.seg(a) != t.seg(b) and a.end_lineno == b.lineno:
                start, _ = t.span(a)
                _, end = t.span(b)
                yield "swap_arguments", (start, end), f"{t.seg(b)}{t.source[t.span(a)[1]:t.span(b)[0]]}{t.seg(a)}", \
                    f"swapped {t.seg(a)[:30]} and {t.seg(b)[:30]}"
        elif isinstance(node, ast.If) and not node.orelse:
            yield "drop_branch", node, "pass", f"dropped `if {t.seg(node.test)[:40]}`"
        elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
            new = repr(not node.value) if isinstance(node.value, bool) else repr(node.value + 1)
            yield "wrong_constant", node, new, f"{node.value!r} -> {new}"
        elif isinstance(node, ast.Return) and node.value is not None:
            yield "remove_return", node, "pass", f"removed `return {t.seg(node.value)[:40]}`"
        elif isinstance(node, (ast.BinOp)) and type(node.op) in _OPS:
            yield "wrong_operator", node, f"{t.seg(node.left)} {_OPS[type(node.op)]} {t.seg(node.right)}", \
                f"{type(node.op).__name__} -> {_OPS[type(node.op)]}"
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            yield "invert_condition", node.test, f"not {_wrap(t.seg(node.test))}", \
                f"inverted `{t.seg(node.test)[:40]}`"


def _sym(t: _Text, node: ast.Compare) -> str:
    between = t.source[t.span(node.left)[1]:t.span(node.comparators[0])[0]]
    return between.strip()


def _docstring_nodes(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def mutants(path: str, source: str, covered_lines: set[int] | None = None,
            kinds: tuple[str, ...] = KINDS) -> list[Mutant]:
    """Every valid single-edit mutant of source whose edit is on a covered line (None: any line).

    A mutant must still parse, and must differ from the original AST (an edit that only reformats
    is not a bug). Order is the source order; `plan` decides what to try first.
    """
    tree = ast.parse(source)
    t = _Text(source)
    skip = _docstring_nodes(tree)
    original = ast.dump(tree)
    out: dict[str, Mutant] = {}
    for fn in functions(tree):
        for kind, target, text, desc in _sites(fn, t):
            if kind not in kinds or id(target) in skip:
                continue
            a, b = target if isinstance(target, tuple) else t.span(target)
            line = source.count("\n", 0, a) + 1
            if covered_lines is not None and line not in covered_lines:
                continue
            new = source[:a] + text + source[b:]
            try:
                if ast.dump(ast.parse(new)) == original:
                    continue
            except SyntaxError:
                continue
            m = Mutant(path, fn.name, kind, line, desc, new)
            out.setdefault(m.id, m)
    return list(out.values())


def plan(candidates: list[Mutant], seed: int = 0) -> list[Mutant]:
    """Try order: functions round robin (so n kept bugs spread over many functions), each function's
    mutants shuffled by the seed. Deterministic for a seed and a candidate list."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[Mutant]] = {}
    for m in sorted(candidates, key=lambda m: (m.path, m.line, m.kind, m.id)):
        groups.setdefault((m.path, m.function), []).append(m)
    queues = [groups[k] for k in sorted(groups)]
    rng.shuffle(queues)
    for q in queues:
        rng.shuffle(q)
    ordered: list[Mutant] = []
    while any(queues):
        for q in queues:
            if q:
                ordered.append(q.pop())
    return ordered


def replace_function(source: str, function: str, new_def: str) -> str | None:
    """source with one function's text replaced by new_def (re-indented); None when not found or
    the result does not parse. Used for model-written mutants."""
    tree = ast.parse(source)
    match = next((f for f in functions(tree) if f.name == function), None)
    if match is None:
        return None
    lines = source.splitlines(keepends=True)
    indent = lines[match.start - 1][:len(lines[match.start - 1]) - len(lines[match.start - 1].lstrip())]
    body = [indent + ln if ln.strip() else ln for ln in _dedent(new_def).splitlines(keepends=True)]
    if body and not body[-1].endswith("\n"):
        body[-1] += "\n"
    new = "".join(lines[:match.start - 1] + body + lines[match.end:])
    try:
        ast.parse(new)
    except SyntaxError:
        return None
    return new


def _dedent(text: str) -> str:
    import textwrap
    return textwrap.dedent(text.strip("\n")) + "\n"


def function_source(source: str, function: str) -> str | None:
    match = next((f for f in functions(ast.parse(source)) if f.name == function), None)
    if match is None:
        return None
    return _dedent("".join(source.splitlines(keepends=True)[match.start - 1:match.end]))
