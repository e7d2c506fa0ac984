"""How a patch answer lands in a sample's sandbox, for each edit format (search_replace, function,
whole_file): parse → resolve paths → apply with the tolerant rules of agent/editing.py → syntax
check → write → diff. Raises FormatError with a message for the model when the answer cannot land."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from agent.editing import apply_search_replace, compiles, same_behaviour
from agent.github.guard import diff_paths
from agent.parsing import FormatError, IdenticalError, TakenBackError, UnchangedError, code_blocks
from agent.search_replace import parse_search_replace, resolve_path
from agent.patches import strip_diff_noise
from agent.prompting import render
from agent.udiff import parse_unified_diff
from agent.splice import parse_function_rewrite, parse_whole_file, salvage_truncated, splice_function, without_echo
from agent.tidy import tidy
from agent.whole_merge import merge_whole_file

_SEARCH_MARK = re.compile(r"^<{5,9} ?SEARCH", re.M)
_DEFINED = re.compile(r"^(?:async def|def|class) (\w+)", re.M)
PROMPTS = {"search_replace": "patch", "function": "patch_function", "whole_file": "patch_file"}


@dataclass(frozen=True)
class Change:
    path: str
    land: Callable[[str], tuple[str, str]]     # current content -> (new content, rule that matched)
    creates: bool = False                      # may create a missing file
    names: tuple[str, ...] = ()                # the top-level definitions of a function-format block


def parser_for(fmt: str, whole_file_path: str = "", original_chars: int = 0,
               merge: bool = True) -> Callable[[str], list[Change]]:
    """A pure reply -> changes parser for one format. `merge`: a whole file that drops parts of the original
    lands as its definitions (agent/whole_merge.py); False lands it as sent (the replay's baseline)."""
    def search_replace(text: str) -> list[Change]:
        return [Change(e.path, lambda cur, e=e: apply_search_replace(cur, e), creates=not e.search.strip())
                for e in parse_search_replace(text, whole_file_path)]

    def function(text: str) -> list[Change]:
        return [Change(f.path, lambda cur, f=f: splice_function(cur, f.source, f.path),
                       names=tuple(_DEFINED.findall(f.source)))
                for f in parse_function_rewrite(text, whole_file_path or None)]

    def whole_file(text: str) -> list[Change]:
        try:
            new = parse_whole_file(text, whole_file_path, original_chars)
        except FormatError as err:
            # Small models often send only the function they changed (or the file up to the token
            # limit, or with "# ... unchanged" for the rest): what is complete is spliced in as
            # definitions; when that is impossible too, the whole-file message goes back.
            try:
                return function(salvage_truncated(text) or text)
            except FormatError:
                raise err from None
        if not merge:
            return [Change(whole_file_path, lambda cur: (new, "whole_file"))]
        return [Change(whole_file_path, lambda cur: merge_whole_file(cur, without_echo(new, cur), whole_file_path))]

    chosen = {"search_replace": search_replace, "function": function, "whole_file": whole_file}[fmt]

    def any_format(text: str) -> list[Change]:
        # Whatever was asked, a unified diff lands hunk by hunk (rule "udiff:...") and SEARCH/REPLACE
        # blocks land as such (the feedback to an unchanged function asks for one) when the asked
        # format finds nothing usable; a diff is never taken for a whole file.
        diff = [Change(e.path, lambda cur, e=e: _udiff(apply_search_replace(cur, e)), creates=new)
                for e, new in parse_unified_diff(text, whole_file_path or None)]
        if diff and fmt == "whole_file":
            return diff
        if fmt == "whole_file" and _SEARCH_MARK.search(text or ""):
            # SEARCH/REPLACE blocks (what an unchanged copy is asked for) fenced as ```python are not a file.
            try:
                return search_replace(text)
            except FormatError:
                pass
        try:
            return chosen(text)
        except FormatError:
            if diff:
                return diff
            if fmt == "function" and _SEARCH_MARK.search(text or ""):   # whole_file tried it first
                try:
                    return search_replace(text)
                except FormatError:
                    pass
            raise

    return any_format


def _udiff(landed: tuple[str, str]) -> tuple[str, str]:
    return landed[0], "udiff:" + landed[1]


def repeats_issue(reply: str, issue: str) -> bool:
    """True when every code block of the reply is the issue's own example (most of its lines are
    lines of the issue): small models answer "fix it" by copying the snippet that shows the bug."""
    blocks = [b for b in code_blocks(reply) if b.strip()]
    have = {ln.strip() for ln in (issue or "").split("\n") if ln.strip()}
    if not blocks or not have:
        return False

    def copied(block: str) -> bool:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip() and not ln.strip().startswith("#")]
        return bool(lines) and sum(ln in have or ln.lstrip(">. ") in have for ln in lines) >= 0.6 * len(lines) \
            and not any(ln.startswith(("def ", "async def ", "class ")) for ln in lines)

    return all(copied(b) for b in blocks)


def owner_of(ch: Change, sources: dict[str, str]) -> str | None:
    """The one shown file an edit addressed to a missing path fits: its SEARCH text is found there,
    or its definitions replace namesakes there (appending every one as new does not count). Small
    models name the issue's script (`release.py`), the prompt's example path or the function
    (`sessions_for.py`) instead of the file. None when no file or several fit. Pure."""
    if ch.creates:
        return None
    fits = []
    for path, text in sources.items():
        try:
            _, rule = ch.land(text)
        except UnchangedError:          # the right file, and the model's copy is unchanged
            fits.append(path)
            continue
        except (FormatError, SyntaxError, ValueError, RecursionError):   # e.g. a Python 2 file: no fit
            continue
        if not set(rule.partition(":")[2].split("+")) <= {"new"}:
            fits.append(path)
    return fits[0] if len(fits) == 1 else None


def ask_one_line(err: IdenticalError, suspects: list[str] = (), path: str = "") -> str:
    """What to ask after a function (or a whole file) copied unchanged: the one wrong line as a
    SEARCH/REPLACE block instead of the same code again (in the test-split runs the function asked again
    came back unchanged 14 times in 14). It names the first suspect (qualname) the copy holds, since a
    copied module starts with its imports and classes, else the copy's first definition; a whole-file
    copy holds every definition, so its first suspect. `err` carries the resolved path and the copy's
    definitions (land_changes sets them for a function copy); `path` is the file otherwise. Pure."""
    names = list(getattr(err, "names", ()) or ())
    held = [q for q in suspects if q and (not names or q in names or q.split(".")[0] in names
                                          or q.rsplit(".", 1)[-1] in names)]
    name = f"`{(held or names)[0]}`" if held or names else "your function"
    return render("patch_function", "unchanged", function=name, path=getattr(err, "path", "") or path).strip()


def copies_example(reply: str, system: str) -> bool:
    """True when every code line of the reply is a line of the system prompt: small models answer
    with the format example itself (`hello/greet.py`, `def greet`). Pure."""
    have = {ln.strip() for ln in (system or "").split("\n") if ln.strip()}
    lines = [ln.strip() for ln in (reply or "").split("\n")
             if ln.strip() and not ln.strip().startswith("```")]
    code = [ln for ln in lines if ln not in have]
    return len(lines) >= 2 and not code


def land_changes(changes: list[Change], sandbox, known: set[str], reached: set[str] | None = None,
                 sources: dict[str, str] | None = None,
                 original: Callable[[str], str] | None = None) -> tuple[str, dict[str, str], list[str]]:
    """Apply the changes to the sandbox's current files; return (diff vs base, files after, rules).
    `reached` collects the funnel steps passed ("applied", "compiles", "changed"); an edit addressed
    to a file that does not exist lands in the one file of `sources` it fits (rule "path:by-content").
    `original` (path -> the base commit's text) refuses a revision that takes its sample's change back
    and leaves only comments or layout: a candidate that behaves exactly like the original code."""
    reached = reached if reached is not None else set()
    contents: dict[str, str] = {}
    before: dict[str, str] = {}
    rules: list[str] = []
    for ch in changes:
        path = resolve_path(ch.path, known)
        if path.startswith("/") or ".." in path.split("/") or not path:
            raise FormatError(f"Edit paths must be relative to the repository root: {ch.path!r}.")
        current = contents.get(path)
        if current is None:
            try:
                current = sandbox.read_file(path)
            except Exception:
                owner = None if ch.creates else owner_of(ch, sources or {})
                if owner is None and not ch.creates:
                    raise FormatError(f"File {path} does not exist. Use a path from the code shown.")
                if owner is not None:
                    path = owner
                    rules.append("path:by-content")
                    current = contents[owner] if owner in contents else sandbox.read_file(owner)
                else:
                    current = ""
            before.setdefault(path, current)
        try:
            contents[path], rule = ch.land(current)
        except IdenticalError as err:
            err.path, err.names = path, ch.names
            raise
        rules.append(rule)
    reached.add("applied")
    for path, text in contents.items():
        error = compiles(path, text)
        if error:
            raise FormatError(f"After your edit, {error}. Answer again with corrected code.")
    reached.add("compiles")
    if any(before[p] != t for p, t in contents.items()) and \
            all(same_behaviour(p, before[p], t) for p, t in contents.items()):
        raise UnchangedError("Your edit changes only comments, spacing, layout, docstrings or repeated imports, "
                             "not what the code does. Make a real change that fixes the issue.")
    base = {p: original(p) for p in contents} if original is not None else {}
    if base and any(before[p] != base[p] for p in contents) and takes_back(contents, base, sandbox):
        raise TakenBackError("Your edit changes only comments, spacing, layout or docstrings of the original code: "
                             "it takes the earlier change back. Make a real change that fixes the issue.")
    for path, text in contents.items():
        if path.endswith(".py") and before.get(path):
            contents[path] = text = tidy(before[path], text)     # comments and layout of unchanged lines back
        sandbox.write_file(path, text)
    diff = strip_diff_noise(sandbox.diff())
    if not diff.strip():
        raise UnchangedError("Your edit does not change the code. Make a real change that fixes the issue.")
    reached.add("changed")
    return diff, contents, rules


def takes_back(contents: dict[str, str], base: dict[str, str], sandbox) -> bool:
    """True when the files an edit writes behave exactly like the base commit's (`base`; `same_behaviour`) and the
    sandbox holds no other change: every change the sample made before is gone but for comments, layout or
    docstrings."""
    if not all(same_behaviour(p, base[p], t) for p, t in contents.items()):
        return False
    return set(diff_paths(strip_diff_noise(sandbox.diff()))) <= set(contents)
