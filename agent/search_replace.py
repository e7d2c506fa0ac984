"""SEARCH/REPLACE answers: the blocks' parser, the paths the model wrote mapped to repository files,
and line-number stripping. Pure."""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent.parsing import FormatError


def resolve_path(path: str, known: set[str]) -> str:
    """Map a path the model wrote to a repository file: small models prepend directories
    (`app/pkg/m.py`), drop them (`m.py`) or capitalize them (`Websession/store.py`).
    Unknown or ambiguous paths are returned unchanged."""
    if path in known or not known:
        return path
    folded = {f.lower(): f for f in known}
    if len(folded) < len(known):      # files differing only in case: never guess between them
        return _resolve(path, known)
    lower = path.lower()
    return folded[lower] if lower in folded else folded.get(_resolve(lower, set(folded)), path)


def _resolve(path: str, known: set[str]) -> str:
    parts = path.split("/")
    for i in range(1, len(parts)):
        if "/".join(parts[i:]) in known:
            return "/".join(parts[i:])
    matches = [f for f in known if f.endswith("/" + path)]
    return matches[0] if len(matches) == 1 else path


def strip_line_numbers(code: str) -> str:
    """`  18 | code` → `code`: for prompts whose answers must copy lines exactly."""
    return "\n".join(_NUMBERED.sub("", ln, count=1) for ln in code.split("\n"))


@dataclass(frozen=True)
class Edit:
    path: str
    search: str
    replace: str


_BLOCK = re.compile(
    r"(?P<path>[^\n`<>=]*?)\s*\n(?:```[^\n]*\n)?<{5,9} ?SEARCH[^\n]*\n(?P<search>.*?)\n?={5,9}[^\n]*\n(?P<replace>.*?)\n?>{5,9} ?REPLACE",
    re.S,
)


def _path_in(raw: str) -> str:
    p = _clean_path(raw)
    if not p or (" " not in p and ("/" in p or "." in p)):
        return p
    named = re.findall(r"[\w./-]+\.py\b", raw)
    return _clean_path(named[-1]) if named else ""


def _clean_path(raw: str) -> str:
    p = raw.strip().strip("`*#:").strip()
    p = re.sub(r"^(file|path)\s*[:=]\s*", "", p, flags=re.I).strip()
    p = re.sub(r"^(\./)+", "", p)
    # Small models copy the format example's placeholder directory.
    return re.sub(r"^path/to/", "", p)


_NUMBERED = re.compile(r"^\s*\d+ \|(?: |$)")


def _strip_line_numbers(search: str, replace: str) -> tuple[str, str]:
    """Code is shown as `  18 | code`; a model that copies the numbers means the code after them."""
    lines = [ln for ln in search.split("\n") if ln.strip()]
    if not lines or not all(_NUMBERED.match(ln) for ln in lines):
        return search, replace
    strip = lambda text: "\n".join(_NUMBERED.sub("", ln, count=1) for ln in text.split("\n"))
    return strip(search), strip(replace)


def _strip_inner_fences(s: str) -> str:
    # Small models put ``` fences inside the blocks; they are never part of the code.
    lines = [ln for ln in s.split("\n") if not ln.strip().startswith("```")]
    return "\n".join(lines)


def parse_search_replace(text: str, default_path: str = "") -> list[Edit]:
    """The edits of the reply's SEARCH/REPLACE blocks. A block's path is the line before it; when that
    line is prose ("Here is the fix:"), the `.py` path named in it, else the previous block's, else
    `default_path`."""
    edits = []
    last_path = ""
    for m in _BLOCK.finditer("\n" + (text or "")):
        path = _path_in(m.group("path").split("\n")[-1]) or last_path or default_path
        if not path:
            raise FormatError("A SEARCH/REPLACE block has no file path on the line before `<<<<<<< SEARCH`.")
        last_path = path
        search, replace = _strip_line_numbers(_strip_inner_fences(m.group("search")),
                                              _strip_inner_fences(m.group("replace")))
        edits.append(Edit(path, search, replace))
    if not edits:
        raise FormatError(
            "No SEARCH/REPLACE block found. Use exactly:\npath/to/file.py\n<<<<<<< SEARCH\n"
            "old lines\n=======\nnew lines\n>>>>>>> REPLACE"
        )
    return edits
