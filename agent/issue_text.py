"""Reading an issue's markdown: prose and code blocks, interactive sessions, scripts whose comments
show output, and tracebacks. Pure."""
from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass

from agent.issue_ipython import ipython_to_doctest
from agent.issue_literals import INVALID, parse_value

_SPAN = r"`[^`\n]+`"
_SCALAR = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|'[^'\n]*'|\"[^\"\n]*\"|True|False|None"
ATOM = rf"(?:{_SPAN}|{_SCALAR})"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)|[A-Za-z_][\w.]*\.error)(?::\s?(.*))?$")
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Block:
    kind: str                       # "prose" | "code"
    lines: list[int]                # 1-based line numbers in the issue text
    raw: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.raw)

    def is_session(self) -> bool:
        return self.kind == "code" and any(ln.lstrip().startswith(">>>") for ln in self.raw)

    def is_traceback(self) -> bool:
        first = next((ln.strip() for ln in self.raw if ln.strip()), "")
        return self.kind == "code" and first.startswith(TRACEBACK)

    def is_error_line(self) -> bool:
        """A code block holding nothing but an exception line (`TypeError: ...`): what a script printed
        when it failed, shown without its traceback."""
        lines = [ln.strip() for ln in self.raw if ln.strip()]
        return self.kind == "code" and len(lines) == 1 and EXC_LINE.match(lines[0]) is not None

    def imports(self) -> list[str]:
        out = []
        for ln in self.raw:
            s = re.sub(r"^\s*(>>>|\.\.\.)\s?", "", ln).strip()
            if re.match(r"^(from\s+[\w.]+\s+)?import\s+[\w.]", s):
                try:
                    out.append(ast.unparse(ast.parse(s)))
                except SyntaxError:
                    pass
        return out


@dataclass(frozen=True)
class Observation:
    """A call the issue shows with its result: a value, an exception, and maybe a stated correction."""
    setup: tuple[str, ...]
    call: str
    observed: str | None            # the text shown (value repr, printed output, or the exception line)
    value: object                   # observed parsed as a literal, else INVALID
    raised: str | None              # exception type name when the call raised
    expected: str | None            # a correction written next to it ("# 20.0, expected 15.0")
    lines: tuple[int, ...]


def split_blocks(text: str) -> list[Block]:
    """Fenced blocks and unfenced `>>>` runs are code; everything else is prose."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []

    def add(kind: str, idx: list[int]):
        if idx:
            raw = [lines[i] for i in idx]
            blocks.append(Block(kind, [i + 1 for i in idx], ipython_to_doctest(raw) if kind == "code" else raw))

    prose: list[int] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m or lines[i].lstrip().startswith(">>>"):
            add("prose", prose)
            prose = []
            if m:
                j = i + 1
                while j < len(lines) and not lines[j].strip().startswith(m.group(1)[:3]):
                    j += 1
                add("code", list(range(i + 1, j)))
                i = j + 1
            else:
                j = i
                while j < len(lines) and lines[j].strip():
                    j += 1
                add("code", list(range(i, j)))
                i = j
            continue
        prose.append(i)
        i += 1
    add("prose", prose)
    return blocks


def raised_by(output: list[str]) -> tuple[str | None, str | None]:
    last = next((ln.strip() for ln in reversed(output) if ln.strip()), "")
    m = EXC_LINE.match(last)
    if m and (any(ln.strip().startswith(TRACEBACK) for ln in output) or len(output) == 1):
        return m.group(1).rsplit(".", 1)[-1], last
    return None, None


def unprint(node: ast.expr) -> tuple[ast.expr, bool]:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
            and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)):
        return node.args[0], True
    return node, False


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
            # `>>> to_f(100)  # expected 212.0`: a correction written on the call's own line.
            note = " ".join(_comments("\n".join(src)).values())
            out.append(Observation(tuple(setup), ast.unparse(node), observed,
                                   INVALID if raised else parse_value(observed), raised,
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
        if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)) and stmt.name.lower().startswith("test"):
            out += _test_claims(stmt, tuple(setup), block)
            setup.append(ast.unparse(stmt))      # the script may go on to run it: `TestX('test').test()`
        elif claim:
            out.append(Observation(tuple(setup), claim[0], None, INVALID, None, claim[1], lines))
        elif node is not None and shown:
            observed, expected = _comment_claim(" ".join(shown))
            out.append(Observation(tuple(setup), ast.unparse(node), observed,
                                   parse_value(observed) if observed else INVALID, None, expected, lines))
        elif raised and k == last_call:
            target = node if node is not None else stmt.value
            extra = tuple(traceback.lines) if traceback and cut is None else tuple(block.lines[cut:])
            out.append(Observation(tuple(setup), ast.unparse(target), exc_line, INVALID, raised, None,
                                   lines + extra))
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


def block_statements(block: Block) -> list[str]:
    """The code of a session or script, statement by statement (outputs and prints dropped)."""
    if block.is_session():
        src = [re.sub(r"^\s*(>>>|\.\.\.) ?", "", ln) for ln in block.raw if re.match(r"^\s*(>>>|\.\.\.)", ln)]
    else:
        cut = next((k for k, ln in enumerate(block.raw) if ln.strip().startswith(TRACEBACK)), len(block.raw))
        src = textwrap.dedent("\n".join(block.raw[:cut])).split("\n")
    try:
        tree = ast.parse("\n".join(src))
    except (SyntaxError, ValueError):
        return []
    return [ast.unparse(s) for s in tree.body
            if not (isinstance(s, ast.Expr) and unprint(s.value)[1])]
