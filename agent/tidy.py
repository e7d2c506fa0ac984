"""An edit without the noise a small model adds to lines it did not mean to change (pure).

Whole-file and whole-function answers come back with comments on unchanged lines
(`mid = len(ordered) // 2  # Corrected division`), new comment lines (`# Fixed the bug`), comments and
blank lines of the original dropped, and lines re-spaced. None of it changes what the code does, all of it
lands in the pull request a reviewer reads and in the diff the judge scores. `tidy` puts back the original's
text wherever the answer's differs from it only in comments or layout, and checks that the result has the
answer's syntax tree (docstrings included), so what the code does is the answer's exactly.
"""
from __future__ import annotations

import ast
import difflib

MAX_LINES = 5000      # larger files are left as answered
MAX_TRIES = 300       # pieces tried one at a time
PARSE_BUDGET = 200_000   # lines parsed for the pieces whose code differs (a large rewrite: few of them)


def _dump(text: str) -> str | None:
    try:
        return ast.dump(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _noise(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _key(line: str) -> str:
    """The line's code without spacing or a trailing comment (rough: a `#` in a string cuts it too; the
    syntax-tree check decides); a comment or blank line is itself (it matches only its like)."""
    return line.strip() if _noise(line) else "".join(line.split("#", 1)[0].split())


def _choices(old: list[str], new: list[str]) -> list[tuple[list[str], list[str]]]:
    """(answer's lines, original's lines) pieces in order, aligned on the lines' code: a line pair whose code
    differs at most in spacing or comments, an added or dropped run of comment / blank lines, and each line
    pair of a same-size replacement (after its comment lines) is a piece whose original text may go back."""
    head = 0                                  # equal lines at both ends need no matching (difflib is slow)
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    out: list[tuple[list[str], list[str]]] = [(new[:head], new[:head])]
    mid_old, mid_new = old[head:len(old) - tail], new[head:len(new) - tail]
    matcher = difflib.SequenceMatcher(None, [_key(x) for x in mid_old], [_key(x) for x in mid_new],
                                      autojunk=len(mid_new) > 1000)
    for op, i1, i2, j1, j2 in _shifted(matcher.get_opcodes(), head):
        if op == "equal":
            out += [([n], [o]) for o, n in zip(old[i1:i2], new[j1:j2])]
        elif op == "insert" and all(_noise(ln) for ln in new[j1:j2]):
            out.append((new[j1:j2], []))
        elif op == "delete" and all(_noise(ln) for ln in old[i1:i2]):
            out.append(([], old[i1:i2]))
        elif op == "replace" and sum(not _noise(x) for x in old[i1:i2]) == sum(not _noise(x) for x in new[j1:j2]):
            out += _paired(old[i1:i2], new[j1:j2])
        else:
            out.append((new[j1:j2], new[j1:j2]))      # a real change: the answer's lines stay
    return out + [(new[len(new) - tail:], new[len(new) - tail:])]


def _shifted(opcodes, by: int):
    return [(op, i1 + by, i2 + by, j1 + by, j2 + by) for op, i1, i2, j1, j2 in opcodes]


def _paired(old: list[str], new: list[str]) -> list[tuple[list[str], list[str]]]:
    """A replaced run with as many code lines on both sides: the answer's comment lines may go, the
    original's come back before the code line they preceded, code lines pair in order."""
    out: list[tuple[list[str], list[str]]] = []
    rest = iter(old)
    for line in new:
        if _noise(line):
            out.append(([line], []))
            continue
        for mine in rest:
            if not _noise(mine):
                out.append(([line], [mine]))
                break
            out.append(([], [mine]))
    out += [([], [mine]) for mine in rest]
    return out


def _likely(piece: tuple[list[str], list[str]]) -> bool:
    """A piece whose code is the same on both sides (or that is only comments and blank lines)."""
    mine, theirs = piece
    return all(_noise(x) for x in mine + theirs) or [_key(x) for x in mine] == [_key(x) for x in theirs]


def tidy(original: str, answer: str) -> str:
    """The answer with the original's text back wherever that leaves its syntax tree as it is; the answer
    itself when either does not parse (or the file is large). Pieces whose code is the same go back together
    (one at a time only if that fails); then other pieces (`'a'` for `"a"`) one at a time, within a budget of
    parsed lines, so a large rewrite costs a few parses, not one per changed line."""
    want = _dump(answer)
    if want is None or _dump(original) is None or answer.count("\n") > MAX_LINES:
        return answer
    old, new = original.split("\n"), answer.split("\n")
    pieces = _choices(old, new)
    mine = [p[0] for p in pieces]
    joined = lambda parts: "\n".join(ln for part in parts for ln in part)      # noqa: E731
    every = [o for _, o in pieces]
    if _dump(joined(every)) == want:
        return joined(every)
    open_ = [k for k, (m, o) in enumerate(pieces) if m != o]
    likely = [k for k in open_ if _likely(pieces[k])]
    batch = [pieces[k][1] if k in likely else mine[k] for k in range(len(pieces))]
    if likely and _dump(joined(batch)) == want:
        mine, singles = batch, []
    else:
        singles = likely
    others = [k for k in open_ if k not in likely][:max(0, PARSE_BUDGET // max(len(new), 1) - len(singles))]
    for k in (singles + others)[:MAX_TRIES]:          # one at a time, keeping each that changes nothing
        if _dump(joined(mine[:k] + [pieces[k][1]] + mine[k + 1:])) == want:
            mine[k] = pieces[k][1]
    return joined(mine)
