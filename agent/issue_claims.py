"""Sentences that tie a call to the value it gives and the value it should give, in the many ways
people write them (pure):

    Calling `slugify('A B')` returns `'a-b-'` instead of `'a-b'`.
    When I call to_f(100) I get 148.0 but it should be 212.0.
    I expected `to_f(100)` to return `212.0`, but it returns `148.0`.
    `to_f(100)` returns `148.0`. The correct answer is `212.0`.

Each value is given a role by the nearest cue word before it: "expected", "should be", "correct …
is" mark what the call should give; "returns", "I get", "prints", "is" mark what it gives; "instead
of", "rather than" and ", not" give the next value the other role than the one before it. A claim
needs exactly one call and exactly one expected value in its sentence (or in the next sentence, when
that one names no call); anything else states nothing: a wrong check vetoes a right patch. A value
that swaps roles by mistake asserts what the original code already returns, so the check does not
reproduce the issue and is dropped when it is run.
"""
from __future__ import annotations

import ast
import re

from agent.issue_cues import EXPECT_CUE
from agent.issue_literals import INVALID, is_exception_name, parse_value

_CODE = re.compile(r"`([^`\n]+)`")
_BARE_CALL = re.compile(r"(?<![\w.`])[A-Za-z_][\w.]*\((?:[^()\n]|\([^()\n]*\))*\)")
_BARE_VALUE = re.compile(r"(?<![\w.`])(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'[^'\n]*'|\"[^\"\n]*\"|True|False|None)(?![\w`])")
_EXPECT = re.compile(rf"(?:{EXPECT_CUE}|\b(?:I\s+)?want(?:ed)?)\b", re.I)
_SHOW = re.compile(
    r"(?:\b(?:returns|returned|gives|gave|got|get|getting|prints|printed|outputs|yields|produces|produced|is|was"
    r"|evaluates\s+to|results\s+in|comes\s+back\s+as|shows)\b|->|=>|→)", re.I)
_FLIP = re.compile(r"\b(?:instead\s+of|rather\s+than|not)\b", re.I)
# "expected `f(x)` to return `B`": an infinitive after an expectation keeps the expectation's role.
_TO = re.compile(r"\bto\s+(?:return|be|give|print|equal)\b", re.I)
# A line break left after soft-wrapped lines are joined is a hard one (a heading, a list item, a blank line).
# A dash between spaces starts a new clause as a full stop does ("returns `A` — the real value is `C`").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\"'])|\s*\n\s*|\s+(?:[—–]|--)\s+")
_SOFT_WRAP = re.compile(r"\n(?![ \t]*(?:[-*+>]|\d+\.|#{1,6}\s|\n))")


def _mask(text: str) -> str:
    """Code spans blanked out (same length), so that cue words and full stops inside them count for nothing."""
    return _CODE.sub(lambda m: "`" + "x" * (len(m.group()) - 2) + "`", text)


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs of text whose soft-wrapped lines were joined: any line break left ends one."""
    masked = _mask(text)
    out, start = [], 0
    for m in _SENTENCE_END.finditer(masked):
        out.append((start, text[start:m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o, s) for o, s in out if s.strip()]


def _call_of(src: str) -> str | None:
    try:
        node = ast.parse(src.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print" \
            and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    return ast.unparse(node) if any(isinstance(n, ast.Call) for n in ast.walk(node)) else None


def _value_of(src: str) -> str | None:
    inner = src.strip()
    if is_exception_name(inner) or parse_value(inner) is INVALID:
        return None
    return inner


def _items(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, "call" | "value", text) in order: code spans first, then bare calls and values outside them."""
    items, taken = [], []
    for m in _CODE.finditer(sentence):
        taken.append((m.start(), m.end()))
        if (value := _value_of(m.group(1))) is not None:        # `Counter({'a': 2})` is a value
            items.append((m.start(), m.end(), "value", value))
        elif (call := _call_of(m.group(1))) is not None:
            items.append((m.start(), m.end(), "call", call))
    masked = _mask(sentence)
    for m in _BARE_CALL.finditer(masked):
        if any(a <= m.start() < b for a, b in taken):
            continue
        if _value_of(m.group()) is not None:
            taken.append((m.start(), m.end()))
            items.append((m.start(), m.end(), "value", m.group()))
        elif (call := _call_of(m.group())) is not None:
            taken.append((m.start(), m.end()))
            items.append((m.start(), m.end(), "call", call))
    for m in _BARE_VALUE.finditer(masked):
        if not any(a <= m.start() < b for a, b in taken):
            items.append((m.start(), m.end(), "value", m.group()))
    return sorted(items)


_RANK = {"flip": 0, "shown": 1, "to": 2, "expected": 3}    # cues ending together: "correct answer is" expects


# "returns about `213.5`": a number the writer rounded (approximate(): within one unit of its last digit).
_ABOUT = r"(?:(?:about|approximately|approx\.|roughly|around|nearly|circa)\s+|[~≈]\s*)"
_DIRECT = re.compile(rf"[\s:,(]*(?:(?:me|us|back)\s+)*{_ABOUT}?")  # "should be: `B`", "(expected `B`)", "gives me `A`"
_ABOUT_END = re.compile(rf"(?<![\w.]){_ABOUT}$", re.I)
APPROX = "≈"                   # marks a value stated as approximate in the claims below
_LIST_SEP = re.compile(r"\s*(?:,|,?\s*(?:and|or))?\s*")


def _cue(gap: str, previous: str | None, expecting: bool) -> str | None:
    """The role the text between two items gives the next value. The last cue in the gap counts, and
    only when the value follows it directly ("should be `B`"; in "100 should be the palest colour" the
    100 is no value of the call). With no cue, a list ("`A` and `B`") keeps the role before it."""
    cues = []
    for kind, pattern in (("expected", _EXPECT), ("shown", _SHOW), ("flip", _FLIP), ("to", _TO)):
        cues += [(m.end(), _RANK[kind], kind) for m in pattern.finditer(gap)]
    if not cues:
        return previous if _LIST_SEP.fullmatch(gap) else None
    end, _rank, kind = max(cues)
    if not _DIRECT.fullmatch(gap[end:]):
        return None
    if kind == "flip":
        return {"expected": "shown", "shown": "expected"}.get(previous or "", None)
    if kind == "to":
        return "expected" if expecting else None
    return kind


def roles(sentence: str) -> tuple[list[str], list[tuple[str, str, int]]]:
    """(calls, [(role, value, index of the call before it)]) of one sentence. A value before the first
    call has no role (in "It should be: ('status', Field(...))" the value is part of the code, not what
    the call gives), and a question states nothing ("would we want `f(x)` to return True?")."""
    if _mask(sentence).rstrip().endswith("?"):
        return [], []
    masked = _mask(sentence)
    calls, values = [], []
    end, previous, expecting = 0, None, False
    for pos, stop, kind, text in _items(sentence):
        gap = masked[end:pos]
        expecting = expecting or bool(_EXPECT.search(gap))
        if kind == "call":
            calls.append(text)
        else:
            role = _cue(gap, previous, expecting)
            if role and calls:
                number = parse_value(text)
                about = _ABOUT_END.search(gap) and isinstance(number, (int, float)) and not isinstance(number, bool)
                values.append((role, APPROX + text if about else text, len(calls) - 1))
            previous = role
        end = stop
    return calls, values


def _follow_up(sentence: str) -> tuple[list[str], list[tuple[str, str, int]]]:
    """A sentence after one that showed a call ("The correct answer is `212.0`."): its values have roles
    without a call of their own (as if the call came first)."""
    calls, values = roles("f() " + sentence)
    return calls[1:], values


def _claim(call: str, values: list[tuple[str, str, int]]) -> tuple[str, str | None, str] | None:
    """(call, shown or None, expected) when the values state exactly one expected value (and at most
    one shown value that differs from it)."""
    expected = [v for r, v, _ in values if r == "expected"]
    shown = [v for r, v, _ in values if r == "shown"]
    if len(expected) != 1 or len(shown) > 1:
        return None
    if shown and parse_value(approximate(shown[0])[0]) == parse_value(approximate(expected[0])[0]):
        return None
    return call, shown[0] if shown else None, expected[0]


def _parallel(calls: list[str], values: list[tuple[str, str, int]]) -> list[tuple[str, str | None, str]]:
    """Claims of a sentence with several calls, each followed by its own values: "`f(1)` returns `A`
    but should return `B`, and `f(2)` returns `C` but should return `D`." Only a leading run of calls
    that each state a claim counts ("after `g()`, `f()` returns `A`, not `B`" states nothing: the
    values may belong to either call); calls after that run ("and `book()` raises") are ignored."""
    out = []
    for k, call in enumerate(calls):
        claim = _claim(call, [v for v in values if v[2] == k])
        if claim is None:
            break
        out.append(claim)
    return out


_DECIMAL = re.compile(r"[-+]?\d+(?:\.(\d*))?(?:[eE]([-+]?\d+))?")


def approximate(atom: str) -> tuple[str, float | None]:
    """(value, tolerance) of a claim's value: a value stated as "about 343.6" is met within one unit of
    its last digit (0.1; "about 344": 1; "about 1.5e3": 100), the writer having rounded or cut it. Pure."""
    if not atom.startswith(APPROX):
        return atom, None
    value = atom[len(APPROX):]
    m = _DECIMAL.fullmatch(value.strip("`"))
    if m is None:                   # 0x1e5, 1_000: no digits to read a precision from, so the value is exact
        return value, None
    return value, 10.0 ** (int(m.group(2) or 0) - len(m.group(1) or ""))


def close(a, b, tolerance: float | None) -> bool:
    """Two numbers within a stated value's tolerance (never, without one). Pure."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return bool(tolerance) and numbers and abs(a - b) <= tolerance


def prose_claims(text: str) -> list[tuple[str, str | None, str, int]]:
    """(call, shown value or None, expected value, line) for every sentence (or pair of sentences)
    that ties one call to exactly one expected value, and for sentences that list such claims. A value
    stated as approximate starts with APPROX (approximate() reads it)."""
    text = _SOFT_WRAP.sub(" ", text)
    parts = sentences(text)
    out = []
    k = 0
    while k < len(parts):
        offset, sentence = parts[k]
        calls, values = roles(sentence)
        line = text[:offset].count("\n") + 1
        used = 1
        if len(calls) > 1:
            out += [(*claim, line) for claim in _parallel(calls, values)]
        elif len(calls) == 1:
            # "`f(x)` returns `A`. The correct answer is `B`.": the first sentence must show the call's value.
            if [r for r, _, _ in values] == ["shown"] and k + 1 < len(parts):
                more_calls, more = _follow_up(parts[k + 1][1])
                if not more_calls and any(r == "expected" for r, _, _ in more):
                    values, used = values + more, 2     # its values follow its stand-in call 0 too
            if (claim := _claim(calls[0], values)) is not None:
                out.append((*claim, line))
        k += used
    return out
