"""Unified diffs → HTML with one class per line (+ / - / @@) and, when pygments is importable
(rich depends on it, so it usually is), syntax colours for the code inside each line.

Everything that comes from the diff is escaped here: the result is trusted Markup.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

try:  # optional: colours are a nicety, the line classes carry the meaning
    from pygments import highlight as _pyg_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound
except ImportError:  # pragma: no cover - depends on the environment
    _pyg_highlight = None

_FILE = re.compile(r"^\+\+\+ (?:b/)?(.+?)\s*$")
_KIND = {"+": "add", "-": "del", " ": "ctx", "\\": "meta"}


def _lexer(path: str):
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def _colour(lines: list[str], path: str) -> list[Markup]:
    """Highlight the code of one file's hunk lines together (so multi-line tokens mostly work),
    then split back into lines: the formatter closes its spans at every newline."""
    if _pyg_highlight is None or not lines:
        return [escape(line) for line in lines]
    html = _pyg_highlight("\n".join(lines), _lexer(path), HtmlFormatter(nowrap=True, classprefix="tok-"))
    out = html.split("\n")
    if len(out) < len(lines):  # defensive: never lose a line of the diff
        return [escape(line) for line in lines]
    return [Markup(x) for x in out[:len(lines)]]


def diff_html(diff: str | None, max_lines: int = 4000) -> Markup:
    if not diff:
        return Markup('<div class="diff empty">(empty diff)</div>')
    lines = diff.splitlines()
    cut = len(lines) - max_lines
    rows: list[list] = []                 # [kind, sign, code as Markup-or-str]
    blocks: list[tuple[str, list[int]]] = [("", [])]   # code rows grouped per file, for colouring
    for line in lines[:max_lines]:
        if line.startswith(("diff ", "--- ", "+++ ", "index ", "new file", "deleted file", "similarity", "rename ")):
            m = _FILE.match(line)
            if m:
                blocks.append((m.group(1), []))
            rows.append(["file", "", line])
        elif line.startswith("@@"):
            rows.append(["hunk", "", line])
        else:
            kind = _KIND.get(line[:1], "ctx")
            if kind != "meta":
                blocks[-1][1].append(len(rows))
            rows.append([kind, line[:1], line[1:]])
    for path, idx in blocks:
        for i, html in zip(idx, _colour([rows[i][2] for i in idx], path or "x.txt")):
            rows[i][2] = html
    out = [Markup('<div class="dl {}"><span class="sg">{}</span>{}</div>').format(k, s, c) for k, s, c in rows]
    if cut > 0:
        out.append(Markup('<div class="dl meta">… {} more lines not shown</div>').format(cut))
    return Markup('<div class="diff">') + Markup("").join(out) + Markup("</div>")


def pygments_css() -> str:
    if _pyg_highlight is None:
        return ""
    return HtmlFormatter(classprefix="tok-", style="default").get_style_defs(".diff")
