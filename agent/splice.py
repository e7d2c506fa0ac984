"""Whole-function and whole-file edit formats: read the model's ```python blocks (here), splice
them in (agent/ast_splice.py, whose `splice_function` is re-exported as this format's entry point).

Pure: no I/O, no model, no sandbox.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from agent.ast_splice import FUNCTION_FORMAT, dedent_top, parse_block, splice_function
from agent.parsing import CutOffError, FormatError, NoFunctionError, fence_blocks
from agent.search_replace import strip_line_numbers

__all__ = ["FunctionEdit", "parse_function_rewrite", "parse_whole_file", "salvage_truncated", "splice_function",
           "without_echo"]

_FENCE = re.compile(r"```[ \t]*([^\n`]*)\n(.*?)```", re.S)  # as agent.parsing.code_blocks: small models close fences mid-line
_PY_PATH = re.compile(r"[\w./-]*\w\.py\b")
_NUMBERED = re.compile(r"^\s*\d+ \|(?: |$)")
_CODE_LANGS = {"", "python", "py", "python3"}


@dataclass(frozen=True)
class FunctionEdit:
    path: str
    source: str    # one complete definition (def, async def or class), after any imports its block added


# The prompt's heading of the other files it shows (prompts/patch_file.yaml, agent/stages/patch.py _other_code):
# a whole-file answer that goes on past its file with these copies another file's code into it.
_ECHO = re.compile(r"^\s*(?:#+\s*)?(?:Other relevant code\b|###\s+[\w./-]+\.py\s*$)", re.I)
_DEF_LINE = re.compile(r"^\s*(?:@|(?:async\s+)?def\s|class\s)")


def without_echo(new: str, original: str) -> str:
    """A whole file without what follows a line echoing the prompt's other-code heading (a line the original
    does not have), unless a definition the original has comes after it (then it is not a copied tail)."""
    own = {ln.strip() for ln in original.split("\n")}
    lines = new.split("\n")
    at = next((i for i, ln in enumerate(lines) if _ECHO.match(ln) and ln.strip() not in own), None)
    if at is None or any(_DEF_LINE.match(ln) and ln.strip() in own for ln in lines[at + 1:]):
        return new
    return "\n".join(lines[:at]).rstrip("\n") + "\n"


# ------------------------------------------------------------------ functions
def _blocks(text: str) -> list[tuple[str, str, str]]:
    """(info string, body, text before the block since the previous one) for each fenced block."""
    out, prev = [], 0
    if (paired := fence_blocks(text)) is not None:     # fence lines that pair up: a ``` in the code is code
        for info, body, start, end in paired:
            out.append((info, body, text[prev:start]))
            prev = end
        return out
    for m in _FENCE.finditer(text or ""):
        out.append((m.group(1).strip(), m.group(2), text[prev:m.start()]))
        prev = m.end()
    if (text or "")[prev:].count("```") % 2:
        raise CutOffError("The ```python block is not closed: the reply was cut off. Send a shorter answer.")
    return out


def _clean_code(body: str) -> str:
    lines = [ln for ln in body.split("\n") if ln.strip()]
    if lines and all(_NUMBERED.match(ln) for ln in lines):  # code was shown as `  18 | code`
        body = strip_line_numbers(body)
    return body


def _path_of(info: str, before: str) -> str | None:
    found = _PY_PATH.findall(info)
    if not found:
        for line in reversed(before.strip().split("\n")):
            found = _PY_PATH.findall(line)
            if found:
                break
    if not found:
        return None
    return re.sub(r"^(\./)+|^path/to/", "", found[-1])


def parse_function_rewrite(text: str, default_path: str | None = None) -> list[FunctionEdit]:
    """One FunctionEdit per ```python block (its definitions, imports and changed module-level
    assignments), under the path written before it, else the previous block's, else default_path.
    A reply cut off inside its last block keeps the definitions completed before the cut."""
    try:
        blocks = _blocks(text)
    except FormatError:
        blocks = _blocks(salvage_truncated(text) or "")
        if not blocks:
            raise
    edits: list[FunctionEdit] = []
    last_path = None
    for info, body, before in blocks:
        lang = info.split()[0].lower() if info.split() else ""
        if lang not in _CODE_LANGS and not _PY_PATH.search(info):
            continue
        path = _path_of(info, before) or last_path or default_path
        if path is None:
            raise FormatError("A ```python block has no file path on the line before it. " + FUNCTION_FORMAT)
        last_path = path
        src = fill_elisions(dedent_top(_clean_code(body)))
        module = parse_block(src, path)
        if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for s in module.body):
            edits.append(FunctionEdit(path, src.rstrip("\n") + "\n"))
    if not edits:
        raise NoFunctionError("No ```python block with a function found. " + FUNCTION_FORMAT)
    return edits


_DEF_START = re.compile(r"^[ \t]*(@|def |async def |class )")
_HEADER = re.compile(r"^([ \t]*)(async[ \t]+def|def|class)\b")
_ELLIPSIS = re.compile(r"^[ \t]*(\.\.\.|…)[ \t]*$")


def fill_elisions(src: str) -> str:
    """A block that copies an outline ("..." for the bodies left out) made to parse, when it does not as
    sent: a "..." right after a def/class header becomes that definition's body (`...`, which the
    splice skips as a placeholder); any other "..." line is dropped; a header the block ends on gets one.
    Source that parses, or has no "..." line, comes back unchanged."""
    lines = src.split("\n")
    if not any(_ELLIPSIS.match(ln) for ln in lines):
        return src
    try:
        ast.parse(src)
        return src
    except SyntaxError:
        pass
    out: list[str] = []
    header: str | None = None      # indentation of a def/class header still being read (it may span lines)
    awaiting: str | None = None    # indentation of a def/class whose header ended with ":" and has no body yet
    depth = 0
    for ln in lines:
        if _ELLIPSIS.match(ln):
            if awaiting is not None:
                out.append(awaiting + "    ...")
                awaiting = None
            continue
        code = ln.split("#")[0].rstrip()
        if not code:
            out.append(ln)
            continue
        m = _HEADER.match(ln)
        if m and header is None:
            header, depth, awaiting = m.group(1), 0, None
        elif header is None:
            awaiting = None              # the body began
        if header is not None:
            depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
            if depth <= 0:
                awaiting = header if code.endswith(":") else None
                header = None
        out.append(ln)
    if awaiting is not None:
        out.append(awaiting + "    ...")
    return "\n".join(out)


def salvage_truncated(text: str) -> str | None:
    """A reply cut off inside its last ```python block (the token limit), reduced to the definitions
    completed before the cut, with the block closed; None when nothing complete remains."""
    at = (text or "").rfind("```")
    if at < 0 or text[:at + 3].count("```") % 2 == 0:
        return None
    head, _, rest = text[at:].partition("\n")
    lines = rest.split("\n")
    starts = [k for k, ln in enumerate(lines) if _DEF_START.match(ln)]
    for k in reversed(starts[1:]):      # cut before the definition the limit interrupted
        while k > 0 and _DEF_START.match(lines[k - 1]) and lines[k - 1].lstrip().startswith("@"):
            k -= 1
        code = "\n".join(lines[:k]).rstrip()
        try:
            ast.parse(dedent_top(code))
        except SyntaxError:
            continue
        return text[:at] + head + "\n" + code + "\n```\n"
    return None


# ---------------------------------------------------------------- whole file
_WORDS = r"(rest|unchanged|remains?|remaining|omitted|existing|as before|for brevity|other (code|methods|functions))"
# A comment standing in for code: "# ...", "# ... rest unchanged ...", "# rest of the file", "# (existing code)".
_PLACEHOLDER = re.compile(
    rf"^[ \t]*#[ \t]*(\.\.\.|…)[ \t]*$"
    rf"|^[ \t]*#.*(\.\.\.|…).*\b{_WORDS}\b|^[ \t]*#.*\b{_WORDS}\b.*(\.\.\.|…)"
    rf"|^[ \t]*#.*\b(rest of (the )?(file|code|module|class|functions?|methods?)|(remains?|stays?|left|is) unchanged"
    rf"|omitted for brevity|existing (code|methods|functions))\b",
    re.I,
)


def parse_whole_file(text: str, path: str, original_chars: int | None = None, original: str | None = None) -> str:
    """The new content of `path` from a reply holding the whole file in one ```python block.

    Refused when it looks truncated: a placeholder comment (`# ... rest unchanged ...`) that the original
    (when given) does not have, or less than half the original's length (original_chars, else
    len(original)): what a model that skips the unchanged parts sends.
    """
    blocks = [(info, body) for info, body, _ in _blocks(text)
              if (info.split()[0].lower() if info.split() else "") in _CODE_LANGS or _PY_PATH.search(info)]
    if not blocks:
        raise FormatError(f"No ```python block found. Reply with the whole new {path} in one ```python block.")
    body = _clean_code(max((b for _, b in blocks), key=len)).strip("\n") + "\n"
    if original is not None:
        body = without_echo(body, original)
    own = {ln.strip() for ln in (original or "").split("\n")}
    bad = next((ln.strip() for ln in body.split("\n") if _PLACEHOLDER.match(ln) and ln.strip() not in own), None)
    if bad:
        raise FormatError(f"Your file contains a placeholder line ({bad!r}) instead of code. "
                          f"Send the whole of {path}, every line, with your change made.")
    size = original_chars if original_chars is not None else len(original or "")
    if size and len(body.strip()) < size / 2:
        raise FormatError(f"Your {path} has {len(body.strip())} characters, the original {size}: "
                          "it looks cut short. Send the whole file, every line, with your change made.")
    return body
