"""Every bundled example is a fair benchmark instance: its own tests pass on the bug and on the fix,
the hidden test fails on the bug and passes on the fix, and the judge agrees. Host Python, no Docker."""
import shutil
import subprocess

import git
import pytest

from agent.examples import DEFAULT_EXAMPLE, EXAMPLES_DIR, check_hidden, list_examples, materialize, solution_diff
from agent.examples.hidden_check import run_pytest
from agent.repo_input import issue_from_file

NAMES = list_examples()


def _pytest(cwd, *args):
    proc = subprocess.run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_catalog():
    assert len(NAMES) >= 12 and DEFAULT_EXAMPLE in NAMES
    with pytest.raises(KeyError, match="choose one of"):
        materialize("no-such-example", EXAMPLES_DIR / "unused")


@pytest.mark.parametrize("name", NAMES)
def test_example_is_a_fair_instance(name, tmp_path):
    ex = materialize(name, tmp_path / name)
    repo = git.Repo(ex.repo)
    assert not repo.is_dirty(untracked_files=True) and len(list(repo.iter_commits())) == 1
    assert issue_from_file(ex.issue).title and "```" in ex.issue.read_text()
    package_lines = sum(len(p.read_text().splitlines()) for p in ex.repo.rglob("*.py") if "tests" not in p.parts)
    assert 20 <= package_lines <= 300, package_lines

    bug = tmp_path / "bug"
    shutil.copytree(ex.repo, bug, ignore=shutil.ignore_patterns(".git"))
    shutil.copy(ex.hidden_test, bug / "hidden_check.py")
    code, out = _pytest(bug, "tests")
    assert code == 0, f"own tests must pass on the buggy code:\n{out}"
    code, out = _pytest(bug, "hidden_check.py")
    assert code == 1 and " failed" in out, f"hidden test must FAIL (not error) on the bug:\n{out}"

    fixed = tmp_path / "fixed"
    shutil.copytree(bug, fixed)
    for f in ex.solution.rglob("*.py"):
        rel = f.relative_to(ex.solution)
        assert (ex.repo / rel).is_file(), f"solution/{rel} must replace an existing module"
        shutil.copy(f, fixed / rel)
    code, out = _pytest(fixed, "tests", "hidden_check.py")
    assert code == 0, f"own + hidden tests must pass on the solution:\n{out}"


def test_materialize_is_deterministic_and_resumable(tmp_path):
    a = materialize("wordfreq", tmp_path / "a")
    b = materialize("wordfreq", tmp_path / "b")
    head = git.Repo(a.repo).head.commit.hexsha
    assert head == git.Repo(b.repo).head.commit.hexsha   # same files -> same commit: run folders resume
    assert git.Repo(materialize("wordfreq", tmp_path / "a").repo).head.commit.hexsha == head   # reused
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["hidden_test.py", "issue.md", "repo"]
    (a.repo / "wordfreq" / "counter.py").write_text("my own edits")
    with pytest.raises(FileExistsError, match="local changes"):
        materialize("wordfreq", tmp_path / "a")          # never silently reset someone's work
    assert (a.repo / "wordfreq" / "counter.py").read_text() == "my own edits"


def _diff_after(ex, tmp_path, edit) -> str:
    """The diff of an edit made in a scratch copy of the example's repository."""
    scratch = tmp_path / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    git.Repo(ex.repo).clone(scratch)
    path = scratch / "stats" / "summary.py"
    path.write_text(edit(path.read_text()))
    return git.Repo(scratch).git.diff() + "\n"


def test_check_hidden_judges_diffs_on_host(tmp_path):
    ex = materialize("stats", tmp_path / "stats")
    good = solution_diff(ex)
    assert good.startswith("diff --git a/stats/summary.py")
    assert check_hidden(ex.repo, ex, good)
    assert not check_hidden(ex.repo, ex, "")               # abstention
    assert not check_hidden(ex.repo, ex, "not a diff")     # does not apply
    fix = lambda s: s.replace("ordered[mid]) // 2", "ordered[mid]) / 2")
    # A different but correct fix passes too: the hidden test judges behaviour, not text.
    alt = _diff_after(ex, tmp_path, lambda s: s.replace("(ordered[mid - 1] + ordered[mid]) // 2",
                                                        "sum(ordered[mid - 1:mid + 1]) / 2.0"))
    assert alt != good and check_hidden(ex.repo, ex, alt)
    # Fixing the bug but breaking the repository's own tests is not a fix.
    breaks_mean = _diff_after(ex, tmp_path, lambda s: fix(s).replace("sum(values) / len(values)", "sum(values)"))
    assert not check_hidden(ex.repo, ex, breaks_mean)
    assert not check_hidden(ex.repo, ex, _diff_after(ex, tmp_path, lambda s: s.replace("// 2", "// 2 + 0")))
    assert not git.Repo(ex.repo).is_dirty(untracked_files=True)   # judging never touches the repository
    assert run_pytest(ex.repo, ["-q", "tests"], 60) == 0


@pytest.mark.docker
def test_check_hidden_in_docker_sandbox(docker_client, tmp_path):
    from agent.examples.hidden_check import _docker_sandbox

    ex = materialize("wordfreq", tmp_path / DEFAULT_EXAMPLE)
    good = solution_diff(ex)
    for diff, expected in ((good, True), (good.replace("text.split()", 'text.split("\\n")'), False)):
        sandbox = _docker_sandbox(ex)
        assert sandbox is not None, "Docker is reachable, so judging must not fall back to the host"
        with sandbox:
            assert check_hidden(sandbox, ex, diff) is expected
    assert check_hidden(None, ex, good)   # auto: a fresh Docker sandbox of its own
