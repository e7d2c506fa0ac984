"""Candidate patches: normalization, deduplication, diff clean-up. Pure functions."""
from __future__ import annotations

import ast
import hashlib
import re

from agent.schema import Candidate

DELETED = "<deleted>"
# Build and editor by-products that a sandbox diff can pick up but no fix ever needs.
_NOISE = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.mypy_cache|[^/]*\.egg-info)/"
                    r"|\.(pyc|pyo|orig|rej|swp)$|(^|/)\.DS_Store$")
_TEST_DIRS = {"test", "tests", "testing"}


def is_test_file(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (bool(_TEST_DIRS.intersection(parts[:-1])) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


_CI = re.compile(r"^(\.github|\.circleci|\.gitlab)/|^(\.gitlab-ci\.ya?ml|\.travis\.ya?ml|azure-pipelines\.ya?ml|"
                 r"tox\.ini|pytest\.ini|noxfile\.py)$|(^|/)(sitecustomize|usercustomize)\.py$|\.pth$")
_PYTEST_SECTION = re.compile(r"\[tool[:.]pytest|\baddopts\b|\bpytest\b")


def tampered_files(diff_or_files: str | dict[str, str | None]) -> list[str]:
    """Files of a candidate that change how tests run or what they check, not the code under test:
    tests, conftest.py, pytest/tox config, CI files, interpreter start-up hooks. A candidate editing
    them is not evidence, whatever its tests show. setup.cfg / pyproject.toml count when the change
    touches pytest settings (in a diff: changed lines or hunk context; as contents: a pytest section)."""
    if isinstance(diff_or_files, dict):
        files = {p: c or "" for p, c in diff_or_files.items()}
    else:
        files = {_section_path(s): "".join(ln for ln in s if ln[:1] in "+-@ ")
                 for s in _sections(diff_or_files or "") if _section_path(s)}
    out = []
    for path, text in files.items():
        name = path.rsplit("/", 1)[-1]
        config = name in ("setup.cfg", "pyproject.toml") and _PYTEST_SECTION.search(text)
        if is_test_file(path) or _CI.search(path) or config:
            out.append(path)
    return sorted(out)


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                # `pass` keeps the tree valid and makes "only a docstring" equal "pass".
                node.body = body[1:] or [ast.Pass()]
    return tree


def normalize_source(path: str, text: str) -> str:
    """A form in which comment-, whitespace- and docstring-only differences vanish."""
    if path.endswith(".py"):
        try:
            return ast.dump(_strip_docstrings(ast.parse(text)))
        except (SyntaxError, ValueError, RecursionError):
            pass                   # not parseable by this interpreter: fall back to text
    no_comments = re.sub(r"#[^\n]*", "", text)
    return " ".join(no_comments.split())


def candidate_key(files_after: dict[str, str | None]) -> str:
    parts = []
    for path in sorted(files_after):
        content = files_after[path]
        parts.append(f"=== {path}\n{DELETED if content is None else normalize_source(path, content)}")
    return "\n".join(parts)


def _diff_key(diff: str) -> str:
    """Fallback key when a sample recorded no file contents: the changed lines, whitespace-collapsed."""
    changed = [" ".join(ln.split()) for ln in _changed(diff)]
    return "=== diff\n" + "\n".join(ln for ln in changed if ln not in ("+", "-"))


def _changed(diff: str) -> list[str]:
    """The diff's added and removed lines (not its file headers)."""
    return [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def changed_lines(diff: str) -> int:
    return len(_changed(diff))


def dedup_candidates(samples: list[tuple[int, str, dict[str, str | None]]],
                     mutants: list[tuple[str, str, dict[str, str | None]]] = ()) -> list[Candidate]:
    """Group samples whose patches are equivalent; most-produced first, then earliest sample.
    `mutants` are (rule, diff, files after) of model-free repairs: they join a sample's candidate or
    make one with no samples behind it (agent/stages/patch_mutants.py), ranked after every sampled one.

    Candidate.key holds the sha256 of the normalized form (the form itself can be whole-file ASTs); its diff is
    the member's with the fewest changed lines (a one-token mutant rather than a rewrite that also added
    comments), the earliest among equals."""
    groups: dict[str, Candidate] = {}
    rows = [(s, d, f, None) for s, d, f in sorted(samples, key=lambda s: s[0])] + [(None, d, f, r) for r, d, f in mutants]
    for sample, diff, files_after, rule in rows:
        diff = strip_diff_noise(diff or "")
        if not diff.strip():
            continue
        files = {p: c for p, c in (files_after or {}).items() if not _NOISE.search(p)}
        digest = hashlib.sha256((candidate_key(files) if files else _diff_key(diff)).encode()).hexdigest()
        if digest not in groups:
            groups[digest] = Candidate(id="c" + digest[:8], diff=diff, key=digest, samples=[],
                                       files=sorted(files) if files else diff_files(diff))
        elif changed_lines(diff) < changed_lines(groups[digest].diff):
            groups[digest].diff = diff      # the same code with fewer changed lines (no added comments): what a PR shows
        if rule is not None:
            groups[digest].mutants.append(rule)
        elif sample not in groups[digest].samples:   # a sample that came back to an edit backs it once
            groups[digest].samples.append(sample)
    return sorted(groups.values(), key=lambda c: (-c.count, c.samples[0] if c.samples else 10**9))


_GIT_HEADER = re.compile(r'^diff --git (?:"?a/(.+?)"?) (?:"?b/(.+?)"?)$')


def _sections(diff: str) -> list[list[str]]:
    """Split a unified diff into per-file sections (the first may be a preamble without a file)."""
    lines = diff.splitlines(keepends=True)
    git_style = any(ln.startswith("diff --git ") for ln in lines)
    sections: list[list[str]] = [[]]
    for i, ln in enumerate(lines):
        starts = ln.startswith("diff --git ") if git_style else (
            ln.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "))
        if starts and sections[-1]:
            sections.append([])
        sections[-1].append(ln)
    return sections


def _section_path(section: list[str]) -> str | None:
    old = new = None
    for ln in section[:6]:          # headers only: a hunk line "--- x" must not be read as a path
        m = _GIT_HEADER.match(ln.rstrip("\n"))
        if m:
            old, new = m.group(1), m.group(2)
        elif ln.startswith("--- ") or ln.startswith("+++ "):
            p = ln[4:].rstrip("\n").split("\t")[0].strip('"')
            if p != "/dev/null":
                p = p[2:] if p[:2] in ("a/", "b/") else p
                old, new = (p, new) if ln.startswith("---") else (old, p)
        elif ln.startswith("@@"):
            break
    return new or old


def diff_files(diff: str) -> list[str]:
    out: list[str] = []
    for section in _sections(diff or ""):
        path = _section_path(section)
        if path and path not in out:
            out.append(path)
    return out


def strip_diff_noise(diff: str) -> str:
    """Drop the sections of files no fix should touch (bytecode, caches, merge leftovers)."""
    kept = [s for s in _sections(diff or "") if not ((p := _section_path(s)) and _NOISE.search(p))]
    return "".join("".join(s) for s in kept)
