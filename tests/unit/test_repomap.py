from pathlib import Path

import git
import pytest

from agent.repomap import RepoMap, build_repo_map, code_context, load_or_build_repo_map, parse_symbols
from agent.repomap_outline import render_map
from agent.schema import Location

SHAPES = '''"""Geometry shapes."""
import functools


class Shape:
    """Base of every shape.

    More text that is not the first line.
    """

    def area(self) -> float:
        raise NotImplementedError

    @property
    def name(self):
        return type(self).__name__

    class Meta:
        ordering = ["name"]

        def describe(cls):
            return "meta"


@functools.lru_cache(maxsize=None)
def make_square(side: int,
                label: str = "sq",  # shown in reports
                ) -> "Square":
    def helper(x):
        return x * 2
    return Square(helper(side))


async def fetch(url, *, timeout: float = 1.0) -> bytes:
    \'\'\'Download url.\'\'\'
    return b""


if True:
    def conditional():
        pass
'''
BROKEN = '''def fine(a):
    return a


def broken(:
    pass


class Survivor:
    def method(self):
        return 1
'''


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "geo").mkdir(parents=True)
    (root / "geo" / "__init__.py").write_text("from .shapes import Shape\n")
    (root / "geo" / "shapes.py").write_text(SHAPES)
    (root / "geo" / "broken.py").write_text(BROKEN)
    (root / "tests").mkdir()
    (root / "tests" / "test_shapes.py").write_text("def test_area():\n    assert True\n")
    (root / "vendor").mkdir()
    (root / "vendor" / "lib.py").write_text("def vendored():\n    pass\n")
    (root / "geo" / "blob.py").write_bytes(b"\x00\x01binary")
    (root / "README.md").write_text("# geo\n")
    (root / "untracked.py").write_text("def nope():\n    pass\n")
    r = git.Repo.init(root)
    with r.config_writer() as cw:
        cw.set_value("user", "name", "t").set_value("user", "email", "t@example.com")
    r.index.add(["geo/__init__.py", "geo/shapes.py", "geo/broken.py", "tests/test_shapes.py",
                 "vendor/lib.py", "geo/blob.py", "README.md"])
    r.index.commit("init")
    return root


def _symbols(repo_map: RepoMap, path: str) -> dict:
    return {s.qualname: s for s in repo_map.file(path).symbols}


def test_map_lists_tracked_python_files_only(repo):
    m = build_repo_map(repo)
    assert m.commit == git.Repo(repo).head.commit.hexsha
    assert [f.path for f in m.files] == ["geo/__init__.py", "geo/broken.py", "geo/shapes.py",
                                         "tests/test_shapes.py"]


def test_classes_methods_nested_decorators_async(repo):
    syms = _symbols(build_repo_map(repo), "geo/shapes.py")
    assert set(syms) == {"Shape", "Shape.area", "Shape.name", "Shape.Meta", "Shape.Meta.describe",
                         "make_square", "make_square.helper", "fetch", "conditional"}
    assert syms["Shape"].kind == "class" and syms["Shape"].doc == "Base of every shape."
    assert (syms["Shape"].start_line, syms["Shape"].end_line) == (5, 22)
    assert syms["Shape.area"].kind == "method"
    assert syms["Shape.area"].signature == "def area(self) -> float:"
    assert syms["Shape.name"].decorators == ["@property"]
    assert syms["Shape.name"].start_line == 14          # the decorator line, not the def line
    assert syms["Shape.Meta.describe"].kind == "method"
    sq = syms["make_square"]
    assert sq.signature == 'def make_square(side: int, label: str = "sq") -> "Square":'
    assert sq.decorators == ["@functools.lru_cache(maxsize=None)"]
    assert (sq.start_line, sq.end_line) == (25, 31)
    assert syms["make_square.helper"].kind == "function"
    assert syms["fetch"].signature == "async def fetch(url, *, timeout: float = 1.0) -> bytes:"
    assert syms["fetch"].doc == "Download url."
    assert syms["conditional"].start_line == 40


def test_syntax_errors_are_tolerated(repo):
    entry = build_repo_map(repo).file("geo/broken.py")
    assert entry.parse_error
    names = {s.qualname for s in entry.symbols}
    assert {"fine", "Survivor", "Survivor.method"} <= names
    assert entry.n_lines == 11


def test_cache_is_reused_and_rebuilt_when_corrupt(repo, tmp_path):
    cache = tmp_path / "cache"
    commit = git.Repo(repo).head.commit.hexsha
    first = load_or_build_repo_map(repo, commit, cache)
    files = list(cache.iterdir())
    assert len(files) == 1 and commit in files[0].name
    # A cached map is returned as is, even though the working tree changed since.
    (repo / "geo" / "shapes.py").write_text("def only():\n    pass\n")
    assert load_or_build_repo_map(repo, commit, cache) == first
    files[0].write_text('{"commit": "trunc')
    rebuilt = load_or_build_repo_map(repo, commit, cache)
    assert [s.qualname for s in rebuilt.file("geo/shapes.py").symbols] == ["only"]
    assert RepoMap.model_validate_json(files[0].read_text()) == rebuilt
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_render_map_outline(repo):
    text = render_map(build_repo_map(repo))
    lines = text.splitlines()
    assert lines[0] == "geo/__init__.py (1 lines)"
    assert "  class Shape:  # L5-22 Base of every shape." in lines
    assert "    def area(self) -> float:  # L11-12" in lines
    assert "    @property def name(self):  # L14-16" in lines
    assert "  @functools.lru_cache def make_square(side: int, label: str = \"sq\") -> \"Square\":  # L25-31" in lines
    assert not any("helper" in ln for ln in lines)      # nested functions are not part of the outline
    assert lines[-2] == "tests/test_shapes.py (2 lines)"  # tests last


def test_render_map_budget_degrades_detail_but_keeps_paths(repo):
    m = build_repo_map(repo)
    text = render_map(m, max_chars=200)
    assert len(text) <= 200
    for f in m.files:
        assert f.path in text
    only = render_map(m, files=["geo/broken.py", "missing.py"])
    assert only.splitlines()[0] == "geo/broken.py (11 lines)" and "Shape" not in only


def test_render_map_huge_repo_says_what_is_left_out():
    from agent.repomap import FileEntry
    m = RepoMap(commit="x", files=[FileEntry(path=f"pkg/module_{i:04d}.py", symbols=[], n_lines=3)
                                   for i in range(2000)])
    text = render_map(m, max_chars=3000)
    assert len(text) <= 3000
    assert text.startswith("pkg/module_0000.py")
    assert text.splitlines()[-1].startswith("... (") and "more files)" in text


def test_code_context_shows_exact_text_of_located_symbols(repo):
    src = (repo / "geo" / "shapes.py").read_text().splitlines()
    out = code_context(repo, [Location(file="geo/shapes.py", symbol="Shape.Meta.describe"),
                              Location(file="geo/shapes.py", symbol="make_square")], max_chars=4000)
    lines = out.splitlines()
    assert lines[0] == "### geo/shapes.py"
    shown = {int(ln.split(" | ", 1)[0]): ln.split(" | ", 1)[1] for ln in lines if " | " in ln}
    # Enclosing class headers, then the whole method and the whole decorated function, verbatim.
    assert sorted(shown) == [5, 18, 21, 22, 25, 26, 27, 28, 29, 30, 31]
    for n, text in shown.items():
        assert text == src[n - 1]
    assert "..." in lines


def test_code_context_resolves_short_names_files_and_budget(repo):
    out = code_context(repo, [Location(file="geo/broken.py", symbol="method")], max_chars=4000)
    assert "   9 | class Survivor:" in out and "  10 |     def method(self):" in out
    whole = code_context(repo, [Location(file="geo/__init__.py"), Location(file="nope.py"),
                                Location(file="../etc/passwd"), Location(file="/etc/passwd")], max_chars=4000)
    assert whole == "### geo/__init__.py\n   1 | from .shapes import Shape"
    small = code_context(repo, [Location(file="geo/shapes.py")], max_chars=300)
    assert len(small) <= 300 and small.endswith("...") and "   1 | " in small
    by_lines = code_context(repo, [Location(file="geo/shapes.py", start_line=2, end_line=2)], 4000)
    assert "   2 | import functools" in by_lines and "   3 |" not in by_lines


def test_parse_symbols_accepts_text_and_odd_docstrings():
    syms, header_end, broken = parse_symbols('class A(\n    B,\n):\n    f"""not {x} a plain doc"""\n')
    assert not broken and syms[0].signature == "class A(B):" and header_end["A"] == 3
    assert syms[0].doc.startswith("not")


def test_line_numbers_follow_tree_sitter_rows_with_form_feeds(tmp_path):
    # str.splitlines() would split at \f and shift every later line number.
    (tmp_path / "m.py").write_text("x = 1\n\f\ndef f():\n    return 'a\x1cb'\n\r\ndef g():\n    pass\n")
    syms, _, _ = parse_symbols((tmp_path / "m.py").read_bytes())
    assert [(s.name, s.start_line) for s in syms] == [("f", 3), ("g", 6)]
    out = code_context(tmp_path, [Location(file="m.py", symbol="g")], 1000)
    assert out.splitlines()[-2:] == ["   6 | def g():", "   7 |     pass"]


def test_read_repo_text_shows_only_the_repositorys_own_text_files(tmp_path):
    from agent.repomap import read_repo_text
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=abc")
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "ok.py").write_text("x = 1\n")
    (root / "pkg" / "link.py").symlink_to(secret)
    (root / "pkg" / "blob.py").write_bytes(b"\x00\x01binary")
    (root / "pkg" / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    assert read_repo_text(root, "pkg/ok.py") == "x = 1\n"
    for rel in ("pkg/link.py", "pkg/blob.py", "pkg/latin.py", "../secret.txt", str(secret), "pkg", "", "pkg/none.py"):
        assert read_repo_text(root, rel) == "", rel


def test_code_context_outline_shows_a_whole_file_location_as_headers_only(repo):
    locs = [Location(file="geo/shapes.py", symbol="make_square"), Location(file="geo/shapes.py")]
    full = code_context(repo, locs, max_chars=4000)
    out = code_context(repo, locs, max_chars=4000, outline=True)
    shown = {int(ln.split(" | ", 1)[0]): ln.split(" | ", 1)[1] for ln in out.splitlines() if " | " in ln}
    # The located function in full (decorator and multi-line header included); of the rest of the file only
    # the class and def header lines, so no module header or body a small model would copy from the top.
    assert [n for n in range(25, 32)] == [n for n in sorted(shown) if 25 <= n <= 31]
    assert shown[5] == "class Shape:" and shown[11] == "    def area(self) -> float:" and 12 not in shown
    assert 1 not in shown and 2 not in shown and "import functools" in full
    assert len(out) < len(full)
    # A line range or a file without symbols is shown as before.
    by_lines = [Location(file="geo/shapes.py", start_line=2, end_line=2)]
    assert code_context(repo, by_lines, 4000, outline=True) == code_context(repo, by_lines, 4000)
    plain = [Location(file="geo/__init__.py")]
    assert code_context(repo, plain, 4000, outline=True) == "### geo/__init__.py\n   1 | from .shapes import Shape"


def test_code_context_module_doc_heads_each_file_once_and_within_budget(repo, tmp_path):
    from agent.repomap import module_doc_lines
    loc = [Location(file="geo/shapes.py", symbol="make_square"), Location(file="geo/shapes.py", symbol="Shape.area")]
    plain = code_context(repo, loc, max_chars=4000)
    out = code_context(repo, loc, max_chars=4000, module_doc=10)
    lines = out.splitlines()
    assert "   1 | " not in plain and lines[1] == '   1 | """Geometry shapes."""' and out.count('"""Geometry') == 1
    assert lines[2] == "..." and out.replace(lines[1] + "\n", "", 1).replace("...\n...", "...") == plain
    # A long docstring is cut at the cap; a file without one, or that does not parse, shows none.
    src = ['"""Title.', "", "one", "two", "three", '"""', "x = 1"]
    assert list(module_doc_lines(src, 3)) == [1, 2, 3] and list(module_doc_lines(src, 30)) == [1, 2, 3, 4, 5, 6]
    assert not module_doc_lines(["x = 1", '"""late"""'], 5) and not module_doc_lines(["def (:"], 5)
    assert not module_doc_lines(["b'bytes doc'"], 5)
    # The docstring counts against the budget like any line.
    assert len(code_context(repo, loc, max_chars=300, module_doc=10)) <= 300
