"""The start of a whole-file answer, written for the model (assistant prefill): it continues from there.

A small model asked for a corrected module sometimes answers with something else first: the issue's example
copied into the block, a prose reply, the format example. Sent as the last (assistant) message, the prefix
makes the answer a copy of the module from its first token, and "focus" starts it at the suspect function:
the lines before it are the original's, given rather than copied (fewer tokens generated), and the model's
first own tokens are the function the issue is about. llama.cpp's server continues a trailing assistant
message and returns prefix + continuation; a provider that ignores it answers in full (kept as sent).
"""
from __future__ import annotations

import ast
from typing import Literal

from agent.focus import functions_by_qualname

PrefillMode = Literal["none", "fence", "line", "focus"]
FENCE = "```python\n"
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def answer_prefix(mode: PrefillMode, text: str, names: list[str]) -> str:
    """The prefix for a whole-file answer of `text` (pure). "fence": the opening fence; "line": and the
    module's first line; "focus": and every line before the earliest of the functions `names` (qualnames,
    decorators included), else before the first top-level def or class; "none" or no text: nothing."""
    if mode == "none" or not text:
        return ""
    lines = text.splitlines(keepends=True)
    cut = {"fence": 0, "line": 1}.get(mode)
    if cut is None:
        cut = _first_line(text, names)
    return FENCE + "".join(lines[:min(cut, len(lines))])


def joined(prefix: str, content: str) -> str:
    """The whole answer (pure): `content` as the server sent it when it repeats the prefix or is an answer of
    its own (a provider that ignored the prefill), else the prefix and its continuation."""
    if not prefix or content.startswith(prefix) or content.lstrip().startswith("```"):
        return content
    return prefix + content


def _first_line(text: str, names: list[str]) -> int:
    """0-based line where the earliest named function starts (its decorators), else the first top-level def or
    class; 1 when the module does not parse or has neither (the prefix keeps its first line only)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return 1
    top = {node.name: _start(node) for node in tree.body if isinstance(node, _DEFS)}   # a located class too
    starts = {**top, **{name: _start(node) for name, node in functions_by_qualname(tree).items()}}
    chosen = [starts[n] for n in names if n in starts]
    return min(chosen or top.values() or [1])


def _start(node: ast.AST) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
