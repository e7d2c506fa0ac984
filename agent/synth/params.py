"""The values a failing test ran with, for the user's snippet (pure): the arguments pytest prints above a
parametrized test, and the defaults of the test function's own parameters (`def test_x(check=is_valid_args)`)."""
from __future__ import annotations

import ast
import re
import textwrap


def pytest_params(lines: list[str]) -> dict[str, str]:
    """`number = '-1', ordinalized = '-1st'`: the arguments pytest prints above a parametrized test."""
    out = {}
    for line in lines:
        for part in re.split(r", (?=\w+ = )", line.strip()):
            if re.match(r"^\w+ = ", part):
                name, value = part.split(" = ", 1)
                try:
                    ast.parse(value, mode="eval")
                except SyntaxError:
                    continue      # `self = <test_x.TestY object at 0x..>`: not a value a user has
                out[name] = value
    return out


class _Bind(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]):
        self.values = values

    def visit_Name(self, node):
        return self.values.get(node.id, node) if isinstance(node.ctx, ast.Load) else node


def bind_params(code: str, params: dict[str, str]) -> str | None:
    """code with the test's parameters replaced by their values; None when that is not possible."""
    values = {}
    for name, text in params.items():
        try:
            values[name] = ast.parse(text, mode="eval").body
        except SyntaxError:
            return None
    try:
        return ast.unparse(_Bind(values).visit(ast.parse(code))) if values else code
    except SyntaxError:
        return None


def defaults(def_lines: list[str], code: str) -> dict[str, str]:
    """`def test_x(check_valid=is_valid_args, incomplete=False):` -> the defaults of the parameters `code` names, as
    source: pytest calls a test without them, so a snippet of its body runs only with them assigned first. {} when
    the signature does not parse (cut off, or not a def)."""
    try:
        fn = ast.parse(textwrap.dedent("\n".join(def_lines)).rstrip() + "\n    pass").body[0]
    except (SyntaxError, IndexError):
        return {}
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    # names as text: the snippet's lines may not parse alone (a loop's header above a dedented failing line)
    read = set(re.findall(r"[A-Za-z_]\w*", code))
    a = fn.args
    pos = a.posonlyargs + a.args
    pairs = list(zip(pos[len(pos) - len(a.defaults):], a.defaults)) + \
        [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
    return {p.arg: ast.unparse(d) for p, d in pairs if p.arg in read}


def class_attributes(source: str, class_name: str) -> dict[str, str]:
    """`class TestDict: D = dict; kw = {}` -> {"D": "dict", "kw": "{}"}: the plain values a test class (and its
    bases in the same module, nearest first) sets in its body, which its tests read as `self.D`."""
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    out: dict[str, str] = {}

    def visit(name: str, seen: set[str]) -> None:
        node = classes.get(name)
        if node is None or name in seen:
            return
        seen.add(name)
        for stmt in node.body:
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                    and stmt.targets[0].id not in out):
                out[stmt.targets[0].id] = ast.unparse(stmt.value)
        for base in node.bases:
            if isinstance(base, ast.Name):
                visit(base.id, seen)

    visit(class_name, set())
    return out


def bind_self(lines: list[str], attrs: dict[str, str]) -> list[str]:
    """`self.D` -> `dict` in the snippet's lines (text: a line may be a loop's header alone); a value that is not
    a plain name or literal goes in parentheses."""
    def value(name: str) -> str:
        text = attrs[name]
        node = ast.parse(text, mode="eval").body
        return text if isinstance(node, (ast.Name, ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.Attribute)) \
            else f"({text})"
    pattern = re.compile(r"\bself\.(" + "|".join(map(re.escape, sorted(attrs, key=len, reverse=True))) + r")\b") \
        if attrs else None
    return [pattern.sub(lambda m: value(m.group(1)), ln) for ln in lines] if pattern else list(lines)
