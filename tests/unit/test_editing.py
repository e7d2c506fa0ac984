"""Edits that land: tolerant SEARCH/REPLACE, the function splicer, whole-file replies, the format choice."""
import textwrap

import pytest

from agent.editing import apply_search_replace, choose_format, compiles, is_small_model
from agent.parsing import FormatError
from agent.search_replace import Edit
from agent.splice import FunctionEdit, parse_function_rewrite, parse_whole_file, splice_function, without_echo


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


PRICES = d("""
    class Cart:
        def total(self, items):
            total = 0
            for item in items:
                if item.taxable:
                    total += item.price * TAX_RATE
                else:
                    total += item.price
            return total

        def count(self, items):
            return len(items)
    """)


# ------------------------------------------------------------ SEARCH/REPLACE
def test_exact_match_replaces_the_first_occurrence_like_apply_edit():
    content = "x = 1\ny = 2\nx = 1\n"
    new, rule = apply_search_replace(content, Edit("m.py", "x = 1", "x = 3"))
    assert (new, rule) == ("x = 3\ny = 2\nx = 1\n", "exact")


def test_trailing_spaces_in_the_file_land_by_the_whitespace_rule():
    content = "def f(a):   \n    b = a + 1  \n    return b\n"
    new, rule = apply_search_replace(content, Edit("m.py", "def f(a):\n    b = a + 1\n", "def f(a):\n    b = a - 1\n"))
    assert rule == "whitespace"
    assert new == "def f(a):\n    b = a - 1\n    return b\n"


def test_indentation_drift_reindents_the_replacement_by_the_shift():
    search = "for item in items:\n    if item.taxable:\n        total += item.price * TAX_RATE\n"
    replace = "for item in items:\n    if item.taxable:\n        total += item.price * (1 + TAX_RATE)\n"
    new, rule = apply_search_replace(PRICES, Edit("cart.py", search, replace))
    assert rule == "indentation"
    assert "            if item.taxable:\n                total += item.price * (1 + TAX_RATE)\n" in new
    assert new.replace("(1 + TAX_RATE)", "TAX_RATE") == PRICES


def test_a_paraphrased_line_lands_by_the_fuzzy_rule_in_the_right_place():
    # The model renamed `item` to `it` on one line and dropped the indentation: neither strict rule applies.
    search = ("total = 0\nfor it in items:\n    if item.taxable:\n        total += item.price * TAX_RATE\n"
              "    else:\n        total += item.price\nreturn total\n")
    replace = ("total = 0\nfor item in items:\n    if item.taxable:\n        total += item.price * (1 + TAX_RATE)\n"
               "    else:\n        total += item.price\nreturn round(total, 2)\n")
    new, rule = apply_search_replace(PRICES, Edit("cart.py", search, replace))
    assert rule == "fuzzy"
    want = PRICES.replace("item.price * TAX_RATE", "item.price * (1 + TAX_RATE)").replace(
        "        return total\n", "        return round(total, 2)\n")
    assert new == want


def test_fuzzy_tolerates_a_dropped_blank_line_without_leaving_lines_behind():
    content = d("""
        def load(path):
            with open(path) as fh:
                data = fh.read()

            rows = data.splitlines()
            return [r.split(",") for r in rows]


        def other():
            pass
        """)
    search = ("def load(path):\n    with open(path) as fh:\n        data = fh.read()\n"
              "    rows = data.splitlines()\n    return [r.split(',') for r in rows]\n")
    replace = "def load(path):\n    with open(path) as fh:\n        return [r.split(',') for r in fh.read().splitlines()]\n"
    new, rule = apply_search_replace(content, Edit("io.py", search, replace))
    assert rule == "fuzzy"
    assert new == replace + "\n\ndef other():\n    pass\n"


def test_two_equally_good_fuzzy_matches_are_refused_quoting_both():
    body = "    value = compute(x)\n    if value > LIMIT:\n        value = LIMIT\n    return value\n"
    content = "def a(x):\n" + body + "\n\ndef b(x):\n" + body
    search = "    val = compute(x)\n    if value > LIMIT:\n        value = LIMIT\n    return value\n"
    with pytest.raises(FormatError) as err:
        apply_search_replace(content, Edit("m.py", search, search.replace("LIMIT:", "LIMIT + 1:")))
    msg = str(err.value)
    assert "two places" in msg and "(lines 2-5 and 9-12)" in msg


@pytest.mark.timeout(30)
def test_fuzzy_finds_the_one_place_in_a_large_file_quickly():
    # 3,000 lines of near-identical functions: only func_170's lines are the SEARCH's, one renamed.
    funcs = [f"def func_{f}(a, b):\n    total_{f} = a * {f}\n    other = b - {f}\n    return total_{f} + other\n"
             for f in range(750)]
    content = "\n\n".join(funcs)
    search = "def func_170(a, b):\n    tot_170 = a * 170\n    other = b - 170\n    return total_170 + other\n"
    new, rule = apply_search_replace(content, Edit("big.py", search, search.replace("b - 170", "b + 170")))
    assert rule == "fuzzy"
    assert new == content.replace("def func_170(a, b):\n    total_170 = a * 170\n    other = b - 170",
                                  "def func_170(a, b):\n    tot_170 = a * 170\n    other = b + 170")


def test_nothing_above_the_threshold_is_refused_quoting_the_closest_lines():
    search = "subtotal = sum(p.cost for p in products)\nreturn subtotal * DISCOUNT_FACTOR\n"
    with pytest.raises(FormatError) as err:
        apply_search_replace(PRICES, Edit("cart.py", search, "return 0\n"))
    msg = str(err.value)
    assert "not found in cart.py" in msg and "similar" in msg
    assert "```\n" in msg and "item.price" in msg  # real lines of the file, ready to copy


def test_a_short_search_is_never_matched_fuzzily():
    with pytest.raises(FormatError, match="not found"):
        apply_search_replace("def f():\n    return y\n", Edit("m.py", "return x", "return z"))


def test_no_op_and_empty_search_are_refused_and_an_empty_file_is_created():
    with pytest.raises(FormatError, match="are the same"):
        apply_search_replace(PRICES, Edit("cart.py", "return total", "return total  \n"))
    with pytest.raises(FormatError, match="is empty"):
        apply_search_replace(PRICES, Edit("cart.py", "", "x = 1\n"))
    assert apply_search_replace("", Edit("new.py", "", "x = 1")) == ("x = 1\n", "new_file")


def test_crlf_files_match_lf_searches_and_keep_crlf_line_endings():
    crlf = PRICES.replace("\n", "\r\n")
    new, rule = apply_search_replace(crlf, Edit("cart.py", "    def count(self, items):\n        return len(items)\n",
                                                "    def count(self, items):\n        return sum(1 for _ in items)\n"))
    assert rule == "exact"
    assert new == PRICES.replace("len(items)", "sum(1 for _ in items)").replace("\n", "\r\n")
    search = "def count(self, things):\n    return len(items)\n"  # paraphrased and dedented
    new, rule = apply_search_replace(crlf, Edit("cart.py", search, "def count(self, items):\n    return 0\n"))
    assert rule == "fuzzy"
    assert new == PRICES.replace("return len(items)", "return 0").replace("\n", "\r\n")


# ------------------------------------------------------------ format choice
@pytest.mark.parametrize("name,api_base,small", [
    (None, None, True),                                            # the embedded model
    ("openai/qwen2.5-coder-1.5b-instruct", "http://127.0.0.1:8080/v1", True),
    ("openai/anything", "http://localhost:11434/v1", True),
    ("ollama/smollm2", None, True),
    ("deepseek/deepseek-coder-6.7b-instruct", None, True),
    ("together_ai/Qwen/Qwen2.5-Coder-32B-Instruct", None, False),  # the size beats the family
    ("groq/codellama-13b", None, False),                           # 13b is not 3b
    ("groq/llama-3.1-70b-versatile", None, False),
    ("anthropic/claude-sonnet-4-5", None, False),
    ("openai/gpt-4o", "https://api.openai.com/v1", False),
])
def test_small_models_are_told_by_address_size_or_family(name, api_base, small):
    assert is_small_model(name, api_base) is small


def test_choose_format_honours_the_configuration_then_size_then_model():
    assert choose_format("anthropic/claude-sonnet-4-5", 100_000, "whole_file") == "whole_file"
    assert choose_format(None, 500, "search_replace") == "search_replace"
    assert choose_format("anthropic/claude-sonnet-4-5", 2_000, "auto") == "whole_file"
    assert choose_format(None, 20_000, "auto") == "function"
    assert choose_format("anthropic/claude-sonnet-4-5", 20_000, "auto") == "search_replace"
    assert choose_format("openai/custom", 20_000, "auto", api_base="http://127.0.0.1:9000/v1") == "function"
    with pytest.raises(ValueError):
        choose_format(None, 100, "diff")


def test_compiles_reports_the_line_and_ignores_other_files():
    assert compiles("m.py", "def f():\n    return 1\n") is None
    msg = compiles("m.py", "def f():\n    return (1\n\nx = 2\n")
    assert msg and msg.startswith("m.py has a syntax error at line") and "(" in msg
    assert "line 3" in compiles("m.py", "def f():\n    x = 1\n      y = 2\n")
    assert compiles("README.md", "def (:") is None


# ------------------------------------------------------------ function format
def test_parse_function_rewrite_reads_paths_blocks_and_imports():
    reply = ("I will fix it.\n\n**pkg/cart.py**\n```python\n    def total(self, items):\n        return 0\n```\n"
             "And a helper:\n```python pkg/util.py\nimport math\n\n@cache\ndef r(x):\n    return math.floor(x)\n"
             "\n\ndef s():\n    pass\n```\n")
    edits = parse_function_rewrite(reply)
    # One edit per block: its definitions land together, so an unchanged one beside a changed one is no error.
    assert edits == [
        FunctionEdit("pkg/cart.py", "def total(self, items):\n    return 0\n"),
        FunctionEdit("pkg/util.py", "import math\n\n@cache\ndef r(x):\n    return math.floor(x)\n\n\ndef s():\n    pass\n"),
    ]


def test_parse_function_rewrite_takes_the_default_path_and_salvages_a_cut_off_reply():
    assert parse_function_rewrite("Here it is:\n```python\ndef f():\n    pass\n```", "pkg/m.py") == [
        FunctionEdit("pkg/m.py", "def f():\n    pass\n")]
    # Cut off by the token limit inside g: f and the class's complete method survive, g does not.
    cut = "m.py\n```python\ndef f():\n    return 2\n\nclass C:\n    def a(self):\n        return 1\n\n    @property\n    def g(self):\n        return [1,"
    assert parse_function_rewrite(cut) == [
        FunctionEdit("m.py", "def f():\n    return 2\n\nclass C:\n    def a(self):\n        return 1\n")]


def test_whole_module_in_a_function_block_lands_its_changed_parts_only():
    original = "import os\n\nLIMIT = 10\nWEEKEND = (6, 7)  # Sat, Sun\n\n\ndef f(x):\n    return x < LIMIT\n\n\ndef g():\n    return os.sep\n"
    reply = "m.py\n```python\nimport os\n\nLIMIT = 10\nWEEKEND = (5, 6)\n\ndef f(x):\n    return x < LIMIT\n\ndef g():\n    return os.sep\n```"
    (edit,) = parse_function_rewrite(reply)
    new, rule = splice_function(original, edit.source, "m.py")
    assert new == original.replace("WEEKEND = (6, 7)  # Sat, Sun", "WEEKEND = (5, 6)")
    assert rule == "function:=WEEKEND"
    with pytest.raises(FormatError, match="more than definitions"):   # a statement the file has no match for
        splice_function(original, "print('hi')\n\ndef f(x):\n    return x <= LIMIT\n", "m.py")


def test_parse_function_rewrite_refuses_what_it_cannot_use():
    with pytest.raises(FormatError, match="no file path"):
        parse_function_rewrite("```python\ndef f():\n    pass\n```")
    with pytest.raises(FormatError, match="syntax error at line 2"):
        parse_function_rewrite("m.py\n```python\ndef f():\nreturn 1\n```")
    with pytest.raises(FormatError, match="cut off"):
        parse_function_rewrite("m.py\n```python\ndef f():\n    return [1,")
    with pytest.raises(FormatError, match="No ```python block"):
        parse_function_rewrite("m.py\n```bash\npytest\n```")


MODULE = d("""
    import functools


    def helper(x):
        return x + 1


    @functools.lru_cache(maxsize=None)
    @staticmethod
    def cached(n):
        return n * 2


    def outer(items):
        def inner(v):
            return v * 10
        return [inner(i) for i in items]


    async def fetch(url):
        return url


    class Shape:
        @property
        def area(self):
            return 0

        @area.setter
        def area(self, value):
            self._area = value

        def scale(self, k):
            return k
    """)


def test_decorators_are_replaced_with_the_function_not_duplicated():
    new, rule = splice_function(MODULE, "@functools.cache\ndef cached(n):\n    return n * 3\n", "m.py")
    assert rule == "function:cached"
    assert "lru_cache" not in new and "@staticmethod" not in new
    assert "\n\n@functools.cache\ndef cached(n):\n    return n * 3\n\n\ndef outer" in new
    assert compiles("m.py", new) is None


def test_a_top_level_block_with_self_lands_in_the_one_class_method():
    new, rule = splice_function(MODULE, "def scale(self, k):\n    return k * 2\n", "m.py")
    assert rule == "function:Shape.scale"
    assert new == MODULE.replace("    def scale(self, k):\n        return k\n", "    def scale(self, k):\n        return k * 2\n")
    # `self` says method even when a top-level function shares the name; without it the top level wins.
    module = MODULE + "\n\ndef scale(self, k):\n    return k\n"
    new, rule = splice_function(module, "def scale(self, k):\n    return -k\n", "m.py")
    assert rule == "function:Shape.scale" and new.endswith("def scale(self, k):\n    return k\n")
    new, rule = splice_function(module, "def scale(k):\n    return -k\n", "m.py")
    assert rule == "function:scale" and new.endswith("def scale(k):\n    return -k\n")


def test_a_property_and_its_setter_are_told_apart_by_decorators():
    new, rule = splice_function(MODULE, "@area.setter\ndef area(self, value):\n    self._area = abs(value)\n", "m.py")
    assert rule == "function:Shape.area"
    assert "        return 0\n" in new and "        self._area = abs(value)\n" in new


def test_nested_functions_lose_to_top_level_namesakes_and_are_spliced_when_alone():
    module = MODULE + "\n\ndef inner(v):\n    return v\n"
    new, rule = splice_function(module, "def inner(v):\n    return -v\n", "m.py")
    assert rule == "function:inner"
    assert new.endswith("def inner(v):\n    return -v\n") and "        return v * 10\n" in new
    new, rule = splice_function(MODULE, "def inner(v):\n    return v * 100\n", "m.py")
    assert rule == "function:outer.inner"
    assert "    def inner(v):\n        return v * 100\n    return [inner(i)" in new


def test_async_defs_are_spliced():
    new, rule = splice_function(MODULE, "async def fetch(url, timeout=5):\n    return url.strip()\n", "m.py")
    assert rule == "function:fetch"
    assert "async def fetch(url, timeout=5):\n    return url.strip()\n\n\nclass Shape" in new


def test_a_new_function_is_appended_at_the_module_end():
    new, rule = splice_function(MODULE, "def brand_new():\n    return 42\n", "m.py")
    assert rule == "function:new"
    assert new == MODULE + "\n\ndef brand_new():\n    return 42\n"


def test_a_whole_class_block_splices_only_its_changed_methods():
    block = d("""
        class Shape:
            def scale(self, k):
                return k * 3

            def perimeter(self):
                return 1
        """)
    new, rule = splice_function(MODULE, block, "m.py")
    assert rule == "function:Shape.scale+Shape.perimeter"
    assert new.startswith(MODULE.split("    def scale")[0])  # the properties are untouched
    assert "    def scale(self, k):\n        return k * 3\n\n    def perimeter(self):\n        return 1\n" in new
    assert compiles("m.py", new) is None


def test_duplicate_top_level_definitions_are_refused():
    module = "def f():\n    return 1\n\n\ndef f():\n    return 2\n"
    with pytest.raises(FormatError, match="defines f more than once"):
        splice_function(module, "def f():\n    return 3\n", "m.py")


def test_identical_and_unparsable_inputs_are_refused():
    with pytest.raises(FormatError, match="identical"):
        splice_function(MODULE, "def helper(x):\n    return x + 1\n", "m.py")
    with pytest.raises(FormatError, match="SEARCH/REPLACE"):
        splice_function("def f(:\n", "def f():\n    pass\n", "m.py")


def test_imports_from_the_block_are_added_once_and_crlf_is_kept():
    src = "import functools\nimport math\ndef helper(x):\n    return math.floor(x) + 1\n"
    new, rule = splice_function(MODULE.replace("\n", "\r\n"), src, "m.py")
    assert rule == "function:helper"
    assert new.startswith("import functools\r\nimport math\r\n\r\n\r\ndef helper(x):\r\n    return math.floor(x) + 1\r\n")
    assert "\n" not in new.replace("\r\n", "")


# ------------------------------------------------------------ whole file
def test_whole_file_strips_fences_and_prose():
    reply = "Here is the fixed file:\n\n```python\nimport os\n\n\ndef f():\n    return os.sep\n```\nThis works."
    assert parse_whole_file(reply, "m.py", original_chars=40) == "import os\n\n\ndef f():\n    return os.sep\n"


@pytest.mark.parametrize("line", ["# ... rest unchanged ...", "    # ...", "# rest of the file stays the same",
                                  "    # (existing code)"])
def test_whole_file_with_a_placeholder_is_refused(line):
    reply = f"```python\nimport os\n\n\ndef f():\n    return os.sep\n{line}\n```"
    with pytest.raises(FormatError, match="placeholder"):
        parse_whole_file(reply, "m.py")


def test_whole_file_keeps_real_ellipses_and_comments_the_original_has():
    code = "class P(Protocol):\n    def f(self) -> int: ...\n    def g(self):\n        ...\n"
    assert parse_whole_file(f"```python\n{code}```", "p.py", original_chars=len(code)) == code
    code2 = code + "# ... rest unchanged ...\n"
    assert parse_whole_file(f"```python\n{code2}```", "p.py", original=code2) == code2


def test_whole_file_less_than_half_the_original_or_cut_off_is_refused():
    with pytest.raises(FormatError, match="cut short"):
        parse_whole_file("```python\ndef f():\n    pass\n```", "m.py", original_chars=200)
    with pytest.raises(FormatError, match="cut off"):
        parse_whole_file("```python\ndef f():\n    return [1,", "m.py", original_chars=20)


def test_same_behaviour_sees_through_comments_and_layout_only():
    from agent.editing import same_behaviour
    old = "WEEKEND = (6, 7)   # Sat, Sun\n\ndef f(x):\n    return x+1\n"
    assert same_behaviour("m.py", old, "WEEKEND = (6, 7)  # Saturday\n\n\ndef f(x):\n    return (x + 1)\n")
    assert not same_behaviour("m.py", old, old.replace("(6, 7)", "(5, 6)"))
    assert not same_behaviour("m.py", old, old.replace("x+1", "x + 2"))
    assert not same_behaviour("m.py", old, "def (:")            # unparsable: not judged the same
    assert not same_behaviour("README.md", "a  b", "a b")        # only Python is compared by syntax tree


def test_same_behaviour_sees_through_docstrings_and_repeated_imports():
    """Seen in the dev set's folders (money, colors, bizdays, tempconv): candidates that only
    recapitalised a docstring, or repeated an import with its names reordered, behave like the original."""
    from agent.editing import same_behaviour
    old = ('"""Amounts."""\nfrom decimal import ROUND_HALF_UP, Decimal\n\n\ndef round_cents(amount):\n'
           '    """amount rounded to 2 places."""\n    return round(amount, 2)\n')
    assert same_behaviour("m.py", old, old.replace('"""amount rounded', '"""Amount rounded'))
    assert same_behaviour("m.py", old, old.replace("Decimal\n", "Decimal\nfrom decimal import Decimal, ROUND_HALF_UP\n"))
    assert same_behaviour("m.py", old, old.replace('    """amount rounded to 2 places."""\n', ""))
    # a new name, another module, another alias or a changed body is a change
    assert not same_behaviour("m.py", old, old.replace("Decimal\n", "Decimal, ROUND_DOWN\n"))
    assert not same_behaviour("m.py", old, old.replace("Decimal\n", "Decimal\nfrom fractions import Decimal\n"))
    assert not same_behaviour("m.py", old, old.replace("Decimal\n", "Decimal\nfrom decimal import Decimal as D\n"))
    assert not same_behaviour("m.py", old, old.replace("round(amount, 2)", "round(amount, 3)"))
    # a docstring is code where the file reads __doc__ or holds a doctest
    cli = old + "\nHELP = __doc__\n"
    assert not same_behaviour("m.py", cli, cli.replace('"""Amounts."""', '"""Money amounts."""'))
    doctest = old.replace("2 places.", "2 places.\n\n    >>> round_cents(0.125)\n    0.12\n")
    assert not same_behaviour("m.py", doctest, doctest.replace("    0.12\n", "    0.13\n"))


def test_whole_file_answer_with_only_the_changed_function_is_spliced():
    from agent.stages.patch_edits import parser_for
    original = ('"""Totals."""\nfrom __future__ import annotations\n\nTAX = 0.2\n\n\ndef line_total(line):\n'
                '    return line["price"] * line["qty"]\n\n\ndef order_total(order):\n'
                '    return sum(line_total(x) for x in order["lines"]) - order.get("discount", 0)\n')
    reply = "orders/totals.py\n```python\ndef line_total(line):\n    return line[\"price\"] * line[\"qty\"] * (1 + TAX)\n```"
    (change,) = parser_for("whole_file", "orders/totals.py", len(original))(reply)
    new, rule = change.land(original)
    assert rule == "function:line_total" and "(1 + TAX)" in new and new.startswith('"""Totals."""')
    with pytest.raises(FormatError, match="cut short"):     # nothing usable: the whole-file message goes back
        parser_for("whole_file", "orders/totals.py", len(original))("```python\nx = 1\n```")


def test_a_reply_that_repeats_the_issues_example_is_recognised():
    from agent.stages.patch_edits import repeats_issue
    issue = ('Bob sees Ann\'s items:\n\n```python\nfrom shop import Cart\n\na = Cart("ann")\na.add("tea", 3.5)\n'
             'b = Cart("bob")\nprint(b.total())  # 3.5, expected 0\n```\n')
    copied = 'shop/cart.py\n```python\nfrom shop import Cart\na = Cart("ann")\na.add("tea", 3.5)\nb = Cart("bob")\nprint(b.total())\n```'
    assert repeats_issue(copied, issue)
    assert not repeats_issue(copied + '\n```python\nclass Cart:\n    items: list = None\n```', issue)  # and a fix
    assert not repeats_issue("shop/cart.py\n```python\ndef total(self):\n    return 0\n```", issue)
    assert not repeats_issue("shop/cart.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE", issue)
    # a user who pasted the buggy function itself: the model's corrected function is no copy
    assert not repeats_issue("```python\ndef total(self):\n    return sum(self.items)\n```",
                             "```python\ndef total(self):\n    return sum(self.items) + 1\n```")


ECHO_ORIGINAL = "def mean(v):\n    return sum(v) // len(v)\n\n\ndef spread(v):\n    return max(v) - min(v)\n"


@pytest.mark.parametrize("tail", [
    "\n# Other relevant code (do not rewrite it)\nfrom .summary import mean\n\n__all__ = ['mean']\n",
    "\n### tests/test_summary.py\ndef test_mean():\n    assert mean([1, 2]) == 1.5\n"])
def test_a_whole_file_that_runs_on_into_the_prompts_other_code_is_cut_there(tail):
    """stats (train, 8943466): the selected answer appended `stats/__init__.py`, shown under the prompt's
    "Other relevant code" heading, to summary.py; the cut keeps the fix and drops the copy."""
    from agent.stages.patch_edits import parser_for
    fixed = ECHO_ORIGINAL.replace("//", "/")
    reply = f"```python\n{fixed}{tail}```"
    assert parse_whole_file(reply, "stats/summary.py", original=ECHO_ORIGINAL) == fixed
    [change] = parser_for("whole_file", "stats/summary.py", len(ECHO_ORIGINAL))(reply)
    assert change.land(ECHO_ORIGINAL)[0] == fixed


def test_an_echo_line_is_kept_when_the_original_has_it_or_its_definitions_follow():
    own = "### helpers.py\n" + ECHO_ORIGINAL
    assert without_echo(own.replace("//", "/"), own) == own.replace("//", "/")
    moved = "# Other relevant code\n" + ECHO_ORIGINAL.replace("//", "/")     # not a tail: mean and spread follow
    assert without_echo(moved, ECHO_ORIGINAL) == moved
