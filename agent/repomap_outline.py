"""The repository map as a compact outline for prompts (localization): files, classes, signatures
with line ranges, as much detail as the character budget leaves room for. Pure."""
from __future__ import annotations

from agent.patches import is_test_file
from agent.repomap import FileEntry, RepoMap, Symbol


def _symbol_line(s: Symbol, depth: int) -> str:
    decos = "".join(d.split("(")[0] + " " for d in s.decorators)
    doc = f" {s.doc[:60]}" if s.doc else ""      # a hint of purpose; the budget is for structure
    return f"{'  ' * depth}{decos}{s.signature}  # L{s.start_line}-{s.end_line}{doc}"


def _render_file(f: FileEntry, level: int) -> str:
    head = f"{f.path} ({f.n_lines} lines)"
    if level == 0 or not f.symbols:
        return head
    # Functions nested in functions are implementation detail: the outline shows classes and their defs.
    shown = [s for s in f.symbols if s.kind != "function" or "." not in s.qualname]
    if level == 1:
        return head + ": " + ", ".join(s.qualname for s in shown if s.kind == "class" or "." not in s.qualname)
    return "\n".join([head] + [_symbol_line(s, 1 + s.qualname.count(".")) for s in shown])


def render_map(repo_map: RepoMap, files: list[str] | None = None, max_chars: int = 6000) -> str:
    """Compact outline. Every file gets the most detail that still leaves room for the paths of the rest."""
    by_path = {f.path: f for f in repo_map.files}
    entries = ([by_path[p] for p in files if p in by_path] if files is not None
               else sorted(repo_map.files, key=lambda f: is_test_file(f.path)))   # tests rarely hold the bug
    total = len(entries)
    budget = max_chars - 30                      # room for the "... (N more files)" marker
    paths = [len(_render_file(f, 0)) + 1 for f in entries]
    if sum(paths) > budget:                      # huge repo: list paths in half, detail in the other half
        n, acc = 0, 0
        while n < len(entries) and acc + paths[n] <= budget // 2:
            acc, n = acc + paths[n], n + 1
        entries, paths = entries[:n], paths[:n]
    dropped = total - len(entries)
    reserve = [sum(paths[i:]) for i in range(len(paths) + 1)]
    lines: list[str] = []
    used = 0
    for i, f in enumerate(entries):
        room = budget - used - reserve[i + 1]
        text = next((t for t in (_render_file(f, lvl) for lvl in (2, 1, 0)) if len(t) + 1 <= room), None)
        if text is None:                         # only when even a path is too long for max_chars
            dropped += len(entries) - i
            break
        lines.append(text)
        used += len(text) + 1
    if dropped > 0:
        lines.append(f"... ({dropped} more files)")
    return "\n".join(lines)
