"""Values an issue states, parsed without evaluating anything (pure).

An issue is untrusted text: a value is accepted only when `ast.literal_eval` (or one of a few
container constructors around literals, e.g. `Counter({...})`) can read it. Anything else, e.g.
`__import__('os').system(...)`, is no value at all.
"""
from __future__ import annotations

import ast
import math
import re

INVALID = object()          # "not a value we can read"

# Constructors whose repr issues paste; each is rebuilt from literal arguments only.
_DICTLIKE = {"Counter", "OrderedDict", "dict", "defaultdict"}
_SETLIKE = {"set", "frozenset"}
_SEQLIKE = {"list", "tuple"}
_EXC_NAME = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)$")


def is_exception_name(text: str) -> bool:
    return bool(_EXC_NAME.match(text.strip()))


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, complex):
        return math.isfinite(value.real) and math.isfinite(value.imag)
    if isinstance(value, dict):
        return all(_finite(k) and _finite(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_finite(v) for v in value)
    return True


def _constructor(node: ast.expr):
    if not isinstance(node, ast.Call):
        return INVALID
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if name is None or (isinstance(func, ast.Attribute) and not (
            isinstance(func.value, ast.Name) and func.value.id == "collections")):
        return INVALID
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return INVALID
    if len(kwargs) != len(node.keywords):
        return INVALID
    try:
        if name in _DICTLIKE and name != "defaultdict" and len(args) <= 1:
            return dict(*args, **kwargs)
        if name == "defaultdict" and len(args) == 2 and args[0] is None and not kwargs:
            return dict(args[1])
        if name in _SETLIKE and len(args) <= 1 and not kwargs:
            return set(*args)
        if name in _SEQLIKE and len(args) <= 1 and not kwargs:
            return list(*args) if name == "list" else tuple(*args)
    except (TypeError, ValueError):
        return INVALID
    return INVALID


def parse_value(text: str):
    """The Python value `text` spells, or INVALID. Never evaluates code."""
    text = (text or "").strip()
    if not text or len(text) > 4000:
        return INVALID
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return INVALID
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = _constructor(node)
    if value is INVALID or not _finite(value):
        return INVALID
    return value


def family(value) -> str:
    """Coarse type used to tie a stated value to a shown one ("?" = unknown, ties with anything)."""
    if value is INVALID or value is None:
        return "?"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, complex)):
        return "number"
    if isinstance(value, (str, bytes)):
        return "str"
    if isinstance(value, (list, tuple)):
        return "seq"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (set, frozenset)):
        return "set"
    return "?"


def same_value(a, b) -> bool:
    """Loose equality used only to recognise "expected == shown" (then the issue corrects nothing)."""
    if family(a) == "number" and family(b) == "number":
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if family(a) == "seq" and family(b) == "seq":
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:      # noqa: BLE001 - exotic values compare as different
        return False
