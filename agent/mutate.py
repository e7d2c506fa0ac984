"""Single-edit program repair: the small edits that fix most one-token bugs, inside suspect functions.

A 1.5B model often knows *where* the bug is and still writes the wrong token, or copies the code
unchanged. Template-based repair (PraPR, TBar) enumerates the classic one-token fixes instead: a
comparison made strict or loose, an operator swapped, a constant off by one, a condition negated,
two arguments swapped; and one two-edit pattern, a shared mutable default made anew per call. Each
mutant is only a *candidate*: the patch stage keeps the ones that pass the issue's own checks and the
repository's tests (agent/stages/patch_mutants.py), and selection weighs them like any other
candidate, with no votes of their own.

Pure: text in, texts out. Edits are made on the source text at the AST node's position, so a
mutant's diff is the token that changed (or the default and the line made in the body), never a
reformatted function.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_CMP = {ast.Lt: ("<", ["<=", ">"]), ast.LtE: ("<=", ["<", ">="]), ast.Gt: (">", [">=", "<"]),
        ast.GtE: (">=", [">", "<="]), ast.Eq: ("==", ["!="]), ast.NotEq: ("!=", ["=="]),
        ast.Is: ("is", ["is not"]), ast.IsNot: ("is not", ["is"]), ast.In: ("in", ["not in"]),
        ast.NotIn: ("not in", ["in"])}
_BIN = {ast.Add: ("+", ["-"]), ast.Sub: ("-", ["+"]), ast.Mult: ("*", ["/"]), ast.Div: ("/", ["//", "*"]),
        ast.FloorDiv: ("//", ["/"]), ast.Mod: ("%", ["//"])}
_BOOL = {ast.And: ("and", ["or"]), ast.Or: ("or", ["and"])}
# Sibling methods and builtins of the same signature (TBar's "mutate method invocation"): the right call's
# near miss, e.g. `.lower()` where Unicode caseless matching needs `.casefold()`, `min` for `max`.
_SIBLING_METHODS = {"lower": ["casefold"], "casefold": ["lower"], "strip": ["rstrip", "lstrip"], "lstrip": ["strip"],
                    "rstrip": ["strip"], "startswith": ["endswith"], "endswith": ["startswith"], "find": ["rfind"],
                    "rfind": ["find"], "index": ["rindex"], "rindex": ["index"], "split": ["rsplit"],
                    "rsplit": ["split"], "partition": ["rpartition"], "rpartition": ["partition"],
                    "append": ["extend"], "extend": ["append"], "floor": ["ceil"], "ceil": ["floor"]}
_SIBLING_BUILTINS = {"min": ["max"], "max": ["min"], "any": ["all"], "all": ["any"]}
_OPERATOR = re.compile(r"\*\*=?|//=?|<<|>>|<=|>=|==|!=|[-+*/%]=|[-+*/%<>]|\bnot\s+in\b|\bis\s+not\b|\bin\b|\bis\b"
                       r"|\band\b|\bor\b")


@dataclass(frozen=True)
class Mutant:
    path: str
    text: str      # the whole new file
    rule: str      # e.g. "cmp <= -> < (line 12)"
    line: int


class _Text:
    """Character offsets from AST positions (whose columns count UTF-8 bytes)."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.split("\n")
        self.starts = [0]
        for ln in self.lines:
            self.starts.append(self.starts[-1] + len(ln) + 1)

    def at(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:col].decode(errors="ignore"))

    def start(self, node: ast.AST) -> int:
        return self.at(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.at(node.end_lineno, node.end_col_offset)

    def code(self, node: ast.AST) -> str:
        return self.source[self.start(node):self.end(node)]


def function_span(source: str, qualname: str) -> tuple[int, int] | None:
    """(first, last) line of the function or method `qualname` ("Class.method", "func")."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None

    def visit(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{node.name}"
                if name == qualname and not isinstance(node, ast.ClassDef):
                    return node.lineno, node.end_lineno
                found = visit(node.body, f"{name}.")
                if found:
                    return found
        return None
    return visit(tree.body, "")


def mutants(path: str, source: str, spans: list[tuple[int, int]], limit: int = 200) -> list[Mutant]:
    """Every single-edit mutant of the code inside `spans` (inclusive line ranges) that still parses and
    differs from the original's syntax tree, in a fixed order (cheap, common fixes first), at most `limit`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    text = _Text(source)
    inside = lambda n: any(a <= n.lineno and n.end_lineno <= b for a, b in spans)  # noqa: E731
    edits: list[tuple[int, int, int, str, str, int]] = []   # (priority, start, end, new, rule, line)

    def op_between(left: ast.AST, right: ast.AST, old: str, new_ops: list[str], kind: str, prio: int, line: int):
        a, b = text.end(left), text.start(right)
        m = next((m for m in _OPERATOR.finditer(source, a, b) if re.sub(r"\s+", " ", m.group()) == old), None)
        if m:
            for new in new_ops:
                edits.append((prio, m.start(), m.end(), new, f"{kind} {old} -> {new}", line))

    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or not inside(node):
            continue
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                old, news = _CMP[type(op)]
                op_between(operands[i], operands[i + 1], old, news, "cmp", 0, node.lineno)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            old, news = _BIN[type(node.op)]
            op_between(node.left, node.right, old, news, "op", 1, node.lineno)
            if isinstance(node.right, ast.Constant) and node.right.value == 1 and isinstance(node.op, (ast.Add, ast.Sub)):
                edits.append((2, text.start(node), text.end(node), text.code(node.left), f"drop {old} 1", node.lineno))
            if isinstance(node.op, (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod)):
                swapped = f"{text.code(node.right)} {old} {text.code(node.left)}"
                edits.append((4, text.start(node), text.end(node), swapped, f"swap operands of {old}", node.lineno))
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BIN:
            old, news = _BIN[type(node.op)]
            op_between(node.target, node.value, old + "=", [n + "=" for n in news], "op", 1, node.lineno)
        elif isinstance(node, ast.BoolOp):
            old, news = _BOOL[type(node.op)]
            for left, right in zip(node.values, node.values[1:]):
                op_between(left, right, old, news, "bool", 1, node.lineno)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            edits.append((2, text.start(node), text.end(node), _paren(text.code(node.operand), node.operand),
                          "drop not", node.lineno))
        elif isinstance(node, (ast.If, ast.While)) or isinstance(node, ast.IfExp):
            test = node.test
            if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
                edits.append((2, text.start(test), text.end(test), "not " + _paren(text.code(test), test),
                              "negate condition", test.lineno))
        elif isinstance(node, ast.Constant) and type(node.value) is int and node.value < 10**6:
            for new in (node.value + 1, node.value - 1):
                edits.append((3, text.start(node), text.end(node), str(new), f"const {node.value} -> {new}", node.lineno))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            edits.append((3, text.start(node), text.end(node), str(not node.value), f"const {node.value} -> {not node.value}",
                          node.lineno))
        elif isinstance(node, ast.Call):
            _call_edits(node, text, edits)
        elif isinstance(node, ast.Slice):
            for bound in (node.lower, node.upper):
                if bound is not None:
                    _plus_minus_one(bound, text, edits, "slice bound")
    _default_edits(tree, spans, text, edits)
    _mutable_default_edits(tree, spans, text, edits)
    _base_swaps(tree, inside, text, edits)

    out: list[Mutant] = []
    seen: set[str] = set()
    original = ast.dump(tree)
    for prio, a, b, new, rule, line in sorted(edits, key=lambda e: (e[0], e[1], e[4])):
        changed = source[:a] + new + source[b:]
        if changed in seen:
            continue
        seen.add(changed)
        try:
            if ast.dump(ast.parse(changed)) == original:
                continue
        except SyntaxError:
            continue
        out.append(Mutant(path, changed, f"{rule} (line {line})", line))
        if len(out) >= limit:
            break
    return out


def _paren(code: str, node: ast.AST) -> str:
    simple = isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.Constant))
    return code if simple else f"({code})"


def _plus_minus_one(node: ast.AST, text: _Text, edits: list, where: str) -> None:
    code = _paren(text.code(node), node) if not isinstance(node, ast.BinOp) else f"({text.code(node)})"
    for sign in ("+", "-"):
        edits.append((3, text.start(node), text.end(node), f"{code} {sign} 1", f"{where} {sign} 1", node.lineno))


def _call_edits(node: ast.Call, text: _Text, edits: list) -> None:
    args = node.args
    if any(isinstance(a, ast.Starred) for a in args):
        return
    if isinstance(node.func, ast.Name) and node.func.id == "range" and args:
        _plus_minus_one(args[-1], text, edits, "range end")
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    siblings = (_SIBLING_METHODS if isinstance(node.func, ast.Attribute) else _SIBLING_BUILTINS).get(name, [])
    end = text.end(node.func)
    for other in siblings:
        edits.append((4, end - len(name), end, other, f"call {name} -> {other}", node.lineno))
    for left, right in zip(args, args[1:]):   # swap two neighbouring arguments
        edits.append((4, text.start(left), text.end(right), f"{text.code(right)}, {text.code(left)}",
                      "swap arguments", node.lineno))
    if isinstance(node.func, ast.Attribute) and args and not node.keywords:
        # Drop the last argument of a method call (`split(" ")` -> `split()`).
        start = text.end(args[-2]) if len(args) > 1 else text.start(args[0])
        edits.append((4, start, text.end(args[-1]), "", "drop last argument", node.lineno))


def _spanned_defaults(tree: ast.Module, spans: list[tuple[int, int]]):
    """(function, argument, default) for every default of the functions whose line span is one of `spans`."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (node.lineno, node.end_lineno) in spans:
            a = node.args
            positional = [*a.posonlyargs, *a.args]
            for arg, d in [*zip(positional[len(positional) - len(a.defaults):], a.defaults),
                           *zip(a.kwonlyargs, a.kw_defaults)]:
                if d is not None:
                    yield node, arg, d


def _default_edits(tree: ast.Module, spans: list[tuple[int, int]], text: _Text, edits: list) -> None:
    """A falsy constant default (`ttl=0`, `sep=""`) that should have been None."""
    for _, _, d in _spanned_defaults(tree, spans):
        if isinstance(d, ast.Constant) and d.value is not None and not d.value and type(d.value) is not bool:
            edits.append((3, text.start(d), text.end(d), "None", f"default {d.value!r} -> None", d.lineno))


def _mutable_default_edits(tree: ast.Module, spans: list[tuple[int, int]], text: _Text, edits: list) -> None:
    """A list, dict or set made once as a default and shared by every call (pylint W0102): default None, and a new
    one made at the top of the body (after a docstring). Two edits, written as one span: the default up to the
    first statement's line."""
    for func, arg, d in _spanned_defaults(tree, spans):
        empty_call = isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id in ("list", "dict", "set") \
            and not d.args and not d.keywords
        body = func.body[1:] if ast.get_docstring(func, clean=False) is not None else func.body
        if not (isinstance(d, (ast.List, ast.Dict, ast.Set)) or empty_call) or not body:
            continue
        at = text.starts[body[0].lineno - 1]
        if text.end(d) > at:       # the body starts on the def line
            continue
        line = text.lines[body[0].lineno - 1]
        indent = line[:len(line) - len(line.lstrip())]
        made = f"{indent}if {arg.arg} is None:\n{indent}    {arg.arg} = {text.code(d)}\n"
        edits.append((3, text.start(d), at, "None" + text.source[text.end(d):at] + made,
                      f"default {text.code(d)} -> None, made in the body", d.lineno))


def _base_swaps(tree: ast.Module, inside, text: _Text, edits: list) -> None:
    """`b.path` -> `r.path`: the same attribute read from another object the function uses."""
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or not inside(func):
            continue
        attrs = [n for n in ast.walk(func) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                 and isinstance(n.ctx, ast.Load)]
        bases = sorted({a.value.id for a in attrs} - {"self", "cls"})
        for a in attrs:
            for other in bases:
                if other != a.value.id and a.value.id not in ("self", "cls"):
                    edits.append((5, text.start(a.value), text.end(a.value), other,
                                  f"{a.value.id}.{a.attr} -> {other}.{a.attr}", a.lineno))
