"""Lexical localization: BM25 over the repository map, boosted by what the issue names literally."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s

from agent.patches import is_test_file
from agent.repomap import FileEntry, RepoMap, Symbol, split_lines
from agent.schema import Location

MAX_BODY_TOKENS = 400          # long bodies would otherwise drown short, precise functions
MAX_BODY_CHARS = 8000          # ...and tokenizing all of a 3,000-line module costs seconds
RRF_K = 60                     # reciprocal-rank-fusion constant (Cormack et al.): dampens rank-1 dominance
_STOP = {"the", "and", "for", "not", "but", "with", "this", "that", "from", "import", "self", "def", "return",
         "none", "true", "false", "is", "in", "if", "else", "to", "of", "it", "be", "as", "or", "an", "py", "cls"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_TRACE = re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?')
_PATH = re.compile(r"[\w./\\-]+\.py\b")
_DOTTED = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_CODEISH = re.compile(r"`([^`\n]+)`|\b(\w+)\s*\(|\.(\w+)\b|\b(\w*[a-z][A-Z]\w*|\w+_\w+)\b")


def tokenize(text: str) -> list[str]:
    """Identifiers whole and split on _ / camelCase, lower-cased: `getUserName` → getusername, get, user, name."""
    return [tok for word in _WORD.findall(text) for tok in _word_tokens(word)]


@lru_cache(maxsize=100_000)    # code repeats the same identifiers endlessly: split each once
def _word_tokens(word: str) -> tuple[str, ...]:
    pieces = [p.lower() for part in word.split("_") for p in _CAMEL.findall(part)]
    whole = [word.lower()] if len(pieces) > 1 else []
    return tuple(t for t in whole + pieces if len(t) > 1 and t not in _STOP)


@dataclass
class _Doc:
    file: str
    symbol: Symbol | None      # None = the file's module-level code


def _documents(repo_root: Path, repo_map: RepoMap) -> tuple[list[_Doc], list[list[str]]]:
    docs: list[_Doc] = []
    corpus: list[list[str]] = []
    for f in repo_map.files:
        try:
            lines = split_lines((Path(repo_root) / f.path).read_bytes())
        except OSError:
            lines = []
        path_toks = tokenize(f.path.replace("/", " "))
        covered: set[int] = set()
        for s in f.symbols:
            if "." not in s.qualname:
                covered.update(range(s.start_line, s.end_line + 1))
            if s.kind == "class":      # a class body would repeat all its methods: keep the outline only
                methods = " ".join(m.name for m in f.symbols if m.qualname.startswith(s.qualname + "."))
                body = tokenize(methods)
            else:
                body = tokenize("\n".join(lines[s.start_line - 1:s.end_line])[:MAX_BODY_CHARS])[:MAX_BODY_TOKENS]
            docs.append(_Doc(f.path, s))
            corpus.append(path_toks + tokenize(f"{s.qualname} {s.signature} {s.doc}") + body)
        module = "\n".join(ln for i, ln in enumerate(lines, 1) if i not in covered)
        if module.strip():         # an empty __init__.py would match on its path alone
            docs.append(_Doc(f.path, None))
            corpus.append(path_toks + tokenize(module[:MAX_BODY_CHARS])[:MAX_BODY_TOKENS])
    return docs, corpus


def _match_file(raw: str, files: list[str]) -> str | None:
    """The map path a mentioned path refers to (tracebacks carry absolute or site-packages paths)."""
    raw = raw.replace("\\", "/").removeprefix("./")
    if raw in files:
        return raw
    longer = [f for f in files if raw.endswith("/" + f)]
    if longer:
        return max(longer, key=len)
    shorter = [f for f in files if f.endswith("/" + raw)]
    return shorter[0] if len(shorter) == 1 else None      # a bare "__init__.py" names no file


def _innermost(entry: FileEntry, line: int) -> Symbol | None:
    inside = [s for s in entry.symbols if s.start_line <= line <= s.end_line]
    return max(inside, key=lambda s: s.start_line) if inside else None


def _literal_bonus(repo_map: RepoMap, query: str) -> dict[tuple[str, str | None], float]:
    """Extra score for files and symbols the issue names: traceback frames, paths, dotted names, identifiers."""
    files = [f.path for f in repo_map.files]
    by_path = {f.path: f for f in repo_map.files}
    bonus: dict[tuple[str, str | None], float] = {}

    def add(key: tuple[str, str | None], value: float) -> None:
        bonus[key] = bonus.get(key, 0.0) + value

    frames = [(p, int(n), fn) for p, n, fn in _TRACE.findall(query)]
    repo_frames = [(path, n, fn) for p, n, fn in frames if (path := _match_file(p, files))]
    for depth, (path, n, fn) in enumerate(repo_frames):
        sym = _innermost(by_path[path], n)
        # The deepest frame inside the repository is where the error surfaced: weigh it most.
        weight = 2.0 if depth == len(repo_frames) - 1 else 1.0
        add((path, sym.qualname if sym else None), weight)
        add((path, None), 0.3)
    for raw in set(_PATH.findall(query)):
        if (path := _match_file(raw, files)):
            add((path, None), 0.5)
            for s in by_path[path].symbols:      # "in x.py" favours x.py's code over look-alikes elsewhere
                add((path, s.qualname), 0.4)
    for dotted in set(_DOTTED.findall(query)):
        parts = dotted.split(".")
        for i in range(len(parts) - 1, 0, -1):
            module = "/".join(parts[:i])
            path = _match_file(module + ".py", files) or _match_file(module + "/__init__.py", files)
            if path:
                rest = ".".join(parts[i:])
                hit = [s for s in by_path[path].symbols if s.qualname == rest]
                add((path, hit[0].qualname if hit else None), 1.0 if hit else 0.3)
                break
    names = {g for m in _CODEISH.finditer(query) for g in m.groups() if g}
    names = {n for name in names for n in re.split(r"[^\w]+", name) if len(n) > 2}
    owners: dict[str, list[tuple[str, str]]] = {}
    for f in repo_map.files:
        for s in f.symbols:
            owners.setdefault(s.name, []).append((f.path, s.qualname))
    for name in names:
        hits = owners.get(name, [])
        for key in hits:           # a name defined in many places says little about which one
            add(key, 0.6 / len(hits))
    return bonus


def rank_locations(repo_root: Path, repo_map: RepoMap, query: str, k: int = 10,
                   test_weight: float = 0.3) -> list[Location]:
    """Top-k symbols (or files' module code) for the issue text. test_weight scales test files' scores."""
    docs, corpus = _documents(repo_root, repo_map)
    if not docs:
        return []
    scores = [0.0] * len(docs)
    q = tokenize(query)
    if q and any(corpus):
        retriever = bm25s.BM25()
        retriever.index([c or ["\x00"] for c in corpus], show_progress=False)
        raw = retriever.get_scores(q)
        top = float(max(raw)) or 1.0
        scores = [float(s) / top for s in raw]     # BM25 in [0, 1] so literal bonuses have a fixed meaning
    bonus = _literal_bonus(repo_map, query)
    ranked = []
    for i, d in enumerate(docs):
        qual = d.symbol.qualname if d.symbol else None
        score = scores[i] + bonus.get((d.file, qual), 0.0)
        if is_test_file(d.file):
            score *= test_weight
        if score > 0:
            ranked.append((score, i))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    out = []
    for score, i in ranked[:k]:
        d = docs[i]
        n_lines = next((f.n_lines for f in repo_map.files if f.path == d.file), None)
        out.append(Location(file=d.file, symbol=d.symbol.qualname if d.symbol else None,
                            start_line=d.symbol.start_line if d.symbol else 1,
                            end_line=d.symbol.end_line if d.symbol else n_lines, score=round(score, 4)))
    return out


def merge_rankings(rankings: list[list[Location]], k: int = 10) -> list[Location]:
    """Reciprocal-rank fusion across samples; votes = how many rankings name the location."""
    # `total` and `Cart.total` in one file are one place when the short name is unambiguous.
    qualified: dict[tuple[str, str], set[str]] = {}
    for loc in (x for r in rankings for x in r if x.symbol and "." in x.symbol):
        qualified.setdefault((loc.file, loc.symbol.rsplit(".", 1)[1]), set()).add(loc.symbol)

    def canonical(loc: Location) -> tuple[str, str | None]:
        full = qualified.get((loc.file, loc.symbol or ""), set())
        return (loc.file, next(iter(full)) if len(full) == 1 else (loc.symbol or None))

    merged: dict[tuple[str, str | None], Location] = {}
    for ranking in rankings:
        seen: set[tuple[str, str | None]] = set()
        for rank, loc in enumerate(ranking):
            key = canonical(loc)
            if key in seen:        # one sample naming a place twice is still one vote
                continue
            seen.add(key)
            cur = merged.setdefault(key, Location(file=key[0], symbol=key[1]))
            cur.score += 1.0 / (RRF_K + rank + 1)
            cur.votes += 1
            if cur.start_line is None and loc.start_line is not None:
                cur.start_line, cur.end_line = loc.start_line, loc.end_line
    order = {key: i for i, key in enumerate(merged)}
    best = sorted(merged.items(), key=lambda kv: (-kv[1].score, -kv[1].votes, order[kv[0]]))
    return [loc.model_copy(update={"score": round(loc.score, 6)}) for _, loc in best[:k]]
