"""Task factory: issue texts written from real `pytest -rA` logs of tinycalc with a planted bug (the
parsing and wording alone: unit/test_synth.py)."""
import subprocess
import sys
from pathlib import Path

from agent.synth import issue, verdict
from tests.support.paths import DATA

TINY = DATA / "synth" / "tinycalc"


def _pytest_log(tmp_path: Path, core: str) -> str:
    """A real `pytest -rA` log of tinycalc with calc/core.py replaced."""
    import shutil
    repo = tmp_path / "tiny"
    shutil.copytree(TINY, repo)
    (repo / "calc" / "core.py").write_text(core)
    test = repo / "tests" / "test_core.py"
    test.write_text(test.read_text() + "\n\ndef test_add_raises():\n    import pytest\n    with pytest.raises(TypeError):\n"
                    "        add(1, 'x')\n\n\ndef test_add_many():\n    total = 0\n    for i in range(3):\n"
                    "        total = add(total, i)\n    assert total == 3\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider"], cwd=repo,
                          capture_output=True, text=True, env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"})
    return proc.stdout


def test_issue_from_a_real_failure_names_call_outcome_and_expectation_not_the_test(tmp_path):
    core = (TINY / "calc" / "core.py").read_text()
    log = _pytest_log(tmp_path, core.replace("return a + b", "return a - b if isinstance(b, int) else 0"))
    f2p = sorted(t for t, s in verdict.outcomes(log).items() if s == "FAILED")
    assert f2p == ["tests/test_core.py::test_add", "tests/test_core.py::test_add_many",
                   "tests/test_core.py::test_add_raises"]
    f = issue.describe(f2p, log)
    assert f.kind == "mismatch" and f.call == "add(2, 3)" and f.expected == "5" and f.actual == "-1"
    text = issue.issue_text(f, "tinycalc", len(f2p))
    assert "add(2, 3)" in text and "`-1`" in text and "`5`" in text
    assert not any(name in text for name in ("test_add", "def ", "diff --git", "a - b"))
    many = issue.parse_failure(issue.failure_sections(log)["test_add_many"], "test_add_many")
    assert many.setup[0] == "total = 0" and many.kind == "mismatch" and many.call == "total"
    read = lambda p: (tmp_path / "tiny" / p).read_text()  # noqa: E731
    raises = issue.describe(["tests/test_core.py::test_add_raises"], log, read)
    assert raises.kind == "no_raise" and "TypeError" in raises.expected and raises.statement == "add(1, 'x')"
    text = issue.issue_text(raises, "tinycalc", 1)
    assert "add(1, 'x')" in text and "raise TypeError" in text and "pytest" not in text
    assert "Regression" in issue.issue_text(None, "tinycalc", 2)


def test_issue_for_an_exception(tmp_path):
    core = (TINY / "calc" / "core.py").read_text()
    log = _pytest_log(tmp_path, core.replace("    return a + b", "    return a + b + {}[0]"))
    f = issue.describe(["tests/test_core.py::test_add"], log)
    assert f.kind == "error" and any("KeyError" in e for e in f.error)
    text = issue.issue_text(f, "tinycalc", 1)
    assert f.call == "add(2, 3)" and f.expected == "5"
    assert "KeyError" in text and "print(add(2, 3))" in text and "`5`" in text and "test_add" not in text
