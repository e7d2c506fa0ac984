"""Edits that land: tolerant SEARCH/REPLACE matching, the per-model edit format, the syntax check.

Pure: no I/O, no model, no sandbox. The whole-function and whole-file formats are in agent/splice.py.
Every applied edit reports the rule that landed it, so a run can show which tolerance earned its keep.
"""
from __future__ import annotations

import ast

import re
from collections import Counter, defaultdict
from difflib import SequenceMatcher, get_close_matches

from agent.parsing import FormatError
from agent.search_replace import Edit

RULES = ("exact", "whitespace", "indentation", "fuzzy", "new_file")
FORMATS = ("search_replace", "function", "whole_file")

# aider's fuzzy SEARCH matching uses 0.8 too: one renamed variable in a five-line SEARCH keeps the
# ratio above 0.9, while a block the model invented (tests: the cart example) stays well below.
FUZZY_THRESHOLD = 0.8
# A SEARCH that dropped or added a blank line or two still lands; more than that is a different chunk.
FUZZY_SLACK_LINES = 2
# Two places whose scores differ by less than this are indistinguishable (about one character in a
# hundred): refusing and asking for more context beats patching the wrong copy.
AMBIGUITY_MARGIN = 0.01
# Below this a fuzzy match is noise: "return x" is 0.875 similar to "return y".
FUZZY_MIN_CHARS = 24
# Distinct start lines scored: the true place collects the most votes; a few more catch duplicates
# (which must be seen to be refused) and SEARCH blocks that dropped or added lines.
FUZZY_MAX_ANCHORS = 12
# Starts scoring within this of the best are refined over shifts and lengths.
FUZZY_REFINE_MARGIN = 0.1
# Lines looked up approximately (each costs a pass over the file's distinct lines).
FUZZY_MAX_PARAPHRASED = 4
QUOTE_MAX_LINES = 30


def apply_search_replace(content: str, edit: Edit) -> tuple[str, str]:
    """(new content, rule): exact → whitespace → indentation → fuzzy; raises FormatError otherwise.

    The exact rule replaces the first occurrence, like apply_edit: a small model copies
    the first copy it sees, and asking it to disambiguate costs more than it gains.
    """
    crlf = "\r\n" in content and content.count("\n") == content.count("\r\n")
    if crlf:  # match on LF text; the file keeps its CRLF line endings
        content = content.replace("\r\n", "\n")
        edit = Edit(edit.path, edit.search.replace("\r\n", "\n"), edit.replace.replace("\r\n", "\n"))
    new, rule = _apply(content, edit)
    return (new.replace("\n", "\r\n") if crlf else new), rule


def apply_edit(content: str, edit: Edit) -> str:
    """The new content after one SEARCH/REPLACE edit (the content-only form of apply_search_replace)."""
    return apply_search_replace(content, edit)[0]


def _apply(content: str, edit: Edit) -> tuple[str, str]:
    if edit.search.strip() == edit.replace.strip():
        raise FormatError(f"The SEARCH and REPLACE parts for {edit.path} are the same: change the code.")
    if edit.search.strip() == "":
        if content.strip() == "":
            return edit.replace.rstrip("\n") + "\n", "new_file"
        raise FormatError(f"The SEARCH part for {edit.path} is empty; copy the exact lines to change.")
    if edit.search in content:
        return content.replace(edit.search, edit.replace, 1), "exact"
    lines = content.split("\n")
    s_lines = _trim_blank(edit.search.split("\n"))
    r_lines = _trim_blank(edit.replace.split("\n"))
    n = len(s_lines)
    for rule, norm in (("whitespace", str.rstrip), ("indentation", str.strip)):
        want = [norm(x) for x in s_lines]
        for i in range(len(lines) - n + 1):
            if [norm(x) for x in lines[i:i + n]] == want:
                new = _shift(r_lines, s_lines, lines[i:i + n]) if rule == "indentation" else r_lines
                return "\n".join(lines[:i] + new + lines[i + n:]), rule
    i, j = _fuzzy_window(lines, s_lines, edit.path)
    return "\n".join(lines[:i] + _shift(r_lines, s_lines, lines[i:j]) + lines[j:]), "fuzzy"


def _fuzzy_window(lines: list[str], s_lines: list[str], path: str) -> tuple[int, int]:
    """The [start, end) lines of the one window most similar to the SEARCH, or FormatError."""
    stripped = [x.strip() for x in lines]
    wanted = [x.strip() for x in s_lines]
    matcher = SequenceMatcher(None, autojunk=False)  # autojunk drops spaces and parens from code
    matcher.set_seq2("\n".join(wanted))  # seq2 is the one SequenceMatcher indexes: index the SEARCH once
    target = matcher.b
    n, total, slack = len(wanted), len(stripped), FUZZY_SLACK_LINES
    cache: dict[tuple[int, int], float] = {}

    def rate(i: int, j: int) -> None:
        if (i, j) not in cache:
            matcher.set_seq1("\n".join(stripped[i:j]))
            cache[i, j] = matcher.ratio()

    # Stage 1: a SEARCH-long window at each anchored start. Stage 2: around the starts that came close,
    # every shift and length within the slack (a dropped or added blank line, a merged line).
    starts = list(dict.fromkeys(min(max(i, 0), total - 1) for i in _anchor_starts(stripped, wanted)))
    if total <= n + slack:
        rate(0, total)  # a short file is one window, quoted if nothing fits
    for i in starts:
        rate(i, min(i + n, total))
    near = max(cache.values(), default=0.0) - FUZZY_REFINE_MARGIN
    for s in [i for i in starts if cache[i, min(i + n, total)] >= near]:
        for i in range(max(0, s - slack), s + slack + 1):
            for m in range(max(1, n - slack), n + slack + 1):
                if i + m <= total:
                    rate(i, i + m)
    scored = [(v, i, j) for (i, j), v in cache.items()]
    if not scored:
        raise FormatError(f"The SEARCH lines were not found in {path}, which has no code lines. "
                          "Copy the lines to change exactly from the file shown.")
    # Best first; among equal scores the window whose length is closest to the SEARCH's, then the earliest.
    scored.sort(key=lambda t: (-t[0], abs((t[2] - t[1]) - n), t[1]))
    score, i, j = scored[0]
    if score < FUZZY_THRESHOLD or len(target.replace("\n", "")) < FUZZY_MIN_CHARS:
        raise FormatError(
            f"The SEARCH lines were not found in {path}. The closest lines there "
            f"(lines {i + 1}-{j}, {score:.0%} similar) are:\n{_quote(lines[i:j])}\n"
            "Copy the lines to change exactly from the file, including indentation, and keep each block small."
        )
    rivals = [(s, a, b) for s, a, b in scored if s >= score - AMBIGUITY_MARGIN and (b <= i or a >= j)]
    if rivals:
        _, a, b = rivals[0]
        raise FormatError(
            f"The SEARCH lines match two places in {path} equally well (lines {i + 1}-{j} and {a + 1}-{b}):\n"
            f"{_quote(lines[i:j])}\n{_quote(lines[a:b])}\n"
            "Copy the lines to change exactly, and add a few unchanged lines around them so they match one place only."
        )
    return i, j


def _anchor_starts(stripped: list[str], wanted: list[str]) -> list[int]:
    """Start lines worth scoring (scoring every window of a 3,000-line file takes minutes): each SEARCH
    line found in the file votes for a start, rare lines more than common ones (`return x`);
    a SEARCH line not found votes through the file lines most similar to it."""
    where: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(stripped):
        if line:
            where[line].append(i)
    votes: Counter[int] = Counter()
    missing = []
    for k, line in enumerate(wanted):
        hits = where.get(line, [])
        for p in hits:
            votes[p - k] += 1 / len(hits)
        if line and not hits:
            missing.append((k, line))
    # When exact lines pin no start down (most lines paraphrased, or only common ones found), look up
    # the missing lines approximately; cutoff 0.0: nothing resembles them, find the closest to quote.
    for cutoff in (0.75, 0.0):
        if votes and (cutoff == 0.0 or max(votes.values()) >= len([w for w in wanted if w]) / 2):
            break
        for k, line in missing[:FUZZY_MAX_PARAPHRASED]:
            for close in get_close_matches(line, list(where), n=3, cutoff=cutoff):
                for p in where[close]:
                    votes[p - k] += 1 / len(where[close])
    return [s for s, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:FUZZY_MAX_ANCHORS]]


def _trim_blank(lines: list[str]) -> list[str]:
    i, j = 0, len(lines)
    while i < j and not lines[i].strip():
        i += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    return lines[i:j]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shift(r_lines: list[str], s_lines: list[str], found: list[str]) -> list[str]:
    """Re-indent the replacement by how far the file's lines sit from the SEARCH's (first non-blank lines)."""
    s_first = next((x for x in s_lines if x.strip()), "")
    f_first = next((x for x in found if x.strip()), "")
    shift = _indent(f_first) - _indent(s_first)
    if shift == 0:
        return list(r_lines)
    if shift > 0:
        return [" " * shift + x if x.strip() else x for x in r_lines]
    return [x[min(-shift, _indent(x)):] if x.strip() else x for x in r_lines]


def _quote(lines: list[str]) -> str:
    shown = lines[:QUOTE_MAX_LINES] + (["..."] if len(lines) > QUOTE_MAX_LINES else [])
    return "```\n" + "\n".join(shown) + "\n```"


# ------------------------------------------------------------------- formats
# Whole file below this size: the reply repeats the file, so it must fit the reply cap with room to
# spare (ModelConfig.max_tokens defaults to 1024 tokens ≈ 3,500 characters of Python), and a small
# model rewriting ~80 lines drifts less than it does copying SEARCH lines exactly.
WHOLE_FILE_MAX_CHARS = 3000
# Parameter counts up to this are "small": they paraphrase SEARCH lines (issue 9: the 1.5B model's
# SEARCH blocks miss the code), so they rewrite a whole function instead.
SMALL_MODEL_MAX_B = 8.0
_SMALL_NAMES = ("qwen", "smollm")
_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)b(?![a-z0-9])")
_LOCAL = re.compile(r"^(\w+://)?(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[?::1\]?)(:\d+)?(/|$)", re.I)


def is_small_model(model_name: str | None, api_base: str | None = None) -> bool:
    """Small/local models: served at a local address, a size ≤ 8B in the name, or a known small family."""
    if api_base and _LOCAL.match(api_base.strip()):
        return True
    name = (model_name or "").lower()
    if not name:
        return True  # no name = the embedded 1.5B model
    sizes = [float(s) for s in _SIZE.findall(name.split("/")[-1])]
    if sizes:
        return max(sizes) <= SMALL_MODEL_MAX_B
    return any(s in name for s in _SMALL_NAMES)


def choose_format(model_name: str | None, file_chars: int, configured: str = "auto",
                  api_base: str | None = None) -> str:
    """The edit format for one sample: "search_replace", "function" or "whole_file"."""
    if configured in FORMATS:
        return configured
    if configured != "auto":
        raise ValueError(f"unknown edit format {configured!r}: use auto, {', '.join(FORMATS)}")
    if file_chars < WHOLE_FILE_MAX_CHARS:
        return "whole_file"
    # Strong hosted models copy lines exactly and SEARCH/REPLACE costs the fewest output tokens.
    return "function" if is_small_model(model_name, api_base) else "search_replace"


# ---------------------------------------------------------------- syntax check
def compiles(path: str, text: str) -> str | None:
    """None when `text` compiles as Python (py_compile semantics), else a message for the model.

    Non-Python paths are not checked. dont_inherit: this module's __future__ flags must not leak in.
    """
    if not path.endswith(".py"):
        return None
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as err:
        where = f"line {err.lineno}" if err.lineno else "somewhere"
        shown = (err.text or "").rstrip("\n")
        return f"{path} has a syntax error at {where}: {err.msg}" + (f"\n    {shown.strip()}" if shown.strip() else "")
    except ValueError as err:  # null bytes
        return f"{path} cannot be compiled: {err}"
    return None


def same_behaviour(path: str, old: str, new: str) -> bool:
    """True when a Python file's change cannot change what it does: both parse to the same syntax tree
    once comments, layout and docstrings are set aside and the module's imports are read as the names
    they bind (a reordered or repeated import binds the same). Docstrings count when a file reads
    `__doc__` or holds a doctest (`>>>`). Such an edit cannot fix a bug and would
    only add a candidate that behaves exactly like the original."""
    if not path.endswith(".py") or old == new:
        return old == new
    docs = any("__doc__" in t or ">>>" in t for t in (old, new))   # docstrings read at run time or doctests
    try:
        return behaviour_tree(old, docs) == behaviour_tree(new, docs)
    except (SyntaxError, ValueError):
        return False


def behaviour_tree(text: str, docs: bool = False) -> str:
    """The syntax tree without docstrings (unless `docs`), each module-level import reduced to the names
    it newly binds."""
    tree = ast.parse(text)
    for node in ([] if docs else ast.walk(tree)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
    bound, body = set(), []
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            key = (type(stmt).__name__, getattr(stmt, "module", None), getattr(stmt, "level", 0))
            stmt.names = sorted((a for a in stmt.names if (key, a.name, a.asname) not in bound),
                                key=lambda a: (a.name, a.asname or ""))
            bound.update((key, a.name, a.asname) for a in stmt.names)
            if not stmt.names:
                continue
        body.append(stmt)
    tree.body = body
    return ast.dump(tree)
