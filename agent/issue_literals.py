"""Values an issue states, parsed without evaluating anything (pure).

An issue is untrusted text: a value is accepted only when `ast.literal_eval` can read it, or it is
built from literals by one of a few constructors whose repr sessions print: containers (`Counter({...})`),
`datetime.date(2024, 1, 15)`, `datetime.timedelta(days=1)`, `Decimal('1.50')`, `Fraction(1, 3)`, also
inside lists, tuples and dicts. Anything else, e.g. `__import__('os').system(...)`, is no value at all.
A value stated in prose may use the notation of the value the issue shows: `2024-01-15` where the
session printed `datetime.date(2023, 1, 15)` (`parse_value(text, like=shown)`).
"""
from __future__ import annotations

import ast
import datetime
import decimal
import fractions
import math
import re

INVALID = object()          # "not a value we can read"

# Constructors whose repr issues paste; each is rebuilt from literal arguments only.
_DICTLIKE = {"Counter", "OrderedDict", "dict", "defaultdict"}
_SETLIKE = {"set", "frozenset"}
_SEQLIKE = {"list", "tuple"}
# Value types a session prints as a constructor call: name (bare or module.name) -> type.
_VALUE_TYPES = {"datetime.date": datetime.date, "datetime.datetime": datetime.datetime, "datetime.time": datetime.time,
                "datetime.timedelta": datetime.timedelta, "decimal.Decimal": decimal.Decimal,
                "fractions.Fraction": fractions.Fraction, "date": datetime.date, "datetime": datetime.datetime,
                "timedelta": datetime.timedelta, "Decimal": decimal.Decimal, "Fraction": fractions.Fraction}
_ISO = re.compile(r"(?<![\w.'\"-])(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?(?![\w'\"-])")
_EXC_NAME = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)$")


def is_exception_name(text: str) -> bool:
    return bool(_EXC_NAME.match(text.strip()))


def _finite(value) -> bool:
    if isinstance(value, (float, decimal.Decimal)):
        return math.isfinite(value)
    if isinstance(value, complex):
        return math.isfinite(value.real) and math.isfinite(value.imag)
    if isinstance(value, dict):
        return all(_finite(k) and _finite(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_finite(v) for v in value)
    return True


def _dotted(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return None


def _constructor(node: ast.Call, depth: int):
    name = _dotted(node.func)
    if name is None:
        return INVALID
    module, _, name = name.rpartition(".")
    kind = _VALUE_TYPES.get(f"{module}.{name}" if module else name)
    if kind is None and module not in ("", "collections"):
        return INVALID
    args = [_read(a, depth + 1) for a in node.args]
    kwargs = {k.arg: _read(k.value, depth + 1) for k in node.keywords if k.arg}
    if INVALID in args or INVALID in kwargs.values() or len(kwargs) != len(node.keywords):
        return INVALID
    try:
        if kind is not None:
            if kind in (decimal.Decimal, fractions.Fraction) and not all(isinstance(a, (int, str)) for a in args):
                return INVALID               # Decimal(0.1) spells a float's digits, not the issue's
            if kind is fractions.Fraction and any(isinstance(a, str) and re.search("[eE]", a) for a in args):
                return INVALID               # Fraction('1e99999999') would build a huge integer
            return kind(*args, **kwargs)
        if name in _DICTLIKE and name != "defaultdict" and len(args) <= 1:
            return dict(*args, **kwargs)
        if name == "defaultdict" and len(args) == 2 and args[0] is None and not kwargs:
            return dict(args[1])
        if name in _SETLIKE and len(args) <= 1 and not kwargs:
            return set(*args)
        if name in _SEQLIKE and len(args) <= 1 and not kwargs:
            return list(*args) if name == "list" else tuple(*args)
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return INVALID
    return INVALID


def _read(node: ast.expr, depth: int = 0):
    """The value a node spells: literals, the constructors above, and containers of both."""
    if depth > 50:
        return INVALID
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.Call):
        return _constructor(node, depth)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [_read(e, depth + 1) for e in node.elts]
        if INVALID in items:
            return INVALID
        try:
            return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
        except TypeError:                    # an unhashable member of a set
            return INVALID
    if isinstance(node, ast.Dict) and None not in node.keys:
        keys, values = [_read(k, depth + 1) for k in node.keys], [_read(v, depth + 1) for v in node.values]
        if INVALID in keys or INVALID in values:
            return INVALID
        try:
            return dict(zip(keys, values))
        except TypeError:
            return INVALID
    return INVALID


def _members(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return [m for v in value for m in _members(v)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _members(v)]
    return [value]


def _in_notation(text: str, like) -> str | None:
    """`text` with its ISO dates (`2024-01-15`, `2024-01-15 10:30`) spelled as the reprs `like` holds."""
    kinds = {type(m) for m in _members(like)}
    if not kinds & {datetime.date, datetime.datetime}:
        return None

    def spell(m: re.Match) -> str:
        y, mo, d, h, mi, sec = (int(g) if g else None for g in m.groups())
        if h is None and datetime.date in kinds:
            return f"datetime.date({y}, {mo}, {d})"
        if h is not None and datetime.datetime in kinds:
            return f"datetime.datetime({y}, {mo}, {d}, {h}, {mi}" + (f", {sec})" if sec else ")")
        return m.group(0)                    # a date where the issue shows datetimes: no guess
    spelled = _ISO.sub(spell, text)
    return spelled if spelled != text else None


def parse_value(text: str, like=INVALID):
    """The Python value `text` spells, or INVALID. Never evaluates code. With `like` (the value an issue
    shows), ISO dates in `text` may stand for the dates `like` holds; the result must be of its family."""
    text = (text or "").strip()
    if not text or len(text) > 4000:
        return INVALID
    try:
        value = _read(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        value = INVALID
    if value is INVALID and like is not INVALID and (spelled := _in_notation(text, like)):
        value = parse_value(spelled)
        if family(value) != family(like):
            return INVALID
    if value is INVALID or not _finite(value):
        return INVALID
    return value


def value_source(src: str) -> str:
    """Python source for the value `src` spells, runnable where only `_datetime`, `_decimal` and
    `_fractions` (the modules) are bound: a check's setup may rebind `datetime` to the class."""
    value = parse_value(src)
    if value is INVALID:
        return src

    def spell(v) -> str:
        if isinstance(v, (datetime.date, datetime.time, datetime.timedelta)):
            return "_" + repr(v)             # datetime.date(...) -> _datetime.date(...)
        if isinstance(v, decimal.Decimal):
            return "_decimal." + repr(v)
        if isinstance(v, fractions.Fraction):
            return "_fractions." + repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(map(spell, v)) + "]"
        if isinstance(v, tuple):
            return "(" + ", ".join(map(spell, v)) + ("," if len(v) == 1 else "") + ")"
        if isinstance(v, (set, frozenset)):
            return "{" + ", ".join(map(spell, v)) + "}" if v else "set()"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{spell(k)}: {spell(x)}" for k, x in v.items()) + "}"
        return repr(v)
    return spell(value)


def family(value) -> str:
    """Coarse type used to tie a stated value to a shown one ("?" = unknown, ties with anything)."""
    if value is INVALID or value is None:
        return "?"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, complex, decimal.Decimal, fractions.Fraction)):
        return "number"
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        return type(value).__name__
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
