"""Pure parsers for model output and test output. No I/O, no model, no sandbox."""
from __future__ import annotations

import re

from agent.schema import Location, Outcome


class FormatError(Exception):
    """The model's reply could not be used; the message is fed back to the model."""


class NoFunctionError(FormatError):
    """A function-format reply held no function or class definition to splice in."""


class UnchangedError(FormatError):
    """The edit landed but changes nothing the code does (an identical copy, layout only)."""


class IdenticalError(UnchangedError):
    """A function-format answer that copies its function(s) unchanged."""


class TakenBackError(UnchangedError):
    """A revision that puts the original code back (comments or layout aside): landing it on the original
    files instead, as a revision written against the code first shown, cannot make it a change."""


class CutOffError(FormatError):
    """The reply was cut off by the token limit before anything usable (often a copy of the file)."""


# ---------------------------------------------------------------- code blocks
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)
_LANG = re.compile(r"[A-Za-z0-9_+-]*")


def fence_blocks(text: str) -> list[tuple[str, str, int, int]] | None:
    """(info string, body, start, end) of each block delimited by fence lines (lines that start with ```
    after their indentation), when those lines pair up; None when they do not (a fence closed mid-line, as
    small models write `return x```, or a reply cut off inside its block). Pairing by lines keeps a ```
    inside the code (`line.startswith("```")` in a Markdown tool) from ending the block. Pure."""
    starts, pos = [], 0
    for line in (text or "").split("\n"):
        if line.lstrip().startswith("```"):
            starts.append((pos, pos + len(line), line.lstrip()[3:].strip()))
        pos += len(line) + 1
    if not starts or len(starts) % 2:
        return None
    out = []
    for (a, a_end, info), (b, b_end, _) in zip(starts[::2], starts[1::2]):
        out.append((info, text[a_end + 1:b], a, min(b_end, len(text))))
    return out


def code_blocks(text: str, langs: tuple[str, ...] | None = None) -> list[str]:
    paired = fence_blocks(text)
    found = [(_LANG.match(info).group(), body) for info, body, _, _ in paired] if paired is not None \
        else _FENCE.findall(text or "")
    return [body for lang, body in found if langs is None or lang.lower() in langs]


def extract_command(text: str) -> str | None:
    """The first ```bash block, when a stage allows the model to run commands."""
    blocks = code_blocks(text, ("bash", "sh", "shell", "console"))
    if not blocks:
        return None
    cmd = blocks[0].strip()
    return cmd or None


def extract_python(text: str) -> str:
    blocks = code_blocks(text, ("python", "py", "python3"))
    if not blocks:
        blocks = [b for b in code_blocks(text) if "def test" in b]
    if not blocks:
        raise FormatError("No ```python code block found. Reply with the whole test file in one ```python block.")
    return max(blocks, key=len).strip() + "\n"


# ----------------------------------------------------------------- locations
_LOC = re.compile(r"([\w./-]+\.py)(?:\s*[:#]\s*([\w.]+))?")


def parse_locations(text: str, known_files: set[str] | None = None, limit: int = 10) -> list[Location]:
    seen: dict[tuple[str, str | None], Location] = {}
    for m in _LOC.finditer(text or ""):
        path = m.group(1).lstrip("./") if m.group(1).startswith("./") else m.group(1)
        if known_files is not None and path not in known_files:
            matches = [f for f in known_files if f.endswith("/" + path)]
            if len(matches) != 1:
                continue
            path = matches[0]
        sym = m.group(2) or None
        key = (path, sym)
        if key not in seen:
            seen[key] = Location(file=path, symbol=sym, score=1.0 / (1 + len(seen)))
        if len(seen) >= limit:
            break
    if not seen:
        raise FormatError("No locations found. List them one per line as `path/to/file.py:function_name`.")
    return list(seen.values())


# ---------------------------------------------------------- judgements
_SCORE = re.compile(r"score\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?", re.I)


def parse_score(text: str) -> float:
    m = None
    for m in _SCORE.finditer(text or ""):
        pass  # the last "Score:" wins: models reason first and conclude last
    if m is None:
        raise FormatError("End your reply with a line `Score: N/10`.")
    value, scale = float(m.group(1)), float(m.group(2) or (10 if float(m.group(1)) > 1 else 1))
    if scale <= 0:
        raise FormatError("End your reply with a line `Score: N/10`.")
    return max(0.0, min(1.0, value / scale))


def parse_choice(text: str, ids: list[str]) -> str:
    found = re.findall(r"answer\s*[:=]?\s*\**\s*([A-Za-z0-9_]+)", text or "", re.I)
    for cand in reversed(found):
        if cand in ids:
            return cand
    mentioned = [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text or "")]
    if len(mentioned) == 1:
        return mentioned[0]
    raise FormatError(f"End your reply with `ANSWER: <id>` where <id> is one of: {', '.join(ids)}.")


# ------------------------------------------------------------- test output
_BAD_FAILURE = re.compile(
    r"^E\s+(NameError|UnboundLocalError|ImportError|ModuleNotFoundError|SyntaxError|IndentationError|"
    r"fixture '[^']+' not found)",
    re.M,
)


def classify_pytest(exit_code: int, output: str, timed_out: bool) -> Outcome:
    """pytest exit codes: 0 passed, 1 tests failed, 2 interrupted (collection errors), 3 internal, 4 usage, 5 none collected."""
    if timed_out:
        return "timeout"
    if exit_code == 0:
        return "pass"
    if exit_code == 1:
        if re.search(r"\b\d+ error", output) and not re.search(r"\b\d+ failed", output):
            return "error"
        return "fail"
    return "error"


_FRAME = re.compile(r"^(\S+\.py):\d+: in ", re.M)
# `pytest.raises` that did not raise and `pytest.fail(...)` print "E   Failed: ...": the test's own verdict.
_ASSERTION = re.compile(r"^E\s+(assert\b|AssertionError|Failed: )", re.M)


# An exception line: `TypeError: 'NoneType' object is not subscriptable`, `pkg.errors.BadInput: x`.
_ERROR_LINE = re.compile(r"(?:^|`)(?:E\s+)?([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)):[ \t]*"
                         r"([^`\n]*?)[ \t]*(?:`|$)", re.M)


def _norm_error(kind: str, message: str) -> tuple[str, str]:
    return kind.rsplit(".", 1)[-1], re.sub(r"\s+", " ", message.replace('"', "'")).strip()


def issue_errors(issue_text: str) -> set[tuple[str, str]]:
    """The exceptions an issue shows (type without module, normalized message) (pure)."""
    return {_norm_error(k, m) for k, m in _ERROR_LINE.findall(issue_text or "") if m.strip()}


def _raised(output: str) -> tuple[str, str] | None:
    """The exception pytest reports for a failing test (`E   Type: message`), if any (pure)."""
    found = [m for m in _ERROR_LINE.finditer(output or "") if m.group(0).startswith("E")]
    return _norm_error(found[0].group(1), found[0].group(2)) if found else None


def repro_failure_reason(outcome: Outcome, output: str, test_path: str | None = None,
                         issue_shows: set[tuple[str, str]] | None = None) -> str | None:
    """None when a test's failure on the original code is a real failure (the test is kept).

    A real failure is an assertion, or an exception raised inside the code under test; an exception
    raised by the test's own lines (with `--tb=short` frames) is a defect of the test, unless it is the
    very exception the issue shows (`issue_shows`, from `issue_errors`): then the test reproduces the
    reported symptom (a None returned by the library, subscripted by the caller, as in the issue).
    """
    if outcome == "pass":
        return "passes on the original code: it does not reproduce the issue"
    if outcome != "fail":
        return f"{outcome} on the original code (not a test failure)"
    if _raised(output) in (issue_shows or set()):
        return None
    m = _BAD_FAILURE.search(output)
    if m:
        return f"fails with {m.group(1)}: a defect of the test, not the issue"
    if test_path and not _ASSERTION.search(output):
        frames = [f for f in _FRAME.findall(output) if "site-packages" not in f]
        if frames and all(f.endswith(test_path) for f in frames):
            return "fails with an exception raised by the test's own code, not by the code under test"
    return None


_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+|\S+\.py)", re.M)


def pytest_failures(output: str) -> list[str]:
    return sorted(set(_FAILED_LINE.findall(output or "")))


# ------------------------------------------------------------- JUnit XML
_SUITE = re.compile(r"<testsuite\b([^>]*)>")
_COUNT_ATTR = re.compile(r'\b(tests|failures|errors|skipped)="(\d+)"')


def junit_counts(xml: str | None) -> dict[str, int] | None:
    """tests / failures / errors / skipped summed over the <testsuite> elements; None without any."""
    suites = _SUITE.findall(xml or "")
    if not suites:
        return None
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for attrs in suites:
        for key, value in _COUNT_ATTR.findall(attrs):
            totals[key] += int(value)
    return totals


def junit_outcome(outcome: Outcome, counts: dict[str, int] | None) -> Outcome:
    """A pass needs the JUnit report to show at least one test run and no failure or error: an exit
    code alone can be faked (a conftest.py calling os._exit(0) exits 0 before any test runs)."""
    if outcome != "pass":
        return outcome
    if counts is None or counts["tests"] - counts["skipped"] < 1:
        return "error"
    return "fail" if counts["failures"] or counts["errors"] else "pass"
