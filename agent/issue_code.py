"""Reading an issue's code blocks: interactive sessions (`>>>` and IPython) and scripts whose comments, asserts or
traceback show what a call did, as Observations. Pure."""
from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize

from agent.issue_literals import INVALID, parse_value
from agent.issue_text import TRACEBACK, Block, Observation, raised_by, unprint


def assert_claim(stmt: ast.stmt) -> tuple[str, str] | None:
    """`assert f(x) == 3` (or a TestCase's `self.assertEqual(f(x), 3)`) -> ("f(x)", "3"): the author's own
    expectation, when one side is a call and the other a literal."""
    if (isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare) and len(stmt.test.ops) == 1
            and isinstance(stmt.test.ops[0], ast.Eq)):
        sides = (stmt.test.left, stmt.test.comparators[0])
    elif (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute)
          and stmt.value.func.attr in ("assertEqual", "assertEquals") and len(stmt.value.args) == 2):
        sides = tuple(stmt.value.args)
    else:
        return None
    if any(isinstance(n, ast.Name) and n.id == "self" for side in sides for n in ast.walk(side)):
        return None
    for call, value in (sides, sides[::-1]):
        if any(isinstance(n, ast.Call) for n in ast.walk(call)) and parse_value(ast.unparse(value)) is not INVALID:
            return ast.unparse(call), ast.unparse(value)
    return None


_NOTED = re.compile(r"^(.*?\S)\s+(#.*)$")     # a shown value, then a comment on the same line


def parse_session(block: Block) -> list[Observation]:
    first = next(ln for ln in block.raw if ln.lstrip().startswith(">>>"))
    ind = len(first) - len(first.lstrip())
    raw = [ln[ind:] if ln[:ind].strip() == "" else ln.lstrip() for ln in block.raw]
    setup: list[str] = []
    out: list[Observation] = []
    i = 0
    while i < len(raw):
        if not raw[i].startswith(">>>"):
            i += 1
            continue
        start, src = i, [raw[i][4:] if raw[i].startswith(">>> ") else raw[i][3:]]
        i += 1
        while i < len(raw) and (raw[i].startswith("... ") or raw[i].rstrip() == "..."):
            src.append(raw[i][4:])
            i += 1
        shown = []
        while i < len(raw) and raw[i].strip() and not raw[i].startswith(">>>"):
            shown.append(raw[i])
            i += 1
        try:
            tree = ast.parse("\n".join(src))
        except (SyntaxError, ValueError):
            continue
        lines = tuple(block.lines[start:i])
        claim = assert_claim(tree.body[0]) if len(tree.body) == 1 else None
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and shown:
            node, printed = unprint(tree.body[0].value)
            raised, exc_line = raised_by(shown)
            observed = exc_line or "\n".join(s.strip() for s in shown)
            value = INVALID if raised else parse_value(observed)
            # `>>> to_f(100)  # expected 212.0`: a correction written on the call's own line.
            note = " ".join(_comments("\n".join(src)).values())
            if not raised and len(shown) == 1 and (m := _NOTED.match(shown[0].strip())) \
                    and parse_value(m.group(1)) is not INVALID:      # or on its output's: `'-,999'  # expected '-999'`
                observed, value, note = m.group(1), parse_value(m.group(1)), note or m.group(2)
            out.append(Observation(tuple(setup), ast.unparse(node), observed, value, raised,
                                   _comment_claim(note)[1] if note else None, lines))
        elif claim:
            out.append(Observation(tuple(setup), claim[0], None, INVALID, None, claim[1], lines))
        elif tree.body and not (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
                                and unprint(tree.body[0].value)[1]):
            setup.append(ast.unparse(tree))
    last = ast.parse(setup[-1]).body if setup else []
    if not out and len(last) == 1 and isinstance(last[0], ast.Expr):     # `>>> f(x)` shown without output
        out.append(Observation(tuple(setup[:-1]), setup[-1], None, INVALID, None, None, tuple(block.lines)))
    return out


_CORRECTION = re.compile(r"\b(?:(?:I\s+)?expected|expecting|should\s+(?:be|return|give)|wanted|want)\b\s*:?\s*", re.I)


def _comment_claim(comment: str) -> tuple[str, str | None]:
    """`# 20.0, expected 15.0` -> ("20.0", "15.0"); `# [(1, 'ann', 9)]` -> ("[(1, 'ann', 9)]", None)."""
    text = comment.lstrip("#").strip()
    text = re.sub(r"^(?:->|=>|→|returns?\b|gives?\b|prints?\b|outputs?\b)\s*", "", text)
    m = _CORRECTION.search(text)
    if not m:
        return text, None
    observed = re.sub(r"(?:\s*(?:[,;(]|--|—|–)\s*|\s+)(?:but\s*)?$", "", text[:m.start()]).strip()
    expected = text[m.end():].strip()
    if expected.endswith(")") and expected.count(")") > expected.count("("):
        expected = expected[:-1]              # `# -> 4 (should be 3)`
    if parse_value(expected.rstrip(".")) is INVALID:
        expected = re.split(r"\s+\(|\s+--|\s+[—–]|;|,\s", expected)[0]
    return observed, expected.rstrip(".").strip() or None


def _comments(code: str) -> dict[int, str]:
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def parse_script(block: Block, traceback: Block | None = None) -> list[Observation]:
    """Statements of a code block; a call is observed when a comment shows its output, or when the
    block (or the traceback block after it) shows it raising."""
    raw = block.raw
    cut = next((k for k, ln in enumerate(raw) if ln.strip().startswith(TRACEBACK)), None)
    tb_lines = raw[cut:] if cut is not None else (traceback.raw if traceback else [])
    code = textwrap.dedent("\n".join(raw[:cut] if cut is not None else raw))
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    comments = _comments(code)
    code_lines = code.split("\n")
    raised, exc_line = raised_by(tb_lines) if tb_lines else (None, None)
    last_call = max((k for k, s in enumerate(tree.body) if isinstance(s, (ast.Expr, ast.Assign))), default=None)
    # An error shown after a script that ends in `assert <expr>` may come from that expression (`assert f(1) == g(1)`):
    # it is observed too, with the statement before it in its setup; the run keeps whichever reproduces the error.
    end = len(tree.body) - 1
    tail_assert = bool(raised and raised != "AssertionError" and tree.body and isinstance(tree.body[-1], ast.Assert)
                       and assert_claim(tree.body[-1]) is None and (last_call is None or last_call < end))
    extra = tuple(traceback.lines) if traceback and cut is None else tuple(block.lines[cut:])
    # A script that ends in a compound statement (a `class` whose creation fails, a loop or `with` that raises) and
    # shows an error: the error comes from that block, not from the last call before it. It becomes the call.
    block_at = end if (raised and tree.body and isinstance(tree.body[-1], _COMPOUND)
                       and not _is_test(tree.body[-1]) and (last_call is None or last_call < end)) else None
    setup: list[str] = []
    out: list[Observation] = []
    for k, stmt in enumerate(tree.body):
        node, printed = (unprint(stmt.value) if isinstance(stmt, ast.Expr) else (None, False))
        shown = [comments[stmt.end_lineno]] if stmt.end_lineno in comments else []
        nxt = stmt.end_lineno   # comment-only lines right after the statement show its output
        while nxt < len(code_lines) and code_lines[nxt].strip().startswith("#"):
            shown.append(code_lines[nxt].strip())
            nxt += 1
        lines = tuple(block.lines[stmt.lineno - 1:nxt])
        claim = assert_claim(stmt)
        if _is_test(stmt):
            out += _test_claims(stmt, tuple(setup), block)
            setup.append(ast.unparse(stmt))      # the script may go on to run it: `TestX('test').test()`
        elif k == block_at:
            out.append(Observation(tuple(setup) + (block_function(stmt, setup),), f"{BLOCK}()", exc_line, INVALID,
                                   raised, None, lines + extra))
        elif claim:
            # `assert f(x) == y`, then "It fails with: TypeError: ...": the error may come from this assert's call
            # (no call after it could have raised it), so raising it reproduces the issue as a wrong value does.
            err = raised if raised and raised != "AssertionError" and (last_call is None or k > last_call) else None
            out.append(Observation(tuple(setup), claim[0], exc_line if err else None, INVALID, err, claim[1],
                                   lines + extra if err else lines))
        elif node is not None and shown:
            observed, expected = _comment_claim(" ".join(shown))
            out.append(Observation(tuple(setup), ast.unparse(node), observed,
                                   parse_value(observed) if observed else INVALID, None, expected, lines))
        elif raised and k == last_call and block_at is None:
            target = node if node is not None else stmt.value
            out.append(Observation(tuple(setup), ast.unparse(target), exc_line, INVALID, raised, None,
                                   lines + extra))
            if tail_assert:
                setup.append(ast.unparse(stmt))
        elif tail_assert and k == end:
            out.append(Observation(tuple(setup), ast.unparse(stmt.test), exc_line, INVALID, raised, None, lines + extra))
        elif not printed:
            setup.append(ast.unparse(stmt))
    prints = [(k, s) for k, s in enumerate(tree.body) if isinstance(s, ast.Expr) and unprint(s.value)[1]]
    if not raised and prints and all(o.observed is None and not o.raised for o in out):
        # Prints with no output shown: the prose (or an output block) says what they print, in order. The user's
        # own asserts before them are theirs (they may pass): neither a print's claim nor its setup.
        for k, stmt in prints:
            before = tuple(ast.unparse(s) for s in tree.body[:k]
                           if not (isinstance(s, ast.Expr) and unprint(s.value)[1]) and not isinstance(s, ast.Assert))
            out.append(Observation(before, ast.unparse(unprint(stmt.value)[0]), None, INVALID, None, None,
                                   tuple(block.lines[stmt.lineno - 1:stmt.end_lineno])))
    return out


BLOCK = "_issue_block"
_COMPOUND = (ast.ClassDef, ast.For, ast.While, ast.With, ast.If, ast.Try)


def _is_test(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) and stmt.name.lower().startswith("test")


def block_function(stmt: ast.stmt, setup: list[str]) -> str:
    """`def _issue_block():` around a compound statement, so a check can call it like any call; names the block
    assigns that the setup before it bound stay the setup's (`nonlocal`: the check's setup runs in a function)."""
    bound = set()
    for src in setup:
        for top in ast.parse(src).body:
            if isinstance(top, (ast.Import, ast.ImportFrom)):
                bound |= {(a.asname or a.name).split(".")[0] for a in top.names}
            elif isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(top.name)
            elif isinstance(top, (ast.Assign, ast.AnnAssign)):
                targets = top.targets if isinstance(top, ast.Assign) else [top.target]
                bound |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    stored = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if isinstance(stmt, ast.ClassDef):
        stored.add(stmt.name)
    shared = sorted(stored & bound)
    # `if __name__ == "__main__": main()` is what the user ran; in a check's module the guard would skip it
    code = [ast.unparse(s) for s in stmt.body] if _main_guard(stmt) else [ast.unparse(stmt)]
    body = ([f"nonlocal {', '.join(shared)}"] if shared else []) + code
    return f"def {BLOCK}():\n" + textwrap.indent("\n".join(body), "    ")


def _main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":` without an else, either operand first."""
    test = stmt.test if isinstance(stmt, ast.If) and not stmt.orelse else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(n, ast.Name) and n.id == "__name__" for n in sides)
            and any(isinstance(n, ast.Constant) and n.value == "__main__" for n in sides))


def _test_claims(node: ast.FunctionDef | ast.ClassDef, setup: tuple[str, ...], block: Block) -> list[Observation]:
    """The asserts of a test the user pasted (a `test_*` function, or the `test*` methods of a TestCase),
    each with the test's statements before it as setup."""
    if isinstance(node, ast.ClassDef):
        return [o for m in node.body if isinstance(m, ast.FunctionDef) and m.name.startswith("test")
                for o in _test_claims(m, setup, block)]
    out, local = [], list(setup)
    for s in node.body:
        claim = assert_claim(s)
        if claim:
            out.append(Observation(tuple(local), claim[0], None, INVALID, None, claim[1],
                                   tuple(block.lines[s.lineno - 1:s.end_lineno])))
        elif isinstance(s, (ast.Assign, ast.Import, ast.ImportFrom)) and "self" not in {
                n.id for n in ast.walk(s) if isinstance(n, ast.Name)}:
            local.append(ast.unparse(s))
    return out
