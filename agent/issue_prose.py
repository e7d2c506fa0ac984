"""What an issue's sentences state: "I expected `212.0` and `32.0`", "`f(x)` raises `E`". Only plain
lists of values count; anything looser states nothing. Pure. (Sentences that tie a call to its shown
and expected values: agent/issue_claims.py.)"""
from __future__ import annotations

import ast
import re

from agent.issue_cues import EXPECT_CUE
from agent.issue_literals import is_exception_name
from agent.issue_text import ATOM

# ------------------------------------------------------------------ prose expectations
_SEP = r"(?:\s*,\s*and\s+|\s*,\s*|\s+and\s+)"
_LIST = re.compile(rf"^\s*({ATOM}(?:{_SEP}{ATOM})*)\s*(?:,?\s*respectively)?\s*$")
_TRIGGER = re.compile(
    rf"(?:{EXPECT_CUE}|\binstead\s+of)\b\s*:?\s*(?:(?:it|this|them|the\s+(?:results?|output|answer|value|return\s+value))"
    r"\s+to\s+(?:be|return|print|output|give|produce)\s+|(?:it|this|they)\s+(?:returns?|prints?|gives?|outputs?"
    r"|produces?)\s+|to\s+(?:get|see|be|return)\s+)?",
    re.I)
# Where a stated value's phrase ends: "I expected `3`, but got `4`", "Expected `3`, got `4`", "I'd expect `3` here".
# A comma before a word that is not a value and not "and" / "or" / "respectively" starts a new clause: "I expected
# `'-999'`, there is no comma in a three-digit number" states `'-999'`.
_PHRASE_END = re.compile(r"\.(?=\s|$)|[:;!?\n]|\s+\(|\s+[—–-]{1,2}\s+|,?(?:\s+and)?\s+(?:but|because|since|instead"
                         r"|as|which|so|not|got|received|whereas|while)\b|\s+(?:here|there|in\s+this\s+case)\b"
                         r"|,\s+(?!(?:and|or|respectively|True|False|None)\b)(?=[A-Za-z])")
_EXPECT_EXC = re.compile(r"\b(?:expected|expect(?:ing)?|should\s+(?:raise|get|give|be))\s+(?:an?\s+)?`?"
                         r"([A-Za-z_][\w.]*(?:Error|Exception))`?", re.I)


# "`8.0` for the first and `15.0` for the week": a value may name what it is for (words, no values).
_FOR = re.compile(r"\s+for\s+(?:the\s+|a\s+|an\s+|each\s+)?[A-Za-z]+(?:\s+[A-Za-z]+)?(?=\s*(?:,|\band\b|$))")


def _atoms(phrase: str) -> list[str] | None:
    m = _LIST.match(phrase) or _LIST.match(_FOR.sub("", phrase))
    if not m:
        return None
    return [a.strip() for a in re.findall(ATOM, m.group(1))]


def prose_values(text: str) -> list[str]:
    """Values stated after "expected" / "should return", in order. A phrase counts only if it is
    nothing but a list of values ("I expected `212.0` and `32.0`"): "2000 was a leap year" is none."""
    out: list[str] = []
    text = re.sub(r"\n(?![ \t]*(?:[-*+>]|\d+\.|\n))", " ", text)    # soft-wrapped lines are one sentence
    for m in _TRIGGER.finditer(text):
        rest = text[m.end():]
        # Punctuation inside a code span (`{"a": 1}`) does not end the phrase.
        masked = re.sub(r"`[^`\n]+`", lambda s: "0" * len(s.group()), rest)     # not a word: a value
        end = _PHRASE_END.search(masked)
        atoms = _atoms(rest[:end.start()] if end else rest)
        for a in atoms or []:
            inner = a[1:-1] if a.startswith("`") else a
            if not is_exception_name(inner):
                out.append(a)
    return out


def prose_exception(text: str) -> str | None:
    m = _EXPECT_EXC.search(text)
    return m.group(1).rsplit(".", 1)[-1] if m else None


_RAISES = re.compile(r"`(?P<call>[^`\n]*\w\s*\([^`\n]*\))`\s+(?:raises|throws|fails\s+with)\s+(?:an?\s+)?"
                     r"`(?P<exc>[A-Z]\w*)(?:\([^`]*\))?`")


def prose_raise_claims(text: str) -> list[tuple[str, str, int]]:
    """(call, exception, line) for "`f(x)` raises `SomeError`" sentences."""
    out = []
    for m in _RAISES.finditer(text):
        try:
            node = ast.parse(m.group("call"), mode="eval").body
        except SyntaxError:
            continue
        out.append((ast.unparse(node), m.group("exc"), text[:m.start()].count("\n") + 1))
    return out


# "this message should be returned unchanged": the expected value is the call's own argument.
_UNCHANGED = re.compile(r"\b(?:should|would|to)\s+(?:be\s+returned|come\s+back|stay|remain|be\s+left)\s+"
                        r"(?:unchanged|as\s+(?:it\s+)?is|untouched)\b", re.I)


def says_unchanged(text: str) -> bool:
    return _UNCHANGED.search(re.sub(r"\s+", " ", text)) is not None


def states(text: str) -> bool:
    """The prose states an expected value, an expected exception, or that the input should come back unchanged."""
    return bool(prose_values(text) or prose_exception(text) or says_unchanged(text))


# "The first one should be `'-999'`": which of several shown calls a lone stated value is for.
_ORDINAL = re.compile(r"\b(?:the\s+)?(first|second|third|fourth|fifth|last|former|latter)\s+(?:one|call|line|result|value"
                      r"|output|example|case)s?\b", re.I)
_ORDINALS = {"first": 0, "former": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1, "latter": -1}


def ordinal_pick(text: str, n: int) -> int | None:
    """The index among `n` shown calls that the prose names by order in the sentence stating a value ("the
    first one should be B"), when it names exactly one; else None ("the first one is fine" names none)."""
    stating = [s for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", text) if prose_values(s)]
    named = {_ORDINALS[m.group(1).lower()] for s in stating for m in _ORDINAL.finditer(re.sub(r"\s+", " ", s))}
    if len(named) != 1 or n < 2:
        return None
    k = named.pop()
    k = k if k >= 0 else n + k
    return k if 0 <= k < n else None

