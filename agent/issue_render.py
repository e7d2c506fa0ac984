"""One pytest file from issue checks (pure). Every failure that reproduces the issue carries MARK,
so the stage can tell "fails for the reason the issue states" from a defect of the check."""
from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from agent.issue_literals import value_source

if TYPE_CHECKING:
    from agent.issue_checks import IssueCheck

MARK = "issue check failed"
OBSERVED = "issue call returned: "   # printed by a passing "error gone" check: what the call gave instead

_HEADER = f'''"""Checks taken from the issue text itself (agent/issue_checks.py): the issue's values, not a model's."""
import re

import pytest

MARK = {MARK!r}


def _same(actual, expected, about=None):
    """Floats within pytest.approx (or within `about`: a value the issue gives as "about 343.6"); lists and
    tuples element by element; bools and None exactly."""
    if isinstance(expected, bool) or expected is None:
        return actual is expected or (type(actual).__name__ == "bool_" and bool(actual) is expected)
    if isinstance(expected, (int, float)) and not isinstance(actual, (bool, str, bytes)):
        try:
            return actual == (pytest.approx(expected, abs=about) if about else pytest.approx(expected))
        except TypeError:
            return False
    if isinstance(expected, (list, tuple)):
        return (isinstance(actual, (list, tuple)) and len(actual) == len(expected)
                and all(_same(a, e) for a, e in zip(actual, expected)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and set(actual) == set(expected)
                and all(_same(actual[k], v) for k, v in expected.items()))
    return actual == expected


def _run(call, shown=None, wanted=None, where=None):
    """Run the issue's call; the exception the issue shows is the reported bug (`where`: raised in that
    function, with a message of that shape, as the issue's traceback shows)."""
    try:
        return call()
    except Exception as exc:
        if wanted and wanted in {{k.__name__ for k in type(exc).__mro__}}:
            return exc
        if shown and type(exc).__name__ == shown and _at(exc, where):
            pytest.fail(f"{{MARK}}: raises {{shown}} as the issue reports: {{exc!r}}")
        raise


def _at(exc, where):
    if not where:
        return True
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name == where[0] and re.fullmatch(where[1], str(exc).strip()) is not None
'''


def _body(check: "IssueCheck") -> list[str]:
    shown, wanted = repr(check.raised), repr(check.expected_exception)
    lines = list(check.setup)
    where = f", where={check.where!r}" if check.where else ""
    lines.append(f"result = _run(lambda: {check.call}, shown={shown}, wanted={wanted}{where})")
    if check.kind == "equals":
        source = value_source(check.expected or "None")
        lines += [f"import {m} as _{m}" for m in ("datetime", "decimal", "fractions") if f"_{m}." in source]
        about = f", about={check.tolerance!r}" if check.tolerance else ""
        lines += [f"expected = {source}",
                  f"if not _same(result, expected{about}):",
                  f"    call = {_shown(check.call)}",
                  f"    pytest.fail(f\"{{MARK}}: {{call}} returned {{result!r}}; the issue expects {'about ' if about else ''}"
                  "{expected!r}\")"]
    elif check.kind == "contains":       # pieces of output the issue's prose expects (agent/issue_fragments.py)
        lines += [f"expected = {check.expected}",
                  "missing = [piece for piece in expected if piece not in str(result)]",
                  "if missing:",
                  f"    call = {_shown(check.call)}",
                  "    pytest.fail(f\"{MARK}: {call} returned {result!r}; the issue expects it to contain {missing[0]!r}\")"]
    elif check.kind == "not_raises":     # what it gave instead: agent/stages/patch_mutants.py compares fills by it
        lines += [f"print({OBSERVED!r} + repr(result)[:300].replace(chr(10), ' '))"]
    elif check.kind == "raises_not":
        lines += [f"if not isinstance(result, Exception) or type(result).__name__ == {shown}:",
                  f"    call = {_shown(check.call)}",
                  f"    pytest.fail(f\"{{MARK}}: {{call}} gave {{result!r}}; the issue expects {_esc(check.expected_exception)}\")"]
    return lines


def _shown(call: str) -> str:
    """The call as a Python string literal (repr escapes whatever the issue put in it), so the failure
    message quotes it exactly: `dedupe_tags(['Straße'])`, not `dedupe_tags([?Straße?])`."""
    return repr(call[:120])


def _esc(text: str) -> str:
    """Inside an f-string literal: no braces, quotes or backslashes from the issue."""
    return re.sub(r"[{}\"'\\\n]", "?", text)[:120]


def _doc(check: "IssueCheck") -> str:
    said = {"equals": f"expects {'about ' if check.tolerance else ''}{check.expected}",
            "not_raises": f"must not raise {check.raised}",
            "raises_not": f"expects {check.expected_exception}" + (f", not {check.raised}" if check.raised else " raised"),
            "contains": f"expects it to contain {check.expected}"}[check.kind]
    where = ", ".join(map(str, check.lines[:8]))
    return repr(f"{check.call}: the issue shows {check.observed!s:.80} and {said} (issue lines {where}).")


def render_check_test(checks: list["IssueCheck"]) -> str:
    """One test function per check; the file runs with plain pytest from the repository root."""
    parts = [_HEADER]
    for i, check in enumerate(checks):
        body = "\n".join(["# " + _doc(check)] + _body(check))
        parts.append(f"\ndef test_issue_{i:03d}():\n{textwrap.indent(body, '    ')}\n")
    return "\n".join(parts)


def reproduced_reason(outcome: str, output: str) -> str | None:
    """None when an issue check fails on the original code for the reason the issue states (MARK);
    an ImportError, NameError or any other exception is a defect of the check, not the issue."""
    if outcome == "pass":
        return "passes on the original code: the issue's example does not reproduce"
    if outcome != "fail":
        return f"{outcome} on the original code (not a test failure)"
    if f"Failed: {MARK}" not in (output or ""):
        last = next((ln for ln in reversed((output or "").splitlines()) if ln.startswith("E ")), "")
        return f"fails for another reason than the issue states: {last[:200]}".rstrip(": ")
    return None


def observed_lines(tests, limit: int = 3) -> list[str]:
    """What the issue's own kept checks showed on the original code, one line each (pure):
    `celsius_to_fahrenheit(100) returned 148.0; the issue expects 212.0`. Execution evidence a patch
    prompt can show next to the code; model-written tests are left out (their values may be invented)."""
    out: list[str] = []
    for t in tests:
        if not t.kept or t.origin == "model":
            continue
        line = next((ln for ln in (t.original_output or "").splitlines() if f"Failed: {MARK}: " in ln), "")
        text = line.split(f"Failed: {MARK}: ", 1)[1].strip()[:300] if line else ""
        if text and text not in out:
            out.append(text)
    return out[:limit]
