"""A traceback shown in an issue: the call that must stop raising (pure), and what the traceback ends in
(`shown_errors`: the model may write the call, the issue's error grounds it)."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from agent.issue_literals import INVALID, parse_value
from agent.issue_text import EXC_LINE, TRACEBACK, Block, Observation, raised_by, unprint


_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+, in (\S+)\s*$')
_BINDING = re.compile(r"`(?P<name>[A-Za-z_]\w*)`\s+(?:was|is|being|equals?)\s+`(?P<value>[^`\n]+)`"
                      r"|`(?P<name2>[A-Za-z_]\w*)\s*=\s*(?P<value2>[^`\n]+)`")


def prose_bindings(text: str) -> dict[str, str]:
    """"`window` was `[]`" / "`n = 3`": names the prose gives literal values (pure)."""
    out = {}
    for m in _BINDING.finditer(text):
        name, value = (m.group("name"), m.group("value")) if m.group("name") else (m.group("name2"), m.group("value2"))
        if parse_value(value.strip()) is not INVALID:
            out.setdefault(name, value.strip())
    return out


def traceback_observation(block: Block, bindings: dict[str, str]) -> Observation | None:
    """A traceback shown on its own: the outermost frame whose line is one call of literals (or of names
    the prose gives values) is the call that must stop raising."""
    raw = block.raw
    raised, exc_line = raised_by(raw)
    if not raised:
        return None
    for i, line in enumerate(raw[:-1]):
        if not _FRAME.match(line):
            continue
        try:
            stmt = ast.parse(raw[i + 1].strip()).body[0]
        except (SyntaxError, ValueError, IndexError):
            continue
        node = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return)) else None
        node = unprint(node)[0] if node is not None else None
        if not isinstance(node, ast.Call):
            continue
        args = node.args + [k.value for k in node.keywords]
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        names = {n.id for a in args for n in ast.walk(a) if isinstance(n, ast.Name)}
        if not names <= set(bindings):
            continue
        try:
            call = ast.unparse(_Bind(bindings).visit(node))
        except SyntaxError:
            return None
        return Observation((), call, exc_line, INVALID, raised, None, tuple(block.lines))
    return None


class _Bind(ast.NodeTransformer):
    """Names replaced by the literal the prose gives them (parsed, never pasted as text: an issue's
    value cannot change the call's shape)."""

    def __init__(self, bindings: dict[str, str]):
        self.bindings = bindings

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.bindings:
            return ast.parse(self.bindings[node.id], mode="eval").body
        return node


@dataclass(frozen=True)
class ShownError:
    """The end of a traceback an issue shows: what was raised, where, and the message's fixed words."""
    raised: str                  # exception type, no module
    line: str                    # the exception line as shown
    frame: str                   # function of the innermost frame
    pattern: str                 # regex a raised exception's str() must match: quoted values and numbers free
    lines: tuple[int, ...]       # 1-based issue lines of the traceback


def shown_errors(text: str) -> list[ShownError]:
    """Every Python traceback in the issue text that ends in an exception line (pure)."""
    out: list[ShownError] = []
    rows = (text or "").splitlines()
    for start, row in enumerate(rows):
        if TRACEBACK not in row:
            continue
        frame = ""
        for i in range(start + 1, min(len(rows), start + 400)):
            stripped = rows[i].strip().strip("`")
            m = _FRAME.match(rows[i])
            if m:
                frame = m.group(2).rsplit(".", 1)[-1]     # co_name, whatever the Python version shows
                continue
            exc = EXC_LINE.match(stripped)
            if exc and frame and frame != "<module>" and exc.group(1) != "AssertionError":   # not a failing test
                out.append(ShownError(exc.group(1).rsplit(".", 1)[-1], stripped, frame, message_pattern(exc.group(2) or ""),
                                      tuple(range(start + 1, i + 2))))
                break
            if exc or TRACEBACK in stripped:
                break
    return out


_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|0x[0-9a-fA-F]+|\d+(?:\.\d+)?")
_NAME = re.compile(r"['\"][A-Za-z_][A-Za-z_.]{0,39}\d*['\"]")      # a name; 'GZ3pXw0m…' is a value


def message_pattern(message: str) -> str:
    """A regex for an exception message of the same shape (pure): quoted values, numbers and addresses
    may differ (a session id, a line number), the words and quoted names may not ('NoneType', 'strip').
    KeyError's message is shown in quotes as a whole: those quotes stay."""
    body, outer = message.strip(), ""
    if len(body) >= 2 and body[0] == body[-1] and body[0] in "'\"" and body[0] not in body[1:-1]:
        outer, body = body[0], body[1:-1]
    parts, at = [], 0
    for m in _VARIABLE.finditer(body):
        if not _NAME.fullmatch(m.group()):
            parts += [_words(body[at:m.start()]), ".*?"]
            at = m.end()
    parts.append(_words(body[at:]))
    return re.escape(outer) + "".join(parts) + re.escape(outer)


def _words(text: str) -> str:
    return r"\s+".join(re.escape(w) for w in re.split(r"\s+", text)) if text else ""


# What should happen, not what did: a sentence with these words states no observed error.
_WISH = re.compile(r"\bshould\b|\bexpect", re.I)
# "… raises `ZeroDivisionError: integer division or modulo by zero`" said of the script just shown.
_SAID_RAISES = re.compile(r"(?<![\w'])(?<!not\s)(?<!n't\s)(?<!longer\s)(?<!never\s)(?:raises|raised|throws|threw|"
                          r"fails\s+with|failed\s+with|crashes\s+with|crashed\s+with|I\s+get|I\s+got|gives\s+me)"
                          r"\s*:?\s*(?:an?\s+)?`([^`\n]+)`", re.I)


def said_error(prose: Block | None) -> Block | None:
    """The exception line the prose after a script says it raised, as the error-line block a script's output
    would be (one such line, not in a sentence about what *should* happen); else None."""
    if prose is None:
        return None
    found = [(m.group(1).strip(), m.start()) for m in _SAID_RAISES.finditer(prose.text)
             if EXC_LINE.match(m.group(1).strip())]
    errors = {span.strip() for span in re.findall(r"`([^`\n]+)`", prose.text) if EXC_LINE.match(span.strip())}
    if len({line for line, _ in found}) != 1 or len(errors) != 1:    # one error named, and said to be raised
        return None
    line, at = found[0]
    sentence = re.split(r"(?<=[.!?])\s+", prose.text[:at])[-1]
    return None if _WISH.search(sentence) else Block("code", list(prose.lines), [line])


def _one_call(text: str) -> str | None:
    """The one call of literals the prose shows in backticks (`page_count(0, 0)`; not `store.end()`, which names
    a method rather than showing a call), else None."""
    calls = set()
    for span in re.findall(r"`([^`\n]+)`", text):
        try:
            node = ast.parse(span.strip(), mode="eval").body
        except (SyntaxError, ValueError):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and node.args and all(
                isinstance(n, (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.UnaryOp, ast.USub, ast.Load))
                for a in node.args + [k.value for k in node.keywords] for n in ast.walk(a)):
            calls.add(ast.unparse(node))
    return calls.pop() if len(calls) == 1 else None


def prose_call_error(block: Block, before: Block | None) -> Observation | None:
    """"When I call `page_count(0, 0)` I get:" and then the error (a lone exception line, or a traceback whose
    frames show no call of literals): that call must stop raising it."""
    raised, exc_line = raised_by(block.raw)
    call = _one_call(before.text) if before is not None and raised else None
    if call is None or _WISH.search(before.text):
        return None
    name = call.split("(", 1)[0].rsplit(".", 1)[-1]
    if any(re.search(rf"\b{re.escape(name)}\(", ln) for ln in block.raw):   # the frames call it otherwise
        return None
    return Observation((), call, exc_line, INVALID, raised, None, tuple(before.lines) + tuple(block.lines))


def runs_code(block: Block) -> bool:
    """A code block that runs something (not only imports): an error shown after it is that script's."""
    if block.kind != "code":
        return False
    try:
        body = ast.parse("\n".join(re.sub(r"^\s*(>>>|\.\.\.)\s?", "", ln) for ln in block.raw)).body
    except (SyntaxError, ValueError):
        return True
    return not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body)

