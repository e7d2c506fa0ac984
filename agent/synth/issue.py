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

_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$", re.M)
_LOCATION = re.compile(r"^\S+\.py:\d+:")
_FRAME_SEP = re.compile(r"^(_ )+_?$")
MAX_ERROR_LINES = 12


@dataclass
class Failure:
    code: list[str]          # the test's statements up to and including the failing one
    error: list[str]         # pytest's E lines (without the "E   " prefix)
    call: str = ""           # the failing expression the user calls (assertion left-hand side)
    expected: str = ""       # assertion right-hand side
    actual: str = ""         # what pytest says the left-hand side was
    kind: str = "error"      # mismatch | no_raise | truthiness | error
    location: tuple[str, int] | None = None   # test file and line of the failing statement


def header_for(test_id: str) -> str:
    """pytest's FAILURES header for a test id: tests/t.py::Cls::test_x[1] -> Cls.test_x[1]."""
    return ".".join(test_id.split("::")[1:]) or test_id


def failure_sections(log: str) -> dict[str, str]:
    body = log.split("= FAILURES =", 1)[-1] if "= FAILURES =" in log else ""
    body = re.split(r"^=+ (?:PASSES|short test summary info|warnings summary)", body, flags=re.M)[0]
    parts = _SECTION.split(body)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def parse_failure(section: str, test_name: str = "") -> Failure | None:
    lines = section.strip("\n").splitlines()
    frames, cur = [], []
    for line in lines:
        if _FRAME_SEP.match(line.strip()):
            frames.append(cur)
            cur = []
        else:
            cur.append(line)
    frames.append(cur)
    first, last = frames[0], frames[-1]
    code, location = [], None
    for line in first:
        if _LOCATION.match(line):
            path, lineno = line.split(":")[:2]
            location = (path, int(lineno))
    for line in first:
        if _LOCATION.match(line) or line.startswith("E ") or line == "E":
            break
        text = " " + line[1:] if line.startswith(">") else line
        code.append(text)
    code = textwrap.dedent("\n".join(code)).strip("\n").splitlines()
    while code and (code[0].lstrip().startswith(("def ", "async def ", "@")) or not code[0].strip()):
        code.pop(0)
    code = [c for c in textwrap.dedent("\n".join(code)).splitlines() if c.strip() and c.strip() != "import pytest"]
    error = [ln[1:].strip() for ln in last if ln.startswith("E")][:MAX_ERROR_LINES]
    if not code or not error:
        return None
    if test_name and any(test_name in ln for ln in code + error):
        return None    # the report would name the test
    return _classify(Failure(code=code, error=error, location=location))


def _classify(f: Failure) -> Failure:
    if any("DID NOT RAISE" in e for e in f.error):
        f.kind = "no_raise"
        f.expected = next(e for e in f.error if "DID NOT RAISE" in e).split("DID NOT RAISE", 1)[1].strip()
        return f
    try:
        stmt = ast.parse(f.code[-1].strip()).body[0]
    except (SyntaxError, IndexError):
        return f
    if not isinstance(stmt, ast.Assert) or not f.error[0].startswith(("assert ", "AssertionError: assert ")):
        return f
    test = stmt.test
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        shown = f.error[0].removeprefix("AssertionError: ").removeprefix("assert ")
        f.kind, f.call, f.expected = "mismatch", ast.unparse(test.left), ast.unparse(test.comparators[0])
        f.actual = shown.split(" == ", 1)[0] if " == " in shown else ""
    else:
        f.kind, f.call = "truthiness", ast.unparse(test)
    return f


def _score(f: Failure) -> tuple:
    # A report with a value mismatch is the most useful; short reproductions beat long ones.
    order = {"mismatch": 0, "no_raise": 1, "error": 2, "truthiness": 3}
    return order[f.kind], len(f.code)


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
    for test_id in fail_to_pass:
        section = sections.get(header_for(test_id))
        name = header_for(test_id).split(".")[-1].split("[")[0]
        f = parse_failure(section, name) if section else None
        if f and f.kind == "no_raise":
            f.code = f.code[:-1]       # the `with pytest.raises(...)` line is the test's, not the user's
            try:
                f.code += raises_body(read(f.location[0]), f.location[1]) if read and f.location else []
            except (OSError, SyntaxError, ValueError, RuntimeError):   # RuntimeError: git show
                pass
            f = f if f.code else None
        if f:
            found.append((_score(f), test_id, f))
    return min(found, key=lambda x: x[:2])[2] if found else None


def issue_text(failure: Failure | None, package: str, n_failing: int) -> str:
    """The template report (prompts/synth.yaml `issue`)."""
    if failure is None:
        return render("synth", "issue_vague", package=package, n_failing=n_failing)
    setup, last = failure.code[:-1], failure.code[-1].strip()
    return render("synth", "issue", package=package, kind=failure.kind, setup="\n".join(setup), last=last,
                  call=failure.call, expected=failure.expected, actual=failure.actual,
                  error="\n".join(failure.error)).strip() + "\n"
