"""The issue a user would file for a planted bug, written from a failing test's pytest traceback.

What the user shows: the calls the test makes (its body up to the failing line, never its `def` line
or name), what happened (the value or the exception pytest reports) and what they expected (the
right-hand side of the failing assertion). Never the diff, the mutation or the test's name. The
wording lives in prompts/synth.yaml; this module only extracts the facts. Pure functions.
"""
from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from agent.prompting import render
from agent.synth.params import bind_params, bind_self, class_attributes, defaults, pytest_params
from agent.synth.snippet_context import context_lines

_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$", re.M)
_LOCATION = re.compile(r"^\S+\.py:\d+:")
_FRAME_SEP = re.compile(r"^(_ )+_?$")
MAX_ERROR_LINES = 12


@dataclass
class Failure:
    setup: list[str]         # the test's statements before the failing one (parameters bound)
    statement: str           # the failing statement (may span lines)
    error: list[str]         # pytest's E lines (without the "E   " prefix and its `where` notes)
    call: str = ""           # the expression the user calls (the side of `==` with a call in it)
    expected: str = ""       # the other side of the failing `==`
    actual: str = ""         # what pytest says the call gave
    kind: str = "error"      # mismatch | no_raise | truthiness | error
    location: tuple[str, int] | None = None   # test file and line of the failing statement
    indent: str = ""         # the failing statement's indentation under the test body's (inside a loop or `with`)


def header_for(test_id: str) -> str:
    """pytest's FAILURES header for a test id: tests/t.py::Cls::test_x[1] -> Cls.test_x[1]."""
    return ".".join(test_id.split("::")[1:]) or test_id


def failure_sections(log: str) -> dict[str, str]:
    body = log.split("= FAILURES =", 1)[-1] if "= FAILURES =" in log else ""
    body = re.split(r"^=+ (?:PASSES|short test summary info|warnings summary)", body, flags=re.M)[0]
    parts = _SECTION.split(body)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _frames(section: str) -> list[list[str]]:
    frames, cur = [], []
    for line in section.strip("\n").splitlines():
        if _FRAME_SEP.match(line.strip()):
            frames.append(cur)
            cur = []
        else:
            cur.append(line)
    return frames + [cur]


def parse_failure(section: str, test_name: str | tuple[str, ...] = "") -> Failure | None:
    frames = _frames(section)
    first, last = frames[0], frames[-1]
    location = None
    for line in first:
        if _LOCATION.match(line):
            path, lineno = line.split(":")[:2]
            location = (path, int(lineno))
    head, body, fail_at, in_body, signature, in_sig = [], [], None, False, [], False
    for line in first:
        if _LOCATION.match(line) or line.startswith("E ") or line == "E":
            break
        stripped = line[1:].strip() if line.startswith(">") else line.strip()
        if not in_body:
            if stripped.startswith(("def ", "async def ")):
                in_body, signature, in_sig = True, [stripped], not stripped.endswith(":")
            elif not stripped.startswith("@"):
                head.append(line)
            continue
        if in_sig:      # a signature over several lines
            signature.append(stripped)
            in_sig = not stripped.endswith(":")
            continue
        if stripped and set(stripped) <= set("^~"):
            continue     # Python 3.11+ position markers under the failing expression
        if line.startswith(">") and fail_at is None:
            fail_at = len(body)
        body.append(" " + line[1:] if line.startswith(">") else line)
    if not in_body or fail_at is None:
        return None
    setup = [ln for ln in textwrap.dedent("\n".join(body[:fail_at] or [""])).splitlines()
             if ln.strip() and ln.strip() != "import pytest"]
    setup_indent = min((len(ln) - len(ln.lstrip()) for ln in body[:fail_at] if ln.strip()), default=0)
    statement = textwrap.dedent("\n".join(ln[setup_indent:] if len(ln) >= setup_indent else ln
                                          for ln in body[fail_at:])).strip("\n")
    indent = _nesting(body, fail_at)
    statement = _closed(statement)
    while setup and _is_docstring(setup[0]):
        setup.pop(0)      # the test's docstring
    params = pytest_params(head)
    if params:
        setup_text, stmt = bind_params("\n".join(setup), params), bind_params(statement, params)
        if setup_text is not None and stmt is not None:
            setup, statement = [ln for ln in setup_text.splitlines() if ln.strip()], stmt
        else:
            setup = [f"{k} = {v}" for k, v in params.items()] + setup
    unset = {k: v for k, v in defaults(signature, "\n".join(setup + [statement])).items() if k not in params}
    setup = [f"{k} = {v}" for k, v in unset.items()] + setup     # pytest ran the test with its defaults
    error = [ln[1:].strip() for ln in last if ln.startswith("E")]
    error = [ln for ln in error if not ln.startswith("+  ") and ln][:MAX_ERROR_LINES]
    if not statement.strip() or not error:
        return None
    names = (test_name,) if isinstance(test_name, str) else test_name
    if any(n and n in ln for n in names for ln in setup + [statement] + error):
        return None    # the report would name the test (or its class)
    return _classify(Failure(setup=setup, statement=statement, error=error, location=location, indent=indent))


def _nesting(body: list[str], fail_at: int) -> str:
    """The failing statement's indentation under the test body's (inside a `for` or `with` of the test): the report
    keeps it there, so the snippet stays the code that ran (before, it was dedented out of its block)."""
    line = next((ln for ln in body[fail_at:] if ln.strip()), "")
    base = min((len(ln) - len(ln.lstrip()) for ln in body[:fail_at] + [line] if ln.strip()), default=0)
    return " " * max(0, len(line) - len(line.lstrip()) - base)


def _closed(statement: str) -> str:
    """A failing compound statement's header (`class X(with_metaclass(M)):`: the error is raised while making
    the class) shown without its body, which pytest does not print: an indented `...` makes it code again."""
    try:
        ast.parse(textwrap.dedent(statement))
        return statement
    except SyntaxError:
        pass
    if statement.rstrip().endswith(":"):
        closed = statement.rstrip() + "\n" + " " * (len(statement) - len(statement.lstrip()) + 4) + "..."
        try:
            ast.parse(textwrap.dedent(closed))
            return closed
        except SyntaxError:
            pass
    return statement


def _is_docstring(line: str) -> bool:
    try:
        body = ast.parse(line.strip()).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)


def _has_call(node) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))


def _classify(f: Failure) -> Failure:
    if any("DID NOT RAISE" in e for e in f.error):
        f.kind = "no_raise"
        f.expected = next(e for e in f.error if "DID NOT RAISE" in e).split("DID NOT RAISE", 1)[1].strip()
        return f
    try:
        stmt = ast.parse(textwrap.dedent(f.statement)).body[0]
    except (SyntaxError, IndexError):
        return f
    if not isinstance(stmt, ast.Assert):
        return f
    test = stmt.test
    if not f.error[0].startswith(("assert ", "AssertionError: assert ")):
        # the call raised before the comparison: the user shows the call and what they expected
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            left, right = test.left, test.comparators[0]
            call, expected = (right, left) if _has_call(right) and not _has_call(left) else (left, right)
            if not _has_call(expected) and not f.indent:   # a loop variable is no answer
                f.call, f.expected = ast.unparse(call), ast.unparse(expected)
        return f
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        shown = f.error[0].removeprefix("AssertionError: ").removeprefix("assert ")
        left, right = test.left, test.comparators[0]
        values = shown.split(" == ", 1) if " == " in shown else ["", ""]
        # tests write `assert f(x) == 3` and `assert 3 == f(x)` alike: the call is the side with a call
        flip = _has_call(right) and not _has_call(left)
        call, expected = (right, left) if flip else (left, right)
        f.kind, f.call, f.expected = "mismatch", ast.unparse(call), ast.unparse(expected)
        f.actual = values[1 if flip else 0]
        # Inside a loop "it prints X, but I expected `expected`" names one pass's loop variable: show the check.
        if _has_call(expected) or f.expected == f.actual or f.indent:
            f.kind = "truthiness"    # both sides computed: show the check, not one side as "the" answer
            f.call = ast.unparse(test)
    else:
        f.kind, f.call = "truthiness", ast.unparse(test)
    if f.kind == "truthiness" and not f.indent:
        f.call, f.actual = _printed_check(test), "False"
    return f


def _printed_check(test: ast.expr) -> str:
    """The failing check as the user prints it, so that it prints False now and True when fixed: a comparison or
    `not` prints a bool itself; anything else (`assert check_valid(f)`, truthy when right) is wrapped in bool()."""
    if isinstance(test, ast.Compare) or (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
        return ast.unparse(test)
    return f"bool({ast.unparse(test)})"


def _score(f: Failure) -> tuple:
    # A report with a value mismatch is the most useful; short reproductions beat long ones.
    order = {"mismatch": 0, "no_raise": 1, "error": 2, "truthiness": 3}
    return order[f.kind], len(f.setup)


def raises_body(test_source: str, line: int) -> list[str]:
    """The statements under the `with pytest.raises(...)` that starts at line: pytest's traceback
    stops at the `with`, but the user's report needs the call that did not raise."""
    lines = test_source.splitlines()
    for node in ast.walk(ast.parse(test_source)):
        if isinstance(node, ast.With) and node.lineno == line:
            return textwrap.dedent("\n".join(lines[node.body[0].lineno - 1:node.body[-1].end_lineno])).splitlines()
    return []


def describe(fail_to_pass: list[str], log: str, read=None) -> Failure | None:
    """The most report-worthy failure among the FAIL_TO_PASS tests of a mutant's run log.
    read(path) -> test file source, to complete `pytest.raises` reproductions."""
    sections = failure_sections(log)
    found = []
    # no report may name any failing test or its class (tests call other tests' functions too)
    names = tuple({p.split("[")[0] for t in fail_to_pass for p in header_for(t).split(".")})
    for test_id in fail_to_pass:
        section = sections.get(header_for(test_id))
        f = parse_failure(section, names) if section else None
        if f and f.kind == "no_raise":
            # the `with pytest.raises(...)` line is the test's, not the user's: show the call under it
            try:
                body = raises_body(read(f.location[0]), f.location[1]) if read and f.location else []
            except (OSError, SyntaxError, ValueError, RuntimeError):   # RuntimeError: git show
                body = []
            f = f if body else None
            if f:
                f.statement = "\n".join(body)
        if f:
            found.append((_score(f), test_id, f))
    if not found:
        return None
    _, best_id, best = min(found, key=lambda x: x[:2])
    if read and best.location:     # the test module's imports and helpers the snippet uses: a report runs alone
        try:
            source = read(best.location[0])
        except (OSError, ValueError, RuntimeError):
            source = ""
        _bind_class_values(best, source, best_id, names)
        code = "\n".join(best.setup + [textwrap.indent(best.statement, best.indent)])
        best.setup = context_lines(source, code, names) + best.setup
    return best


def _bind_class_values(f: Failure, source: str, test_id: str, banned: tuple[str, ...]) -> None:
    """A method of a test class reads `self.D`: the class's own value (a user has no `self`)."""
    parts = test_id.split("::")
    code = f.setup + [f.statement]
    if len(parts) < 3 or not any("self." in ln for ln in code):
        return
    attrs = class_attributes(source, parts[-2])
    setup, statement = bind_self(f.setup, attrs), bind_self([f.statement], attrs)[0]
    if not any(b and b in ln for b in banned for ln in setup + [statement]):
        f.setup, f.statement = setup, statement
        f.call, f.expected = bind_self([f.call], attrs)[0], bind_self([f.expected], attrs)[0]


def issue_text(failure: Failure | None, package: str, n_failing: int) -> str:
    """The template report (prompts/synth.yaml `issue`)."""
    if failure is None:
        return render("synth", "issue_vague", package=package, n_failing=n_failing)
    last = textwrap.indent(failure.statement, failure.indent)
    return render("synth", "issue", package=package, kind=failure.kind, setup="\n".join(failure.setup),
                  last=last, indent=failure.indent, call=failure.call, expected=failure.expected, actual=failure.actual,
                  error="\n".join(failure.error), detail="\n".join(failure.error[1:])).strip() + "\n"
