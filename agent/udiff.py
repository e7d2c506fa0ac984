"""Unified diffs in a model's reply, read as SEARCH/REPLACE edits.

Asked for a whole function or for SEARCH/REPLACE blocks, small models sometimes answer with a
`git diff` instead (in a ```python or ```diff block). Each hunk becomes one Edit: its context and
`-` lines are the SEARCH text, its context and `+` lines the REPLACE text, so it lands through the
tolerant rules of agent/editing.py and wrong line numbers or hunk counts do not matter. A block
whose lines before the first `@@` are not diff headers (code with a few `-`/`+` lines mixed in)
is not a diff. Pure functions."""
from __future__ import annotations

import re

from agent.parsing import code_blocks
from agent.search_replace import Edit

_HEADER = re.compile(r"^(diff --git |index |--- |\+\+\+ |new file mode|deleted file mode|similarity |rename )")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


def _path(header: str) -> str | None:
    p = header[4:].split("\t")[0].strip()
    if p == "/dev/null":
        return None
    return p[2:] if p.startswith(("a/", "b/")) else p


def _hunks(lines: list[str], default_path: str | None, fenced: bool) -> list[tuple[Edit, bool]]:
    edits: list[tuple[Edit, bool]] = []
    path, creates = default_path, False
    search: list[str] | None = None      # None: not inside a hunk
    replace: list[str] = []

    def close():
        if search is not None and path and "\n".join(search).strip() != "\n".join(replace).strip():
            edits.append((Edit(path, "\n".join(search), "\n".join(replace)), creates))

    for i, ln in enumerate(lines):
        if ln.startswith("--- ") and lines[i + 1:i + 2] and lines[i + 1].startswith("+++ ") \
                and _HUNK.match(lines[i + 2] if i + 2 < len(lines) else ""):    # a file header
            close()
            search, creates = None, _path(ln) is None
            path = _path(lines[i + 1]) or _path(ln) or default_path
        elif ln.startswith("diff --git "):
            close()
            search = None
        elif _HUNK.match(ln):
            close()
            search, replace = [], []
        elif search is None or ln.startswith("\\"):         # headers; "\ No newline at end of file"
            continue
        elif ln.startswith("+"):
            replace.append(ln[1:])
        elif ln.startswith("-"):
            search.append(ln[1:])
        elif ln.startswith(" ") or not ln.strip() or fenced:
            # context; inside a code fence a model often drops the leading space
            body = ln[1:] if ln.startswith(" ") else ln
            search.append(body)
            replace.append(body)
        else:                             # prose after a bare diff ends it
            close()
            search = None
    close()
    return edits


def parse_unified_diff(text: str, default_path: str | None = None) -> list[tuple[Edit, bool]]:
    """(edit, creates a new file) for every hunk of every unified diff in the reply (fenced or bare);
    [] when it holds none."""
    text = (text or "").replace("\r\n", "\n")
    blocks = code_blocks(text)
    edits: list[tuple[Edit, bool]] = []
    for block in blocks or [text]:
        lines = block.rstrip("\n").split("\n")
        if not blocks:                    # a bare diff may follow a line of prose
            start = next((i for i, ln in enumerate(lines) if ln.startswith(("diff --git ", "--- "))), 0)
            lines = lines[start:]
        first = next((i for i, ln in enumerate(lines) if _HUNK.match(ln)), None)
        if first is None or not all(not ln.strip() or _HEADER.match(ln) for ln in lines[:first]):
            continue
        edits += _hunks(lines, default_path, fenced=bool(blocks))
    return edits
