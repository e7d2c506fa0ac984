"""Which of the repository's own test files cover the modules a candidate touches (pure).

Stage 4 runs them on the original code and on every candidate: a test that passed before and fails
after is a regression. The files are chosen from the repository's listing by name and place alone
(nothing is imported or run), so the rule must stay cheap and must not pick what only errors alike
for every candidate (a data file, a test helper), which gives no evidence.

A test file is a pytest module (test_*.py, *_test.py, and unittest_*.py / *_tests.py, which projects
commonly add to pytest's `python_files`). It matches a touched module `pkg/sub/mod.py` when its bare
name (prefix/suffix stripped) is
  3  the module's stem (`test_mod.py`), or for `__init__.py` its package's name;
  2  a run of underscore-separated words that includes the stem (`test_mod_extra.py`) or is part of
     it (`test_mod.py` for mod_tools.py), or starts with it (`test_modmatrix.py`), or the
     package's name (`test_sub.py`), or package and stem (`test_sub_mod.py`), or the package's name
     (also singular) followed by an abbreviation of the stem (`test_domain_py.py` for domains/python.py),
     or any test file in a folder named after the stem (`testing/mod/test_x.py`);
  1  the top-level package's name (`test_pkg.py`: a project with one test module per package).
Only tests on the module's own path count: the test's folders, `tests`-like ones skipped, must lead
to the module's package or to the module as a folder (`pkg/sub/tests/`, `tests/`, `tests/sub/`,
`tests/sub/mod/`), so a `test_core.py` of a sibling
package never stands for `pkg/sub/core.py`. Among equal names, tests nearer the module come first.
Each touched module gets its best matches (a few), and the whole pick is capped. Measured against
SWE-bench's own test choice by scripts/bench_regression_targets.py (docs/measurements.md "Regression tests").
"""
from __future__ import annotations

import re

_TEST_DIRS = {"test", "tests", "testing", "unittests", "unit_tests", "unit", "integration"}
_BARE = re.compile(r"^(?:test_|tests_|unittest_)|(?:_tests?)$")


def is_pytest_module(path: str) -> bool:
    """A test module by name: test_*.py, *_test.py, or the common additions unittest_*.py / *_tests.py."""
    name = path.rsplit("/", 1)[-1]
    if not name.endswith(".py"):
        return False
    stem = name[:-3]
    return stem.startswith(("test_", "unittest_")) or stem.endswith(("_test", "_tests"))


def _bare(path: str) -> str:
    return _BARE.sub("", path.rsplit("/", 1)[-1][:-3])


def _words_include(bare: str, stem: str) -> bool:
    return f"_{stem}_" in f"_{bare}_"


def _abbreviates(words: list[str], package: str, stem: str) -> bool:
    """`domain`, `py` for domains/python.py: the package's name (or its singular), then a prefix of the stem."""
    names = {package, package[:-1] if package.endswith("s") else package}
    return any(a in names and len(b) >= 2 and stem.startswith(b) for a, b in zip(words, words[1:]))


def name_level(test: str, module: str) -> int:
    """How well a test file's name matches a touched module (0 = not at all); see the module docstring."""
    parts = module[:-3].split("/")
    stem, dirs = parts[-1], parts[:-1]
    if stem == "__init__":
        if not dirs:
            return 0
        stem, dirs = dirs[-1], dirs[:-1]
    package = dirs[-1] if len(dirs) > 1 else ""    # a subpackage; the top-level one is level 1 below
    bare = _bare(test)
    if bare == stem:
        return 3
    if _words_include(bare, stem) or (package and (bare == package or bare == f"{package}_{stem}")):
        return 2
    if len(bare) >= 4 and _words_include(stem, bare) or len(stem) >= 4 and bare.startswith(stem):
        return 2
    if stem in test.split("/")[:-1] or (package and _abbreviates(bare.split("_"), package, stem)):
        return 2
    top = (dirs or [stem])[0]
    if top in ("src", "lib") and len(dirs) > 1:
        top = dirs[1]
    return 1 if bare == top and not _TEST_DIRS & {top} else 0


def _test_dirs(test: str) -> list[str]:
    dirs = [p for p in test.split("/")[:-1] if p not in _TEST_DIRS]
    return dirs[1:] if dirs[:1] == ["src"] else dirs


def _module_dirs(module: str) -> list[str]:
    return [p for p in module.split("/")[:-1] if p not in ("src", "lib")]


def on_path(test: str, module: str) -> bool:
    """The test's folders lead to the module's package: `pkg/sub/tests`, `tests`, `tests/sub` for pkg/sub/mod.py."""
    t, m = _test_dirs(test), _module_dirs(module) + [module.rsplit("/", 1)[-1][:-3]]
    return t == m[:len(t)] or t == m[1:1 + len(t)]


def nearness(test: str, module: str) -> int:
    """Directory components the test shares with the module, from the top, `tests`-like folders skipped."""
    t, m = _test_dirs(test), _module_dirs(module)
    n = 0
    for a, b in zip(t, m):
        if a != b:
            break
        n += 1
    return n


def regression_targets(touched: list[str], test_files: list[str], limit: int = 6, per_module: int = 3) -> list[str]:
    """The repository's test files that most likely cover the touched modules, best first (pure)."""
    modules = [p for p in touched if p.endswith(".py") and not is_pytest_module(p)]
    tests = [f for f in test_files if is_pytest_module(f) and f not in touched
             and "swe_agent_repro" not in f and "swe_agent_issue" not in f]
    ranked: list[list[str]] = []
    for module in modules:
        scored = [(name_level(t, module), nearness(t, module), t) for t in tests if on_path(t, module)]
        best = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], -s[1], s[2]))
        top = best[0][0] if best else 0
        # A weak match (the top-level package's test module) only when nothing better exists.
        ranked.append([t for level, _, t in best if level >= min(top, 2)][:per_module])
    picked: list[str] = []
    for rank in range(per_module):          # round-robin: every touched module gets its best test first
        for files in ranked:
            if rank < len(files) and files[rank] not in picked:
                picked.append(files[rank])
    return picked[:limit]
