"""One-token repair mutants (agent/mutate.py) and how kept ones become candidates (pure parts)."""
import ast
import difflib

from agent.focus import Target
from agent.mutate import function_span, mutants
from agent.patches import dedup_candidates
from agent.stages.patch_mutants import candidate_mutants

SRC = '''"""Temperatures."""
LIMIT = 100


def to_f(c):
    return c * 9 / 5 - 32


def in_range(x, low=0):
    if x < LIMIT and x >= low:
        return True
    return False


class Box:
    def __init__(self, size, ttl=0):
        self.size = size
        self.ttl = ttl

    def halve(self):
        self.size //= 2
        return self.size
'''


def _changed_lines(a: str, b: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(a.split("\n"), b.split("\n"), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def _all(src=SRC, names=("to_f", "in_range", "Box.__init__", "Box.halve")):
    return mutants("m.py", src, [function_span(src, n) for n in names], limit=1000)


def test_function_span_finds_functions_and_methods():
    assert function_span(SRC, "to_f") == (5, 6)
    assert function_span(SRC, "Box.halve") == (20, 22)
    assert function_span(SRC, "Box") is None and function_span(SRC, "nope") is None
    assert function_span("def broken(:\n", "broken") is None


def test_each_mutant_changes_one_token_and_still_parses():
    found = _all()
    assert len({m.text for m in found}) == len(found)           # no duplicates
    original = ast.dump(ast.parse(SRC))
    for m in found:
        assert ast.dump(ast.parse(m.text)) != original, m.rule
        changed = _changed_lines(SRC, m.text)
        assert len(changed) == 2, (m.rule, changed)              # one line out, one line in
    rules = {m.rule.split(" (line")[0] for m in found}
    assert {"op - -> +", "cmp < -> <=", "cmp >= -> >", "bool and -> or", "op //= -> /=", "default 0 -> None",
            "const True -> False", "negate condition", "swap operands of -"} <= rules


def test_the_fix_is_among_the_mutants_and_nothing_else_moves():
    fixed = SRC.replace("c * 9 / 5 - 32", "c * 9 / 5 + 32")
    assert [m.rule for m in _all() if m.text == fixed] == ["op - -> + (line 6)"]


def test_only_code_inside_the_spans_is_mutated():
    only = mutants("m.py", SRC, [function_span(SRC, "to_f")], limit=1000)
    assert only and all(m.line == 6 for m in only)
    assert "LIMIT = 100" in only[0].text and all("LIMIT = 101" not in m.text for m in only)


def test_columns_are_utf8_bytes_not_characters():
    src = 'def label(n):\n    return "température: ±" if n <= 0 else "ok"\n'
    strict = [m for m in mutants("m.py", src, [(1, 2)]) if m.rule.startswith("cmp <= -> <")]
    assert strict and strict[0].text == src.replace("n <= 0", "n < 0")


def test_call_and_attribute_repairs():
    src = ('def words(text):\n    return text.split(" ")\n\n\n'
           'def join(b, r):\n    return mix(b.path, r.query, 3)\n\n\n'
           'def span(a, b):\n    return list(range(a, b))\n')
    texts: dict[str, str] = {}
    for m in mutants("m.py", src, [(1, 2), (5, 6), (9, 10)], limit=1000):
        texts[m.rule.split(" (line")[0]] = texts.get(m.rule.split(" (line")[0], "") + m.text
    assert "text.split()" in texts["drop last argument"]
    assert "mix(r.path, r.query, 3)" in texts["b.path -> r.path"]
    assert "range(a, b + 1)" in texts["range end + 1"]
    assert "mix(r.query, b.path, 3)" in texts["swap arguments"] and "range(b, a)" in texts["swap arguments"]


def test_sibling_methods_and_builtins():
    """`.lower()` -> `.casefold()` (caseless matching), `min` -> `max`: one name, the call stays."""
    src = 'def key(tag):\n    return tag.strip().lower(), min(len(tag), 3)\n'
    by_rule = {m.rule.split(" (line")[0]: m.text for m in mutants("m.py", src, [(1, 2)], limit=1000)}
    assert by_rule["call lower -> casefold"] == src.replace(".lower()", ".casefold()")
    assert by_rule["call min -> max"] == src.replace("min(", "max(")
    assert "tag.rstrip().lower()" in by_rule["call strip -> rstrip"]
    assert not any(r.startswith("call len") for r in by_rule)      # no sibling: untouched


def test_limit_and_unparsable_source():
    assert len(_all()[:3]) == 3 and len(mutants("m.py", SRC, [(1, 30)], limit=3)) == 3
    assert mutants("m.py", "def f(:\n", [(1, 1)]) == []


def test_candidate_mutants_take_turns_between_functions_located_first():
    targets = [Target("m.py", "in_range", called_by="to_f"), Target("m.py", "to_f")]
    got = candidate_mutants({"m.py": SRC}, targets, limit=4)
    assert [m.line for m in got][:2] == [6, 10]      # to_f (located) first, then its helper, in turns
    assert len(got) == 4
    # A located test function is what a fix must satisfy: it is never mutated.
    assert candidate_mutants({"tests/test_m.py": SRC}, [Target("tests/test_m.py", "to_f")], limit=10) == []


def test_a_kept_mutant_joins_a_sampled_candidate_or_stands_alone_without_votes():
    fixed = SRC.replace("- 32", "+ 32")
    other = SRC.replace("x < LIMIT", "x <= LIMIT")
    diff = lambda new: "".join(difflib.unified_diff(SRC.splitlines(True), new.splitlines(True), "a/m.py", "b/m.py"))  # noqa: E731
    cands = dedup_candidates([(0, diff(fixed), {"m.py": fixed}), (1, diff(fixed), {"m.py": fixed})],
                             [("op - -> + (line 6)", diff(fixed), {"m.py": fixed}),
                              ("cmp < -> <= (line 10)", diff(other), {"m.py": other})])
    assert [(c.samples, c.mutants) for c in cands] == [([0, 1], ["op - -> + (line 6)"]), ([], ["cmp < -> <= (line 10)"])]
    assert [c.count for c in cands] == [2, 0]


def test_a_dead_sandbox_skips_the_search_without_saving_it(tmp_path):
    """A dead engine costs the repairs, never the run: nothing kept, nothing saved (a resume retries)."""
    from types import SimpleNamespace

    from agent.config import load_config
    from agent.runfolder import MUTANTS, RunFolder
    from agent.schema import TestCase
    from agent.stages.patch_mutants import try_mutants

    def dead():
        raise RuntimeError("Cannot connect to the Docker daemon")
    ctx = SimpleNamespace(run=RunFolder(tmp_path), new_sandbox=dead, config=load_config(None, []))
    check = TestCase(id="i000", sample=0, path="test_i.py", content="", command="pytest", kept=True, origin="issue")
    record = try_mutants(ctx, {"m.py": SRC}, [Target("m.py", "to_f")], [check], limit=10)
    assert record.tried == [] and record.kept == [] and "Docker daemon" in record.error
    assert not (tmp_path / MUTANTS).exists()


def test_repairs_need_a_check_that_states_a_value():
    """'The error must disappear' is met by any mutant that takes another path: alone it drives no search."""
    from agent.schema import TestCase
    from agent.stages.patch_mutants import mutation_checks

    def case(id_, kind, origin="issue", kept=True):
        return TestCase(id=id_, sample=0, path=f"test_{id_}.py", content="", command="pytest", kept=kept,
                        origin=origin, check_kind=kind)
    no_error = case("i000", "not_raises")
    assert mutation_checks([no_error]) == []
    assert mutation_checks([no_error, case("t000", "", origin="model")]) == []      # a model test states nothing
    value = case("i001", "equals")
    assert [t.id for t in mutation_checks([no_error, value])] == ["i000", "i001"]  # both must pass
    assert [t.id for t in mutation_checks([case("i002", "raises_not")])] == ["i002"]
    assert mutation_checks([case("i003", "equals", kept=False)]) == []
    assert [t.id for t in mutation_checks([case("v000", "equals", origin="issue_value")])] == ["v000"]
    assert [t.id for t in mutation_checks([case("i004", "")])] == ["i004"]         # older run folders: no kind


CART = '''class Cart:
    def __init__(self, customer: str, items=[], *, tags: dict = dict(), size=0):
        """A cart."""
        self.customer = customer
        self.items = items
        self.tags = tags
'''


def _run(src: str, mods: dict) -> dict:
    ns: dict = {}
    exec(compile(src, "m.py", "exec"), ns)
    for n, v in mods.items():
        ns[n] = v
    return ns


def test_a_shared_mutable_default_becomes_none_and_is_made_in_the_body():
    span = function_span(CART, "Cart.__init__")
    found = {m.rule.split(" (line")[0]: m for m in mutants("m.py", CART, [span], limit=1000)}
    items = found["default [] -> None, made in the body"]
    assert "items=None, *, tags: dict = dict()" in items.text
    assert '        """A cart."""\n        if items is None:\n            items = []\n        self.customer' in items.text
    Cart = _run(items.text, {})["Cart"]
    a, b = Cart("ann"), Cart("bob")
    a.items.append("tea")
    assert b.items == [] and Cart("cy", ["cup"]).items == ["cup"]
    tags = found["default dict() -> None, made in the body"]
    assert "tags: dict = None, size=0):" in tags.text and "        if tags is None:\n            tags = dict()\n" in tags.text
    assert all("size" not in r or "None, made" not in r for r in found)      # 0 is not mutable


def test_no_mutable_default_template_without_a_body_line_of_its_own():
    one_line = "def f(x=[]): return x\n"
    assert not [m for m in mutants("m.py", one_line, [(1, 1)], limit=1000) if "made in the body" in m.rule]
    only_doc = 'def f(x={}):\n    """Nothing else."""\n'
    assert not [m for m in mutants("m.py", only_doc, [(1, 2)], limit=1000) if "made in the body" in m.rule]
    plain = "def f(x=[]):\n    x.append(1)\n    return x\n"
    (m,) = [m for m in mutants("m.py", plain, [(1, 3)], limit=1000) if "made in the body" in m.rule]
    f = _run(m.text, {})["f"]
    assert f() == [1] and f() == [1]
