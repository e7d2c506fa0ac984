"""Text an issue says a call's output should contain. Pure: no model, no I/O.

Style-e issues print a call's output and then describe what they expected in prose, often as several
pieces of that output rather than one value: "With `max_depth=1` I expected the two top-level sections
(`- [Install](#install)` and `- [Usage](#usage)`)". Such a sentence states that the output *contains*
each quoted piece; it says nothing about the rest of the text, so the check is containment, not
equality. A piece is tied to a call only when that is unambiguous: the block shows one call, or a
backticked argument (`max_depth=1`) names exactly one of them; pieces after an argument that names no
single call are dropped. Only pieces after the words that state the expectation count ("It prints `X`, but
I expected `Y`": `X` is the wrong output), and not elided ones (`...`) or expressions over names (`[d1, d2]`).
No check when the issue's own shown output already contains every piece.
"""
from __future__ import annotations

import ast
import re

from agent.issue_literals import INVALID, parse_value

_EXPECT = re.compile(r"\b(?:I\s+(?:would\s+)?expect(?:ed)?|expected|should|supposed\s+to|want(?:ed)?)\b", re.I)
_TICK = re.compile(r"`([^`\n]+)`")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(])")


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(re.sub(r"\s+", " ", text or "").strip()) if s]


def _squash(code: str) -> str:
    return re.sub(r"\s+", "", code)


def output_call(call: str) -> str:
    """The expression whose text the output shows: `repr(f(x))` / `str(f(x))` printed show f(x)."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return call
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("repr", "str")
            and len(node.args) == 1 and not node.keywords):
        return ast.unparse(node.args[0])
    return call


def _names_call(atom: str, calls: list[str]) -> list[int]:
    """Indices of the calls an argument-like atom (`max_depth=1`, `f(x, 2)`) appears in."""
    if not re.search(r"[=(]", atom):
        return []
    needle = _squash(atom)
    return [i for i, c in enumerate(calls) if needle in _squash(c)]


def _is_fragment(atom: str, code: str) -> bool:
    """Output text, not code: more than one bare word, no literal value (prose_values handles those), not
    a piece of the code."""
    if len(atom) < 3 or re.fullmatch(r"[\w.-]+", atom) or "..." in atom or parse_value(atom) is not INVALID:
        return False              # a bare word (`cat`, `the`) may be a key or an argument; "..." elides output
    try:                          # `[d1, d2]`: an expression over names, not text; `- a` is a list item
        if not atom.startswith("- ") and any(isinstance(n, ast.Name) for n in ast.walk(ast.parse(atom, mode="eval"))):
            return False
    except SyntaxError:
        pass
    return atom not in code and _squash(atom) not in _squash(code)


def fragment_claims(calls: list[str], shown: list[str | None], code: str, prose: str) -> dict[int, tuple[str, ...]]:
    """Call index -> the pieces of output the prose expects it to contain (see the module docstring).
    `shown` is the output the issue shows for each call (None when it shows none); `code` is the block's statements (its comments may show output)."""
    out: dict[int, list[str]] = {}
    for sentence in _sentences(prose):
        said = _EXPECT.search(sentence)
        if not said:
            continue
        current = 0 if len(calls) == 1 else None
        for m in _TICK.finditer(sentence):
            atom = m.group(1).strip()
            named = _names_call(atom, calls)
            if named or re.search(r"[=(]", atom) and atom in code:
                current = named[0] if len(named) == 1 else None
                continue
            if current is not None and m.start() > said.start() and _is_fragment(atom, code):
                pieces = out.setdefault(current, [])
                if atom not in pieces:
                    pieces.append(atom)
    claims = {}
    for i, pieces in out.items():
        seen = shown[i] if i < len(shown) else None
        if pieces and not (seen is not None and all(p in seen for p in pieces)):
            claims[i] = tuple(pieces)
    return claims
