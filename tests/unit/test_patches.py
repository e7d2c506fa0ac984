import hashlib

import pytest

from agent.patches import (candidate_key, dedup_candidates, diff_files, is_test_file, normalize_source,
                           strip_diff_noise)

ORIG = 'def add(a, b):\n    """Add."""\n    return a - b\n'
FIX = 'def add(a, b):\n    """Add."""\n    return a + b\n'
FIX_COMMENTED = 'def add(a, b):\n    """Add two numbers."""\n    # fixed\n    return  a + b  # was minus\n\n\n'
FIX_OTHER = 'def add(a, b):\n    return b + a\n'
WRONG = 'def add(a, b):\n    return a * b\n'


def diff_for(path: str, minus: str, plus: str) -> str:
    return (f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -1,3 +1,3 @@\n def add(a, b):\n-{minus}\n+{plus}\n")


def test_normalize_python_ignores_comments_whitespace_and_docstrings():
    assert normalize_source("m.py", FIX) == normalize_source("m.py", FIX_COMMENTED)
    assert normalize_source("m.py", FIX) != normalize_source("m.py", FIX_OTHER)   # a+b vs b+a differ
    assert normalize_source("m.py", FIX) != normalize_source("m.py", ORIG)
    cls = 'class A:\n    """Doc."""\n\n\nclass B:\n    pass\n'
    assert normalize_source("m.py", cls) == normalize_source("m.py", "class A:\n    pass\nclass B: pass\n")
    # A string that is not the first statement is code, not a docstring.
    assert normalize_source("m.py", "x = 1\n'text'\n") != normalize_source("m.py", "x = 1\n")
    assert "Module(" in normalize_source("m.py", FIX)


def test_normalize_falls_back_to_text():
    broken = "def f(:\n    return 1  # note\n"
    assert normalize_source("m.py", broken) == "def f(: return 1"
    assert normalize_source("setup.cfg", "[a]\nkey =  1   # c\n") == "[a] key = 1"
    assert normalize_source("setup.cfg", "x=1") != normalize_source("setup.cfg", "x=2")


def test_candidate_key_sorted_and_marks_deletions():
    a = candidate_key({"b.py": "x = 1\n", "a.py": None})
    b = candidate_key({"a.py": None, "b.py": "x = 1  # same\n"})
    assert a == b
    assert a.index("=== a.py") < a.index("=== b.py") and "<deleted>" in a
    assert candidate_key({"a.py": ""}) != candidate_key({"a.py": None})


def test_dedup_merges_equivalent_and_keeps_different_apart():
    d_fix = diff_for("calc.py", "    return a - b", "    return a + b")
    d_fix2 = diff_for("calc.py", "    return a - b", "    return a + b  # was minus")
    d_wrong = diff_for("calc.py", "    return a - b", "    return a * b")
    cands = dedup_candidates([
        (3, d_wrong, {"calc.py": WRONG}),
        (1, d_fix2, {"calc.py": FIX_COMMENTED}),
        (0, d_fix, {"calc.py": FIX}),
        (2, "", {"calc.py": ORIG}),                      # empty diff: dropped
        (4, d_fix, {"calc.py": FIX_OTHER}),
    ])
    assert [c.samples for c in cands] == [[0, 1], [3], [4]]
    top = cands[0]
    assert top.diff == d_fix                             # lowest sample's diff represents the group
    assert top.files == ["calc.py"] and top.count == 2
    assert top.key == hashlib.sha256(candidate_key({"calc.py": FIX}).encode()).hexdigest()
    assert top.id == "c" + top.key[:8] and len(top.id) == 9
    assert len({c.id for c in cands}) == 3


def test_dedup_ties_order_by_first_sample_and_falls_back_to_diff():
    d1 = diff_for("x.py", "a", "b")
    d2 = diff_for("x.py", "a", "c")
    cands = dedup_candidates([(5, d2, {}), (2, d1, {}), (7, d1.replace("+b", "+ b"), {})])
    # Equal counts: earliest sample first. Without file contents the changed lines are compared, so a
    # space inserted inside a line ("+ b") is a different patch but trailing whitespace is not.
    assert [c.samples for c in cands] == [[2], [5], [7]]
    same = dedup_candidates([(0, d1, {}), (1, d1.replace("+b", "+b   "), {})])
    assert len(same) == 1 and same[0].files == ["x.py"] and same[0].samples == [0, 1]


def test_dedup_ignores_noise_files():
    d = diff_for("calc.py", "    return a - b", "    return a + b")
    noisy = d + "diff --git a/__pycache__/calc.cpython-311.pyc b/__pycache__/calc.cpython-311.pyc\n" \
                "new file mode 100644\nBinary files /dev/null and b/__pycache__/calc.cpython-311.pyc differ\n"
    cands = dedup_candidates([(0, d, {"calc.py": FIX}),
                              (1, noisy, {"calc.py": FIX, "__pycache__/calc.cpython-311.pyc": "\x00"})])
    assert len(cands) == 1 and cands[0].samples == [0, 1] and cands[0].diff == d
    assert dedup_candidates([(0, noisy.split("diff --git a/calc.py")[0], {})]) == []


def test_diff_files_git_and_plain_unified():
    git_diff = (diff_for("a/x.py", "1", "2")
                + "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x\n"
                + "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n"
                  "@@ -1 +0,0 @@\n-x\n")
    assert diff_files(git_diff) == ["a/x.py", "new.py", "gone.py"]
    plain = "--- a/pkg/m.py\t2024-01-01\n+++ b/pkg/m.py\t2024-01-01\n@@ -1 +1 @@\n-x\n+y\n"
    assert diff_files(plain) == ["pkg/m.py"]
    assert diff_files("") == []


def test_strip_diff_noise_keeps_real_sections_verbatim():
    real = diff_for("calc.py", "    return a - b", "    return a + b")
    other = diff_for("util.py", "x", "y")
    noise = [
        "diff --git a/pkg/__pycache__/m.cpython-311.pyc b/pkg/__pycache__/m.cpython-311.pyc\n"
        "index 1..2 100644\nBinary files a/pkg/__pycache__/m.cpython-311.pyc and "
        "b/pkg/__pycache__/m.cpython-311.pyc differ\n",
        diff_for("calc.py.orig", "a", "b"), diff_for("calc.py.rej", "a", "b"), diff_for("m.pyc", "a", "b"),
    ]
    assert strip_diff_noise(noise[0] + real + noise[1] + other + noise[2] + noise[3]) == real + other
    assert strip_diff_noise(real) == real
    assert strip_diff_noise("") == ""
    # A hunk line that merely mentions a noise path is content, not a header.
    tricky = diff_for("calc.py", "x = 'a.orig'", "x = 'b.rej'")
    assert strip_diff_noise(tricky) == tricky


@pytest.mark.parametrize("path,expected", [
    ("tests/test_x.py", True), ("pkg/tests/helpers.py", True), ("test_x.py", True), ("pkg/x_test.py", True),
    ("conftest.py", True), ("testing/util.py", True), ("pkg/contest.py", False), ("pkg/latest.py", False),
    ("pkg/testimony.py", False), ("src/attestation/test.py", False),
])
def test_is_test_file(path, expected):
    assert is_test_file(path) is expected
