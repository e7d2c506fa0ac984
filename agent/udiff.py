"""Unified diffs in a model's reply, read as SEARCH/REPLACE edits.

Asked for a whole function or for SEARCH/REPLACE blocks, small models sometimes answer with a
`git diff` instead (in a ```python or ```diff block). Each hunk becomes one Edit: its context and
`-` lines are the SEARCH text, its context and `+` lines the REPLACE text, so it lands through the
tolerant rules of agent/editing.py and wrong line numbers or hunk counts do not matter. A block
whose lines before the first `@@` are not diff headers (code with a few `-`/`+` lines mixed in)
is not a diff. Pure functions."""
from __future__ import annotations

import re

from agent.parsing import Edit, code_blocks

_HEADER = re.compile(r"^(diff --git |index |--- |\+\+\+ |new file mode|deleted file mode|similarity |rename )")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")


def _path(header: str) -> str | None:
    p = header[4:].split("\t")[0].strip()
    if p == "/dev/null":
        return None
    return p[2:] if p.startswith(("a/", "b/")) else p


def _hunks(lines: list[str], default_path: str | None) -> list[Edit]:
    edits: list[Edit] = []
    path = default_path
    search: list[str] | None = None      # None: not inside a hunk
    replace: list[str] = []

    def close():
        if search is not None and path and "\n".join(search).strip() != "\n".join(replace).strip():
            edits.append(Edit(path, "\n".join(search), "\n".join(replace)))

    for i, ln in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if ln.startswith("--- ") and nxt.startswith("+++ "):     # a file header, also right after a hunk
            close()
            search, path = None, _path(nxt) or _path(ln) or default_path
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
        else:                             # context; a model often drops the leading space
            body = ln[1:] if ln.startswith(" ") else ln
            search.append(body)
            replace.append(body)
    close()
    return edits


def parse_unified_diff(text: str, default_path: str | None = None) -> list[Edit]:
    """The edits of every unified diff in the reply (fenced or bare); [] when it holds none."""
    edits: list[Edit] = []
    for block in code_blocks(text) or [text or ""]:
        lines = block.rstrip("\n").split("\n")
        first = next((i for i, ln in enumerate(lines) if _HUNK.match(ln)), None)
        if first is None or not all(not ln.strip() or _HEADER.match(ln) for ln in lines[:first]):
            continue
        edits += _hunks(lines, default_path)
    return edits
