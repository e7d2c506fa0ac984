"""Repository map (files → classes → functions) from tree-sitter, and exact source excerpts for prompts."""
from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import git
import tree_sitter
import tree_sitter_python
from pydantic import BaseModel, ValidationError

from agent.cloze import is_docstring_stmt
from agent.runfolder import atomic_write_text
from agent.schema import Location

MAX_FILE_BYTES = 500_000       # bigger .py files are generated tables, not code anyone localizes to
VENDORED = {"vendor", "vendored", "_vendor", "third_party", "thirdparty", "node_modules", "site-packages",
            ".venv", "venv", ".tox", ".git"}
CACHE_VERSION = 1              # bump when Symbol/FileEntry change so old caches are rebuilt
# Statement containers a def can hide in (if TYPE_CHECKING:, try/except ImportError, error recovery).
_CONTAINERS = {"module", "block", "ERROR", "if_statement", "elif_clause", "else_clause", "try_statement",
               "except_clause", "except_group_clause", "finally_clause", "with_statement", "for_statement",
               "while_statement", "match_statement", "case_clause"}


class Symbol(BaseModel):
    kind: Literal["class", "function", "method"]
    name: str
    qualname: str                  # "Class.method", "outer.inner"
    signature: str                 # header up to the colon, whitespace collapsed
    doc: str = ""                  # first docstring line
    start_line: int                # 1-based, includes decorators (so an edit can replace them too)
    end_line: int
    decorators: list[str] = []


class FileEntry(BaseModel):
    path: str
    symbols: list[Symbol]
    n_lines: int
    parse_error: bool = False


class RepoMap(BaseModel):
    commit: str
    files: list[FileEntry]

    def file(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


def _text(src: bytes, node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _collapse(text: str) -> str:
    if "\n" in text:               # multi-line parameter lists may carry comments
        text = re.sub(r"#[^\n]*", "", text)
    text = " ".join(text.split())
    return re.sub(r",?\s*\)", ")", re.sub(r"\(\s+", "(", text))


def _docstring(src: bytes, body) -> str:
    first = next((c for c in body.named_children if c.type != "comment"), None) if body else None
    if first is None or first.type != "expression_statement" or not first.named_children:
        return ""
    node = first.named_children[0]
    if node.type not in ("string", "concatenated_string"):
        return ""
    raw = _text(src, node)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw.strip("\"'rRbBuUfF")
    lines = [ln.strip() for ln in str(value).splitlines() if ln.strip()]
    return lines[0][:120] if lines else ""


def parse_symbols(source: str | bytes) -> tuple[list[Symbol], dict[str, int], bool]:
    """Symbols of one Python file, the last header line of each qualname, and whether it had errors."""
    src = source.encode("utf-8") if isinstance(source, str) else source
    tree = _parser().parse(src)
    out: list[Symbol] = []
    header_end: dict[str, int] = {}

    def emit(defn, outer, scope: list[tuple[str, str]]) -> None:
        name_node = defn.child_by_field_name("name")
        if name_node is None:
            return
        name = _text(src, name_node)
        in_class = bool(scope) and scope[-1][0] == "class"
        kind = "class" if defn.type == "class_definition" else ("method" if in_class else "function")
        qualname = ".".join([n for _, n in scope] + [name])
        body = defn.child_by_field_name("body")
        head_end = body.start_byte if body is not None else defn.end_byte
        header = src[defn.start_byte:head_end].decode("utf-8", "replace").rstrip()
        header = header if body is not None else header.split("\n")[0]
        decorators = [_collapse(_text(src, d)) for d in outer.children if d.type == "decorator"]
        out.append(Symbol(kind=kind, name=name, qualname=qualname, signature=_collapse(header)[:300],
                          doc=_docstring(src, body), start_line=outer.start_point.row + 1,
                          end_line=defn.end_point.row + 1, decorators=decorators))
        header_end.setdefault(qualname, defn.start_point.row + 1 + header.count("\n"))
        if body is not None:
            walk(body, scope + [(kind, name)])

    def walk(node, scope: list[tuple[str, str]]) -> None:
        for child in node.children:
            if child.type == "decorated_definition":
                defn = child.child_by_field_name("definition")
                if defn is not None:
                    emit(defn, child, scope)
            elif child.type in ("function_definition", "class_definition"):
                emit(child, child, scope)
            elif child.type in _CONTAINERS:
                walk(child, scope)

    walk(tree.root_node, [])
    return out, header_end, tree.root_node.has_error


def _python_files(root: Path) -> list[str]:
    try:
        listed = git.Repo(root).git.ls_files("-z").split("\0")
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError):
        listed = [p.relative_to(root).as_posix() for p in root.rglob("*.py")]
    return sorted(p for p in listed if p.endswith(".py") and not VENDORED.intersection(p.split("/")[:-1]))


def _read_source(root: Path, rel: str) -> bytes | None:
    p = root / rel
    if p.is_symlink() or not p.is_file() or p.stat().st_size > MAX_FILE_BYTES:
        return None
    src = p.read_bytes()
    return None if b"\0" in src[:8192] else src     # binary blob with a .py name


def _leaves_repo(rel: str) -> bool:
    return rel.startswith("/") or ".." in rel.split("/")


def read_repo_text(root: Path, rel: str) -> str:
    """A repository file's text for a prompt, or "" when it must not or cannot be shown: a path
    leaving the repository, a symlink (it could point at the host's secrets), a directory, a file
    over MAX_FILE_BYTES, a binary or non-UTF-8 file."""
    if not rel or _leaves_repo(rel):
        return ""
    src = _read_source(Path(root), rel)
    try:
        return src.decode("utf-8") if src is not None else ""
    except UnicodeDecodeError:
        return ""


def split_lines(src: bytes) -> list[str]:
    r"""Lines as tree-sitter counts them (only \n ends a line; str.splitlines also splits on \f, \x1c)."""
    lines = src.decode("utf-8", "replace").split("\n")
    return [ln.removesuffix("\r") for ln in (lines[:-1] if lines[-1] == "" else lines)]


def build_repo_map(repo_root: Path) -> RepoMap:
    root = Path(repo_root)
    try:
        commit = git.Repo(root).head.commit.hexsha
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        commit = ""
    files = []
    for rel in _python_files(root):
        src = _read_source(root, rel)
        if src is None:
            continue
        symbols, _, broken = parse_symbols(src)
        files.append(FileEntry(path=rel, symbols=symbols, n_lines=len(split_lines(src)), parse_error=broken))
    return RepoMap(commit=commit, files=files)


def load_or_build_repo_map(repo_root: Path, commit: str, cache_dir: Path) -> RepoMap:
    """The map of repo_root at `commit`, from cache_dir when a valid entry exists (commits are immutable)."""
    path = Path(cache_dir) / f"repomap-v{CACHE_VERSION}-{commit}.json"
    if commit and path.is_file():
        try:
            cached = RepoMap.model_validate_json(path.read_text(encoding="utf-8"))
            if cached.commit == commit:
                return cached
        except (ValidationError, ValueError, OSError):
            pass                   # corrupt or half-written by an old version: rebuild below
    repo_map = build_repo_map(repo_root)
    repo_map.commit = commit or repo_map.commit
    if commit:
        atomic_write_text(path, repo_map.model_dump_json())
    return repo_map


# ---------------------------------------------------------------- exact code for edit prompts
def _ranges_for(loc: Location, symbols: list[Symbol], header_end: dict[str, int],
                n_lines: int, outline: bool = False) -> list[tuple[int, int]]:
    """Line ranges to show for one location: enclosing class headers first, then the symbol itself.
    With `outline`, a location that names a whole file shows only its class and def headers."""
    whole = not loc.symbol and (not loc.start_line or (loc.start_line <= 1 and (loc.end_line or 0) >= n_lines))
    if outline and whole and symbols:
        return [(s.start_line, header_end.get(s.qualname, s.start_line)) for s in symbols]
    sym = None
    if loc.symbol:
        want = loc.symbol.strip().removesuffix("()")
        sym = next((s for s in symbols if s.qualname == want), None) or next(
            (s for s in symbols if s.qualname.endswith("." + want) or s.name == want.split(".")[-1]), None)
    if sym is None:
        return [(loc.start_line, loc.end_line or loc.start_line)] if loc.start_line else [(1, n_lines)]
    parts = sym.qualname.split(".")
    ranges = []
    for i in range(1, len(parts)):
        outer = next((s for s in symbols if s.qualname == ".".join(parts[:i])), None)
        if outer is not None and outer.kind == "class":
            ranges.append((outer.start_line, header_end.get(outer.qualname, outer.start_line)))
    return ranges + [(sym.start_line, sym.end_line)]


def module_doc_lines(lines: list[str], max_lines: int) -> range:
    """Line numbers (1-based) of the module docstring's first `max_lines` lines; empty when it has none. Pure."""
    try:
        body = ast.parse("\n".join(lines)).body
    except (SyntaxError, ValueError):
        return range(0)
    first = body[0] if body else None
    if first is None or not is_docstring_stmt(first):
        return range(0)
    return range(first.lineno, min(first.end_lineno or first.lineno, first.lineno + max_lines - 1) + 1)


def code_context(repo_root: Path, locations: list[Location], max_chars: int = 6000, outline: bool = False,
                 module_doc: int = 0) -> str:
    """Exact file text of the located symbols with line numbers, merged per file, in ranking order.

    outline: a whole-file location adds only the file's class and def header lines (for answers that
    rewrite one function: a small model shown a whole file copies it from the top, past the reply cap).
    module_doc: each shown file's module docstring first (at most this many lines; 0 = none): where a
    project states what its functions must do."""
    root = Path(repo_root)
    files: dict[str, list[str]] = {}
    parsed: dict[str, tuple[list[Symbol], dict[str, int]]] = {}
    chosen: dict[str, set[int]] = {}
    truncated: set[str] = set()
    used = 0
    for loc in locations:
        if loc.file not in files:
            src = None if _leaves_repo(loc.file) else _read_source(root, loc.file)
            if src is None:
                continue
            files[loc.file] = split_lines(src)
            parsed[loc.file] = parse_symbols(src)[:2] if loc.file.endswith(".py") else ([], {})
            chosen[loc.file] = set()
            used += len(loc.file) + 16           # "### path", leading/trailing "...", blank line
            head = list(module_doc_lines(files[loc.file], module_doc)) if module_doc and loc.file.endswith(".py") else []
        else:
            head = []
        lines, (symbols, header_end), seen = files[loc.file], parsed[loc.file], chosen[loc.file]
        used += 4                                # at most one "..." gap marker per location
        wanted = head + [n for a, b in _ranges_for(loc, symbols, header_end, len(lines), outline)
                         for n in range(max(a, 1), min(b, len(lines)) + 1)]
        for n in dict.fromkeys(wanted):
            if n in seen:
                continue
            cost = len(lines[n - 1]) + max(len(str(n)), 4) + 4
            if used + cost > max_chars:          # show the head of the symbol, then stop for this one
                truncated.add(loc.file)
                break
            seen.add(n)
            used += cost
        if max_chars - used < 200:
            break
    return "\n\n".join(_render_excerpt(path, files[path], sorted(nums), path in truncated)
                       for path, nums in chosen.items() if nums)


def _render_excerpt(path: str, lines: list[str], nums: list[int], truncated: bool) -> str:
    out = [f"### {path}"] + (["..."] if nums[0] > 1 else [])
    prev = 0
    for n in nums:
        if prev and n != prev + 1:
            out.append("...")
        out.append(f"{n:>4} | {lines[n - 1]}")
        prev = n
    if truncated or (nums and nums[-1] < len(lines)):
        out.append("...")
    return "\n".join(out)
