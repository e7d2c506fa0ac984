"""A traceback shown on its own in an issue: the call that must stop raising (pure)."""
from __future__ import annotations

import ast
import re

from agent.issue_literals import INVALID, parse_value
from agent.issue_text import Block, Observation, raised_by, unprint


_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+, in (\S+)\s*$')
_BINDING = re.compile(r"`(?P<name>[A-Za-z_]\w*)`\s+(?:was|is|being|equals?)\s+`(?P<value>[^`\n]+)`"
                      r"|`(?P<name2>[A-Za-z_]\w*)\s*=\s*(?P<value2>[^`\n]+)`")


def prose_bindings(text: str) -> dict[str, str]:
    """"`window` was `[]`" / "`n = 3`": names the prose gives literal values (pure)."""
    out = {}
    for m in _BINDING.finditer(text):
        name, value = (m.group("name"), m.group("value")) if m.group("name") else (m.group("name2"), m.group("value2"))
        if parse_value(value.strip()) is not INVALID:
            out.setdefault(name, value.strip())
    return out


def traceback_observation(block: Block, bindings: dict[str, str]) -> Observation | None:
    """A traceback shown on its own: the outermost frame whose line is one call of literals (or of names
    the prose gives values) is the call that must stop raising."""
    raw = block.raw
    raised, exc_line = raised_by(raw)
    if not raised:
        return None
    for i, line in enumerate(raw[:-1]):
        if not _FRAME.match(line):
            continue
        try:
            stmt = ast.parse(raw[i + 1].strip()).body[0]
        except (SyntaxError, ValueError, IndexError):
            continue
        node = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) else None
        node = unprint(node)[0] if node is not None else None
        if not isinstance(node, ast.Call):
            continue
        args = node.args + [k.value for k in node.keywords]
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        names = {n.id for a in args for n in ast.walk(a) if isinstance(n, ast.Name)}
        if not names <= set(bindings):
            continue
        try:
            call = ast.unparse(_Bind(bindings).visit(node))
        except SyntaxError:
            return None
        return Observation((), call, exc_line, INVALID, raised, None, tuple(block.lines))
    return None


class _Bind(ast.NodeTransformer):
    """Names replaced by the literal the prose gives them (parsed, never pasted as text: an issue's
    value cannot change the call's shape)."""

    def __init__(self, bindings: dict[str, str]):
        self.bindings = bindings

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.bindings:
            return ast.parse(self.bindings[node.id], mode="eval").body
        return node
