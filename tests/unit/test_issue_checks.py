"""Issue-grounded checks: the parser on real-world-shaped issue texts, their weight in the ranking and
the prompt lines that quote them (the rendered tests run for real: integration/test_issue_checks_run.py)."""
from __future__ import annotations

import pytest

from agent.issue_checks import checks_needing_call, extract_checks
from agent.issue_names import unbound_names, with_imports
from agent.issue_render import MARK, render_check_test
from tests.support.paths import ROOT

EXAMPLES = ROOT / "agent" / "examples"

TEMPCONV = (EXAMPLES / "tempconv" / "issue.md").read_text()


def calls(checks):
    return [(c.kind, c.call, c.expected) for c in checks]


# ------------------------------------------------------------------ parser
def test_doctest_session_corrected_by_prose():
    checks = extract_checks(TEMPCONV)
    assert calls(checks) == [("equals", "celsius_to_fahrenheit(100)", "212.0"),
                             ("equals", "celsius_to_fahrenheit(0)", "32.0")]
    assert checks[0].setup == ("from tempconv import celsius_to_fahrenheit",)
    assert checks[0].observed == "148.0" and checks[1].observed == "-32.0"
    lines = TEMPCONV.split("\n")
    assert any("celsius_to_fahrenheit(100)" in lines[n - 1] for n in checks[0].lines)
    assert any("212.0" in lines[n - 1] for n in checks[0].lines)


def test_bare_numbers_in_prose_and_setup_assignments():
    text = """median is wrong

    >>> from stats import median
    >>> data = [1, 2]
    >>> median(data)
    1
    >>> median([0.5, 1.0])
    0.0

I expected 1.5 and 0.75 (the mean of the two middle values).
"""
    checks = extract_checks(text)
    assert calls(checks) == [("equals", "median(data)", "1.5"), ("equals", "median([0.5, 1.0])", "0.75")]
    assert checks[0].setup == ("from stats import median", "data = [1, 2]")


def test_ambiguous_counts_make_no_value_check():
    text = """```python
>>> from m import f, g, h
>>> f(1)
2
>>> g(1)
3
>>> h(1)
4
```
I expected `5` and `6`.
"""
    assert extract_checks(text) == []
    leftover = checks_needing_call(text)
    assert [p.values for p in leftover] == [("`5`", "`6`")]


def test_types_tie_values_to_calls_only_when_unique():
    text = """```python
>>> from batching import chunked, batch_count
>>> chunked([1, 2, 3], 2)
[[1, 2]]
>>> batch_count(3, 2)
2
>>> chunked([1], 5)
[]
```
Expected `[[1, 2], [3]]` and `[[1]]`.
"""
    assert calls(extract_checks(text)) == [("equals", "chunked([1, 2, 3], 2)", "[[1, 2], [3]]"),
                                           ("equals", "chunked([1], 5)", "[[1]]")]


@pytest.mark.parametrize("prose", [
    "2000 was a leap year and 1900 was not (February 1900 had 28 days).",
    "The docstring says this message should be returned unchanged.",
    "Expected cy (100) first, then bob (10), then ann (9).",
    "Expected `the` to be counted 3 times and `cat`, `dog`, `end` once each.",
])
def test_prose_without_a_plain_list_of_values_is_no_check(prose):
    text = f"```python\n>>> from cal import is_leap\n>>> is_leap(2000), is_leap(1900)\n(False, True)\n```\n\n{prose}\n"
    assert extract_checks(text) == []


def test_values_that_name_what_they_are_for_pair_with_the_printed_calls_in_order():
    text = ("```python\nfrom shifts import shift_hours, weekly_hours\n\nprint(shift_hours(\"22:00\", \"06:00\"))   # -16.0\n"
            "print(weekly_hours([(\"22:00\", \"06:00\", 30),\n                    (\"09:00\", \"17:00\", 30)]))  # -9.0\n```\n\n"
            "I expected `8.0` for the first and `15.0` for the week (7.5 + 7.5). Day shifts are fine.\n")
    assert [(c.call, c.expected) for c in extract_checks(text)] == [
        ("shift_hours('22:00', '06:00')", "8.0"),
        ("weekly_hours([('22:00', '06:00', 30), ('09:00', '17:00', 30)])", "15.0")]
    # "for" followed by anything but a few words (a value, a clause) still states nothing.
    assert extract_checks(text.replace("for the first", "for 2 of the first")) == []


def test_returned_unchanged_means_the_calls_own_argument():
    session = ('```python\n>>> from textkit import shorten\n>>> shorten("Connection to the database was reset")\n'
               "'Conne...'\n```\n\n")
    text = session + "The default is 80 characters, so this message should be returned unchanged.\n"
    assert [(c.call, c.kind, c.expected) for c in extract_checks(text)] == [
        ("shorten('Connection to the database was reset')", "equals", "'Connection to the database was reset'")]
    # Not for a call with more than one argument, nor without the phrase.
    assert extract_checks(text.replace('reset")', 'reset", 8)')) == []
    assert extract_checks(session + "The default is 80 characters.\n") == []


def test_traceback_sessions():
    raises = """```python
>>> from envfile import parse_env
>>> parse_env("A=b=c")
Traceback (most recent call last):
  ...
ValueError: too many values to unpack (expected 2)
```
"""
    [check] = extract_checks(raises)
    assert (check.kind, check.call, check.raised) == ("not_raises", "parse_env('A=b=c')", "ValueError")
    [check] = extract_checks(raises + '\nExpected `{"A": "b=c"}`. The same happens with quotes.\n')
    assert (check.kind, check.expected, check.raised) == ("equals", "{'A': 'b=c'}", "ValueError")
    other = raises.replace("ValueError: too many values to unpack (expected 2)", "KeyError: 'x'")
    [check] = extract_checks(other + "\nExpected a `ValueError` (like `parse_env('')` gives).\n")
    assert (check.kind, check.raised, check.expected_exception) == ("raises_not", "KeyError", "ValueError")


def test_script_then_traceback_block():
    text = """Export fails:

```python
from addressbook import AddressBook

book = AddressBook()
book.add("Pelé", None)
print(book.to_csv())
```

```
Traceback (most recent call last):
  File "export.py", line 6, in <module>
    print(book.to_csv())
AttributeError: 'NoneType' object has no attribute 'strip'
```
"""
    [check] = extract_checks(text)
    assert (check.kind, check.call, check.raised) == ("not_raises", "book.to_csv()", "AttributeError")
    assert check.setup == ("from addressbook import AddressBook", "book = AddressBook()", "book.add('Pelé', None)")


def test_comments_in_a_script_and_prose_claims():
    script = """```python
from orders import order_total

order = {"lines": [{"price": 10.0, "qty": 2}],
         "discount": 5.0}
print(order_total(order))   # 20.0, expected 15.0
print(order_total({}))      # 0.0
```
"""
    [check] = extract_checks(script)
    assert (check.call, check.expected, check.observed, check.source) == ("order_total(order)", "15.0", "20.0", "script")
    prose = "`calc.ops.add(2, 3)` returns -1 but it should return 5."
    [check] = extract_checks(prose)
    assert (check.call, check.expected, check.setup) == ("calc.ops.add(2, 3)", "5", ("import calc.ops",))
    # A call named only in prose lacks its import: the repository's one definition supplies it.
    [check] = extract_checks("`round_cents(2.675)` returns `2.67` but should return `2.68`.")
    assert unbound_names(check) == ["round_cents"]
    fixed = with_imports(check, {"round_cents": ["invoicing.amounts"]})
    assert fixed.setup == ("from invoicing.amounts import round_cents",)
    assert with_imports(check, {"round_cents": ["a", "b"]}) == check      # two definitions: no guess
    # ... unless one is nearer the package's top (a curried or compat variant further down)
    assert with_imports(check, {"round_cents": ["pkg.sub.curried", "pkg.money"]}).setup == ("from pkg.money import round_cents",)


def test_a_snippet_that_uses_the_project_without_importing_it():
    """`print(pkg.f(x))` with no `import pkg` (users often leave it out; the synthesized issues always do): the
    check imports the repository's own package, the deepest module the call names; a name that is not one of the
    repository's modules stays unbound (no guessing); another block's import of the name is used first."""
    text = "I ran this:\n\n```python\nprint(inflection.ordinalize('-1'))\n```\n\nIt prints `'st-1'`, but I expected `'-1st'`.\n"
    [check] = extract_checks(text)
    assert check.setup == () and unbound_names(check) == ["inflection"]
    assert with_imports(check, {}, frozenset({"inflection"})).setup == ("import inflection",)
    assert with_imports(check, {}, frozenset({"other"})) == check
    [check] = extract_checks(text.replace("inflection.ordinalize('-1')", "merge(factory=lambda: defaultdict(int))({1: 1})"))
    from agent.stdlib_imports import stdlib_import
    assert with_imports(check, {"merge": ["toolz.dicttoolz"]}, stdlib=stdlib_import).setup == (
        "from collections import defaultdict", "from toolz.dicttoolz import merge")
    [check] = extract_checks(text.replace("inflection.ordinalize", "pkg.sub.mod.f"))
    assert with_imports(check, {}, frozenset({"pkg", "pkg.sub", "pkg.sub.mod"})).setup == ("import pkg.sub.mod",)
    assert with_imports(check, {}, frozenset({"pkg", "pkg.sub"})).setup == ("import pkg.sub",)
    two_blocks = "```python\nimport numpy as np\n```\n\n```python\nprint(np.add(1, 1))  # 3\n```\n\nIt should be 2.\n"
    [check] = extract_checks(two_blocks)
    assert check.setup == ("import numpy as np",)


def _synth_report(package: str, code: str, error: str, expectation: str) -> str:
    """The synthesized issues' shape: the script, "It fails with:" and the lone exception line, what was expected."""
    return (f"I am using {package} and ran this:\n\n```python\n{code}\n```\n\n"
            f"It fails with:\n\n```\n{error}\n```\n\nI expected it {expectation}.\n")


def test_a_lone_error_line_after_a_script_and_the_expectation_after_it():
    """The synthesized issues' shape (and many users'): the script, "It fails with:" and a block holding only the
    exception line (no traceback), then "I expected it to print `X`". The check expects X and reads the shown
    error as the reported bug; with no traceback to say where the error came from, a name the issue does not
    import is never guessed (`reduce` may be functools' or the package's curried one: on the held-out synthesized
    split that guess vetoed two right fixes); the next test shows the names that cannot be mistaken."""
    text = _synth_report("inflection", "print(inflection.camelize('Capital', False))",
                         "TypeError: unsupported operand type(s) for -: 'str' and 'str'", "to print `'capital'`")
    [check] = extract_checks(text)
    assert (check.call, check.kind, check.expected, check.raised) == (
        "inflection.camelize('Capital', False)", "equals", "'capital'", "TypeError")
    assert check.own_modules_only
    assert with_imports(check, {}, frozenset({"inflection"})).setup == ("import inflection",)
    [check] = extract_checks(text.replace("inflection.camelize('Capital', False)", "reduce(add)((1, 2, 3))"))
    from agent.stdlib_imports import stdlib_import
    assert with_imports(check, {"add": ["pkg.ops"]}, frozenset({"pkg"}), stdlib_import).setup == ()
    # Without the error block the expectation still needs a shown value or error: no check from prose alone.
    assert extract_checks(text.replace("TypeError: unsupported operand type(s) for -: 'str' and 'str'", "nothing")) == []
    # A full traceback keeps today's rules (its frames say where the error came from), and the prose after it counts.
    tb = text.replace("```\nTypeError", "```\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nTypeError")
    [check] = extract_checks(tb)
    assert check.kind == "equals" and check.expected == "'capital'" and not check.own_modules_only


def test_an_assert_and_the_error_it_raises_make_one_check():
    """`assert list(take_nth(2, 'ABCDE')) == list('ACE')`, then "It fails with: TypeError: ..." (a synthesized
    toolz row): the error is what the assert's call raised, so raising it reproduces the issue, as a wrong value
    would. Before, the check read the error as "another reason" and was dropped. An assert before the script's
    last call is not where the error came from: it keeps no error. An AssertionError is a wrong value already."""
    text = _synth_report("toolz", "assert list(take_nth(2, 'ABCDE')) == list('ACE')",
                         "TypeError: 'NoneType' object is not iterable", "to work without an error")
    [check] = extract_checks(text)
    assert (check.call, check.kind, check.expected, check.raised) == (
        "list(take_nth(2, 'ABCDE'))", "equals", "['A', 'C', 'E']", "TypeError")
    assert check.own_modules_only and "shown='TypeError'" in render_check_test([check])
    before_call = text.replace("list('ACE')\n", "list('ACE')\nprint(take_nth(3, 'ABCDE'))\n")
    assert [c.raised for c in extract_checks(before_call) if c.kind == "equals"] == [None]
    [check] = extract_checks(text.replace("TypeError: 'NoneType' object is not iterable", "AssertionError"))
    assert check.kind == "equals" and check.raised is None


def test_a_lone_error_line_imports_only_names_nothing_else_can_mean():
    """With no traceback frame, an unimported name is imported when only one thing can be meant: a name one
    repository module defines that no standard-library module has, or a standard-library module (`pickle`,
    `unittest`). A name two repository modules define (toolz.dicttoolz's and toolz.curried's `merge`) or that the
    standard library also has (`reduce`, `groupby`) stays unbound."""
    from agent.stdlib_imports import stdlib_import
    text = ("I ran this:\n\n```python\nalist = ('Alice', 'Bob')\nf = pickle.loads(pickle.dumps(peekn(2, alist)))\n"
            "print(f)\n```\n\nIt fails with:\n\n```\nValueError: Stop argument for islice()\n```\n\n"
            "I expected it to work without an error.\n")
    [check] = extract_checks(text)
    assert check.own_modules_only
    defs = {"peekn": ["toolz.itertoolz"], "merge": ["toolz.dicttoolz", "toolz.curried.exceptions"],
            "groupby": ["toolz.itertoolz"]}
    assert set(with_imports(check, defs, frozenset({"toolz"}), stdlib_import).setup) >= {
        "from toolz.itertoolz import peekn", "import pickle"}
    for call in ("merge({1: 1})", "groupby(len, ['a'])", "reduce(len, ['a'])"):
        [check] = extract_checks(text.replace("pickle.loads(pickle.dumps(peekn(2, alist)))", call))
        assert with_imports(check, defs, frozenset({"toolz"}), stdlib_import) == check, call


def test_a_script_that_defines_a_test_class_and_runs_it():
    """`class TestX(unittest.TestCase): ...` then `TestX('test').test()` failing with a lone error line: the
    class is part of the call's setup (before, the call ran without it and failed on a NameError)."""
    text = ("I ran this:\n\n```python\nclass TestRegex(unittest.TestCase):\n    def test(self):\n"
            "        six.assertRegex(self, 'test', r'^t')\nTestRegex('test').test()\n```\n\nIt fails with:\n\n"
            "```\nAssertionError: AssertionError not raised\n```\n\nI expected it to work without an error.\n")
    [check] = extract_checks(text)
    assert check.call == "TestRegex('test').test()" and check.setup[0].startswith("class TestRegex(unittest.TestCase)")
    assert "unittest" in unbound_names(check)


def test_a_print_after_the_users_own_asserts_takes_the_prose_value():
    """Asserts that pass (the user's context), then one print and "It prints `False`, but I expected `2`": the
    check is the printed call's, without the asserts in its setup; ", but" ends the expected phrase."""
    text = ("I ran this:\n\n```python\nassert num_required_args(lambda: None) == 0\nprint(num_required_args(map))\n"
            "```\n\nIt prints `False`, but I expected `2`.\n")
    checks = extract_checks(text)
    [printed] = [c for c in checks if c.call == "num_required_args(map)"]
    assert (printed.kind, printed.expected, printed.setup) == ("equals", "2", ())
    bare = text.replace("It prints `False`, but I expected `2`.", "I expected this to print True, but the check fails:")
    assert [(c.call, c.expected) for c in extract_checks(bare) if c.call == "num_required_args(map)"] == [
        ("num_required_args(map)", "True")]
    from agent.issue_prose import prose_values
    assert prose_values("I expected 3, but got 4") == ["3"] and prose_values("I expected it to print 3, not 4.") == ["3"]
    assert prose_values("I expected `1`, `2` and `3`, but got 4") == ["`1`", "`2`", "`3`"]


@pytest.mark.parametrize("prose, values", [
    ("I expected 3, but got 4.", ["3"]), ("Expected `3`, got `4`.", ["`3`"]), ("I'd expect `3` here.", ["`3`"]),
    ("I expected the output to be `3`.", ["`3`"]), ("The correct answer is 3.", ["3"]),
    ("It returns 4 instead of 3.", ["3"]), ("Expected behaviour: it returns `3`.", ["`3`"]),
    ("It ought to return 3.", ["3"]), ("It must return 3.", ["3"]), ("I expected 3 and got 4.", ["3"]),
    ("It returns None instead of raising an error.", []), ("Expected behavior: no error.", []),
])
def test_common_ways_to_state_the_expected_value(prose, values):
    """How people write what they expected, beside the shapes above: each states exactly its value."""
    from agent.issue_prose import prose_values
    assert prose_values(prose) == values
    text = f"```python\nfrom calc import add\nprint(add(1, 2))\n```\n\n{prose}\n"
    assert [(c.call, c.expected) for c in extract_checks(text)] == ([("add(1, 2)", values[0].strip("`"))] if values else [])


def test_several_prints_take_the_prose_values_in_order_and_a_parenthesised_correction():
    """Two prints and "I expected 3 and 4 respectively": one check per print, in order; one value for two prints
    ties to neither (no guessing). A comment `# -> 4 (should be 3)` states 3."""
    two = ("```python\nfrom calc import add\nprint(add(1, 2))\nprint(add(2, 2))\n```\n\n"
           "It prints 4 and 5; I expected 3 and 4 respectively.\n")
    assert [(c.call, c.expected) for c in extract_checks(two)] == [("add(1, 2)", "3"), ("add(2, 2)", "4")]
    assert extract_checks(two.replace("It prints 4 and 5; I expected 3 and 4 respectively.", "I expected 3.")) == []
    arrow = "```python\nfrom calc import add\nadd(1, 2)  # -> 4 (should be 3)\n```\n"
    assert [(c.call, c.expected) for c in extract_checks(arrow)] == [("add(1, 2)", "3")]


def test_ipython_sessions_read_like_doctest_sessions():
    """`In [2]: call` / `Out[2]: value` and IPython's traceback (dashed rule, header, frames with blank lines)."""
    text = "```python\nIn [1]: from calc import add\n\nIn [2]: add(1, 2)\nOut[2]: 4\n```\n\nShould be 3.\n"
    assert [(c.call, c.kind, c.expected) for c in extract_checks(text)] == [("add(1, 2)", "equals", "3")]
    tb = ("```python\nIn [1]: from calc import div\n\nIn [2]: div(1, 2)\n" + "-" * 75 + "\n"
          "TypeError                                 Traceback (most recent call last)\n<ipython-input-2-abc> in <module>\n"
          "----> 1 div(1, 2)\n\n~/calc.py in div(a, b)\n----> 4     return a / str(b)\n\nTypeError: unsupported operand\n"
          "```\n\nI expected `0.5`.\n")
    assert [(c.call, c.kind, c.expected, c.raised) for c in extract_checks(tb)] == [("div(1, 2)", "equals", "0.5", "TypeError")]
    from agent.issue_ipython import ipython_to_doctest
    raw = ["In [3]: for i in range(2):", "   ...:     print(i)", "   ...:", "0", "1", "Out[4]:", "<big repr>"]
    assert ipython_to_doctest(raw) == [">>> for i in range(2):", "...     print(i)", "... ", "0", "1", "Out:", "<big repr>"]
    assert ipython_to_doctest(["x = 1", "...: not a prompt"]) == ["x = 1", "...: not a prompt"]


def test_an_error_shown_after_another_setup_than_the_calls_return_may_be_intended():
    """sklearn-10908's shape: without a vocabulary `transform` raises NotFittedError (as it should), with one it
    returns; only the error the issue complains about (`get_feature_names`) must disappear. The same call raising
    and returning after the same setup is a before/after (sympy-17318's "Old Result" / "New Result"): kept."""
    text = ("```python\n>>> from text import Vectorizer\n>>> v = Vectorizer()\n>>> v.transform(['a'])\n"
            "Traceback (most recent call last):\nNotFittedError: not fitted\n```\n\nWith a vocabulary:\n\n"
            "```python\n>>> from text import Vectorizer\n>>> v = Vectorizer(vocabulary=['a'])\n>>> v.transform(['a'])\n[[1]]\n"
            ">>> v.names()\nTraceback (most recent call last):\nNotFittedError: not fitted\n```\n")
    assert [(c.call, c.kind) for c in extract_checks(text)] == [("v.names()", "not_raises")]
    same = ("```python\n>>> from m import f\n>>> f(1)\nTraceback (most recent call last):\nIndexError: boom\n```\n\n"
            "New result:\n\n```python\n>>> from m import f\n>>> f(1)\n1\n```\n")
    assert [(c.call, c.kind) for c in extract_checks(same)] == [("f(1)", "not_raises")]


@pytest.mark.parametrize("body, outcome", [("return {}", 1), ("raise SettingsError('bad JSON')", 0),
                                           ("raise ValueError('bad JSON')", 1)])
def test_a_call_that_returns_where_the_issue_says_it_should_raise(tmp_path, body, outcome):
    """"A broken file should raise `SettingsError`, not silently give defaults": the check fails (for the issue's
    reason) while the call returns, passes once it raises SettingsError, and fails on another exception."""
    import subprocess
    import sys
    from agent.issue_render import render_check_test, reproduced_reason
    text = ("```python\n>>> from conf import load\n>>> load('bad.json')\n{}\n```\n\n"
            "A broken file should raise `SettingsError`, not silently give defaults.\n")
    [check] = extract_checks(text)
    assert (check.kind, check.raised, check.expected_exception) == ("raises_not", None, "SettingsError")
    (tmp_path / "conf.py").write_text(f"class SettingsError(Exception):\n    pass\n\n\ndef load(path):\n    {body}\n")
    (tmp_path / "test_issue.py").write_text(render_check_test([check]))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == outcome, res.stdout
    if body == "return {}":
        assert reproduced_reason("fail", res.stdout) is None


@pytest.mark.parametrize("text", [
    "```python\nfrom calc import add\nprint(add(1, 2))\n```\n\nOutput:\n```\n4\n```\n\nI expected `3`.\n",
    "```python\nfrom calc import add\nprint(add(1, 2))   # 4\n```\n\n`add(1, 2)` should equal `3`.\n",
    "```python\n>>> from calc import add\n>>> add(1, 2)\n```\n\nThis returns `4`, but I expected `3`.\n",
])
def test_the_expectation_after_an_output_block_a_should_equal_and_a_session_without_output(text):
    assert [(c.call, c.kind, c.expected) for c in extract_checks(text)] == [("add(1, 2)", "equals", "3")]
    assert extract_checks(text.replace("`3`", "it to work")) == []


SESSION = "```python\n>>> from numfmt import format_number\n>>> format_number(-999, 0)\n'-,999'\n```\n\n"


@pytest.mark.parametrize("sentence", [
    "It should be `'-999'`, there is no comma in a three-digit number.",    # a clause after a comma
    "It should be `'-999'`, like for positive numbers.",
    "Correct output: `'-999'`", "Desired: '-999'", "Should've been `'-999'`.", "Shouldn't it be '-999'?",
    "I'd have thought it returns `'-999'`.", "The result should read `'-999'`.", "I want `'-999'` here.",
    "Got `'-,999'`, wanted `'-999'`.",
])
def test_more_ways_of_stating_the_expected_value(sentence):
    """Phrasings written for the parser's robustness (session 35), none taken from a dev-set issue."""
    assert [(c.call, c.expected) for c in extract_checks(SESSION + sentence + "\n")] == \
        [("format_number(-999, 0)", "'-999'")]


@pytest.mark.parametrize("sentence", [
    "It should be `'-999'`, `'-1'` and `'-2'` respectively, or so I thought until today.",   # three values, one call
    "It should not be `'-,999'`.", "It must be '-999' of course.", "The correct output: see the docs.",
])
def test_what_still_states_nothing_or_cannot_be_tied(sentence):
    assert extract_checks(SESSION + sentence + "\n") == []


TWO_CALLS = ("```\n>>> from numfmt import format_number\n>>> format_number(-999, 0)\n'-,999'\n"
             ">>> format_number(-1234.5)\n'-1,234.50'\n```\n\n")


@pytest.mark.parametrize("sentence, call", [
    ("The first one should be '-999'.", "format_number(-999, 0)"),
    ("The last call should return `'-1234.50'`.", "format_number(-1234.5)"),
    ("The first one is fine. I expected `'-999'`.", None),     # the ordinal is not in the sentence stating a value
    ("Here the first result should read '-999' instead.", "format_number(-999, 0)"),
    ("The first one should be '-999', the second one looks right.", None),        # two named: no guessing
    ("It should be '-999'.", None),                                                # not tied to either call
])
def test_a_lone_value_for_one_of_several_calls_named_by_its_order(sentence, call):
    assert [c.call for c in extract_checks(TWO_CALLS + sentence + "\n")] == ([call] if call else [])


SCRIPT = "```python\nfrom paginate import page_count\nprint(page_count(0, 0))\n```\n\n"


@pytest.mark.parametrize("sentence, raised", [
    ("This raises `ZeroDivisionError: integer division or modulo by zero`.", "ZeroDivisionError"),
    ("On 3.12 I get: `ZeroDivisionError: division by zero`", "ZeroDivisionError"),
    ("It should raise `ValueError: per_page must be positive`.", "should"),   # what should happen: as before
    ("It no longer raises `ZeroDivisionError: division by zero` since 2.0.", None),
    ("It raises `ZeroDivisionError: a` or `TypeError: b`, depending on the day.", None),   # two errors: no guess
])
def test_an_error_the_prose_says_the_script_raised(sentence, raised):
    found = [(c.call, c.kind, c.raised) for c in extract_checks(SCRIPT + sentence + "\n")]
    if raised == "should":        # the expected exception (agent/issue_prose.py prose_exception), not a raised one
        assert found == [("page_count(0, 0)", "raises_not", None)]
    else:
        assert found == ([("page_count(0, 0)", "not_raises", raised)] if raised else [])


@pytest.mark.parametrize("body, outcome", [("return 1 + (total - 1) // per_page", 1), ("return 0", 0)])
def test_the_said_error_check_fails_for_the_issues_reason_and_passes_on_a_fix(tmp_path, body, outcome):
    import subprocess
    import sys
    from agent.issue_render import render_check_test, reproduced_reason
    [check] = extract_checks(SCRIPT + "It raises `ZeroDivisionError: integer division or modulo by zero`.\n")
    (tmp_path / "paginate").mkdir()
    (tmp_path / "paginate" / "__init__.py").write_text(f"def page_count(total, per_page):\n    {body}\n")
    (tmp_path / "test_issue.py").write_text(render_check_test([check]))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == outcome, res.stdout
    if outcome:
        assert reproduced_reason("fail", res.stdout) is None     # it fails for the reason the issue gives


ERROR = "```\nZeroDivisionError: integer division or modulo by zero\n```\n"
IMPORT = "```python\nfrom paginate import page_count\n```\n\n"


@pytest.mark.parametrize("text, setup", [
    ("When I call `page_count(0, 0)` I get\n\n" + ERROR, ()),
    (IMPORT + "Then `page_count(0, 0)` gives:\n\n" + ERROR, ("from paginate import page_count",)),
    ("Calling `page_count(0, 0)`:\n\n```\nTraceback (most recent call last):\n  File \"/x/paginate/pages.py\", line 8, "
     "in page_count\n    return 1 + (total - 1) // per_page\nZeroDivisionError: integer division or modulo by zero\n```\n",
     ()),                                          # no frame shows a call of literals: the prose's call is the one
])
def test_an_error_shown_after_prose_that_names_one_call(text, setup):
    assert [(c.call, c.kind, c.raised, c.setup) for c in extract_checks(text)] == \
        [("page_count(0, 0)", "not_raises", "ZeroDivisionError", setup)]


@pytest.mark.parametrize("prose", [
    "Both `page_count(0, 0)` and `page_count(0, 1)` give", "`page_count(0, 0)` should give",
    "With `page_count(total, 0)` I get",           # not a call of literals
])
def test_an_error_after_prose_that_names_no_single_call_of_literals_is_not_tied(prose):
    assert extract_checks(prose + "\n\n" + ERROR) == []


def test_a_correction_written_after_a_sessions_output_on_the_same_line():
    text = "```\n>>> from numfmt import format_number\n>>> format_number(-999, 0)\n'-,999'   # expected '-999'\n```\n"
    assert [(c.call, c.observed, c.expected) for c in extract_checks(text)] == \
        [("format_number(-999, 0)", "'-,999'", "'-999'")]
    assert [c.expected for c in extract_checks(text.replace("# expected '-999'", "# wrong"))] == []


def test_a_module_level_error_class_as_the_lone_error_line():
    """`re.error: invalid group reference` (lowercase `error` classes of re, socket, struct …) is an error line too."""
    text = ("I ran this:\n\n```python\nprint(inflection.tableize('ChildToy'))\n```\n\nIt fails with:\n\n"
            "```\nre.error: invalid group reference 1 at position 1\n```\n\nI expected it to print `'child_toys'`.\n")
    [check] = extract_checks(text)
    assert (check.call, check.expected, check.raised) == ("inflection.tableize('ChildToy')", "'child_toys'", "error")


def test_module_names_of_a_repository(tmp_path):
    from agent.repomap import build_repo_map
    from agent.stages.testgen import module_names
    for path in ("src/pkg/__init__.py", "src/pkg/sub/mod.py", "six.py", "tests/test_six.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x = 1\n")
    assert module_names(build_repo_map(tmp_path)) >= {"pkg", "pkg.sub", "pkg.sub.mod", "six"}
    assert "tests.test_six" not in module_names(build_repo_map(tmp_path))


def test_a_pasted_failing_test_states_its_values():
    """Users paste the test that fails: each assert with a literal side is a check, with the test's own
    statements before it as setup (pytest functions and unittest methods alike)."""
    pytest_style = """```python
from naming import to_snake

def test_acronym():
    name = "HTTPServer"
    assert to_snake(name) == "http_server"
    assert to_snake("ok") == "ok"
```

```
>       assert to_snake(name) == "http_server"
E       AssertionError: assert 'h_t_t_p_server' == 'http_server'
```
"""
    checks = extract_checks(pytest_style)
    assert [(c.setup, c.call, c.expected) for c in checks] == [
        (("from naming import to_snake", "name = 'HTTPServer'"), "to_snake(name)", "'http_server'"),
        (("from naming import to_snake", "name = 'HTTPServer'"), "to_snake('ok')", "'ok'")]
    unittest_style = """```python
import unittest
from mathx import clamp

class TestClamp(unittest.TestCase):
    def setUp(self):
        self.top = 10

    def test_upper(self):
        self.assertEqual(clamp(15, 0, 10), 10)
        self.assertEqual(clamp(15, 0, self.top), 10)
```
"""
    [check] = extract_checks(unittest_style)       # a call on `self` cannot run outside the class
    assert (check.setup, check.call, check.expected) == (("import unittest", "from mathx import clamp"), "clamp(15, 0, 10)", "10")
    # A helper that is not a test states nothing.
    assert extract_checks("```python\nfrom m import f\n\ndef helper():\n    assert f(1) == 2\n```\n") == []


def test_issues_without_executable_expectations():
    assert extract_checks("") == []
    assert extract_checks("The app is slow when I open big files. Please make it faster.") == []
    file_traceback = """```
Traceback (most recent call last):
  File "release.py", line 12, in <module>
    latest = max_satisfying(tags, ">=1.0.0")
ValueError: expected MAJOR.MINOR.PATCH, got '1.4.2+build.77'
```
"""
    # `tags` is unknown: no call can be made of the frame's line.
    assert extract_checks(file_traceback + "It happens with the tags of our repository.") == []
    # Once the prose gives its value, the frame's call must stop raising (agent/issue_traceback.py).
    [check] = extract_checks(file_traceback + '`tags` was `["1.4.1", "1.4.2+build.77"]`.')
    assert (check.kind, check.call, check.raised) == (
        "not_raises", "max_satisfying(['1.4.1', '1.4.2+build.77'], '>=1.0.0')", "ValueError")


def test_malicious_expected_values_and_calls_are_skipped(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    session = f"```python\n>>> from m import f\n>>> f(1)\n2\n```\nI expected `{payload}`.\n"
    comment = f"```python\nfrom m import f\nprint(f(1))  # 2, expected {payload}\n```\n"
    claim = f"`f(1)` returns `2` but should return `{payload}`."
    call = "`__import__('os').system('x')` returns `1` but should return `0`."
    for text in (session, comment, claim, call):
        assert [c for c in extract_checks(text) if c.kind == "equals"] == []
    assert not marker.exists()


# ------------------------------------------------------------------ selection
def test_issue_checks_weigh_more_and_veto_a_candidate_that_fails_them():
    from agent.schema import Candidate, Cell, ExecutionMatrix, RewardScore
    from agent.ranking import Weights, decide, rank_candidates, weight_tests

    def cand(cid, count):
        return Candidate(id=cid, diff="d", key=cid, samples=list(range(count)), files=["m.py"])

    # c_wrong passes the model's (wrong) test, has more samples and a better judge score, but fails the
    # issue's own check; c_right passes the issue check and fails the model's invented value.
    cells = [Cell(candidate="c_wrong", test="i000", outcome="fail", origin="issue"),
             Cell(candidate="c_wrong", test="t000", outcome="pass"),
             Cell(candidate="c_right", test="i000", outcome="pass", origin="issue"),
             Cell(candidate="c_right", test="t000", outcome="fail")]
    matrix = ExecutionMatrix(candidates=["c_wrong", "c_right"], tests=["i000", "t000"], cells=cells)
    weights = weight_tests(matrix)
    assert weights["i000"] == pytest.approx(2.0 * weights["t000"])
    assert weight_tests(matrix, Weights(issue_origin=1.0))["i000"] == pytest.approx(weights["t000"])
    rewards = {"c_wrong": RewardScore(candidate="c_wrong", scores=[1.0], mean=1.0),
               "c_right": RewardScore(candidate="c_right", scores=[0.3], mean=0.3)}
    cands = [cand("c_wrong", 3), cand("c_right", 1)]
    assert [r.candidate for r in rank_candidates(cands, matrix, rewards)] == ["c_right", "c_wrong"]
    decision = decide(cands, matrix, rewards, abstain_below=0.0)
    assert decision.candidate == "c_right"
    only_wrong = ExecutionMatrix(candidates=["c_wrong"], tests=["i000", "t000"], cells=cells[:2])
    decision = decide(cands[:1], only_wrong, rewards, abstain_below=0.0)
    assert decision.status == "abstained" and "i000" in decision.diagnosis


def test_check_from_model_code_takes_the_call_only():
    from agent.issue_checks import check_from_code, value_src
    check = check_from_code("from m import f\nx = [1, 2]\nf(x)", value_src("`3`"), (4,))
    assert (check.setup, check.call, check.kind, check.expected, check.source) == \
        (("from m import f", "x = [1, 2]"), "f(x)", "equals", "3", "prose_call")
    for bad in ("f(", "x += f(1)", "a, b = f(1)", "eval('1 + 2')", ""):
        with pytest.raises(ValueError):
            check_from_code(bad, "3")
    # A small model often names or prints the value: the call is the same.
    assert check_from_code("from m import f\nresult = f(1)", "3").call == check_from_code("print(f(1))", "3").call == "f(1)"
    with pytest.raises(ValueError):
        value_src("`not a value`x")


def test_value_check_whose_model_call_fails_is_reported_not_cached(tmp_path):
    """A model that is down must not silently drop a value check: tests.json says why, and nothing is
    cached, so a resume asks again."""
    from agent.config import SolveConfig
    from agent.budget import Ledger
    from agent.progress import Progress
    from agent.runfolder import RunFolder
    from agent.schema import Issue
    from agent.stages.context import StageContext
    from agent.stages.testgen import value_tests

    class Down:
        def query(self, messages, **kw):
            raise ConnectionError("connection refused")

    issue = Issue(id="x", title="add() gives wrong sums",
                  body="```python\n>>> from calc.ops import add, mul\n>>> add(2, 3)\n-1\n>>> mul(2, 3)\n6\n"
                  ">>> add(1, 1)\n0\n```\nI expected `5` and `2`.\n")
    assert checks_needing_call(f"{issue.title}\n\n{issue.body}")      # the case value_tests handles
    ctx = StageContext(run=RunFolder(tmp_path), config=SolveConfig(), issue=issue, repo_path=tmp_path, commit="0" * 40,
                       ledger=Ledger(None, None), progress=Progress(False), new_sandbox=lambda: None,
                       make_model=lambda *a: Down())
    cases = value_tests(ctx, Down(), code="", limit=2)
    assert cases and all(not c.kept and "model failed: ConnectionError" in c.reason for c in cases)
    assert not list(tmp_path.rglob("value_*.json"))


def test_observed_lines_quote_what_the_issues_own_checks_returned():
    from agent.issue_render import observed_lines
    from agent.prompting import render
    from agent.schema import TestCase
    out = ("F\n___ test_issue_000 ___\n    pytest.fail(f\"{MARK}: celsius_to_fahrenheit(100) returned {result!r}\")\n"
           f"E   Failed: {MARK}: celsius_to_fahrenheit(100) returned 148.0; the issue expects 212.0\n1 failed\n")
    model_out = "E   assert celsius_to_fahrenheit(212) == 100.0\n"
    tests = [TestCase(id="i000", sample=0, path="a.py", content="", command="", original_output=out, kept=True,
                      origin="issue"),
             TestCase(id="i001", sample=1, path="b.py", content="", command="", original_output=out, kept=True,
                      origin="issue"),                               # the same line twice is shown once
             TestCase(id="t000", sample=0, path="c.py", content="", command="", original_output=model_out,
                      kept=True),                                    # a model's test: its values may be invented
             TestCase(id="v000", sample=0, path="d.py", content="", command="", original_output=out.replace("100", "0"),
                      kept=False, origin="issue_value")]             # not kept: not shown
    assert observed_lines(tests) == ["celsius_to_fahrenheit(100) returned 148.0; the issue expects 212.0"]
    assert observed_lines([]) == []
    for name in ("patch", "patch_file", "patch_function"):
        shown = render(name, "user", issue="i", code="c", other_code="", example_path="p.py", allow_commands=False,
                       observed="- f(1) returned 2; the issue expects 3", focus="", focus_path="", focus_caller="")
        assert "run on the current code:\n- f(1) returned 2" in shown, name
        plain = render(name, "user", issue="i", code="c", other_code="", example_path="p.py", allow_commands=False,
                       observed="", focus="", focus_path="", focus_caller="")
        assert "run on the current code" not in plain, name


DUNDER_ISSUE = '''I am using toolz and ran this:

```python
p = toolz.functoolz.InstanceProperty(bool)
{line}
```

It fails with:

```
TypeError: __get__(None, None) is invalid
```

I expected it to work without an error.
'''


def test_protocol_dunders_are_ordinary_calls_but_reflection_is_not_taken():
    """`p.__get__(None)` is the descriptor protocol (a synthesized toolz issue whose check was lost to the blanket
    dunder ban); `__class__.__subclasses__()` stays out: issue code is untrusted."""
    from agent.issue_checks import extract_checks
    calls = [c.call for c in extract_checks(DUNDER_ISSUE.format(line="p.__get__(None)"))]
    assert calls == ["p.__get__(None)"]
    tail = extract_checks(DUNDER_ISSUE.format(line="assert p.__get__(None) is None"))
    assert "p.__get__(None) is None" in [c.call for c in tail]
    for line in ("p.__class__.__subclasses__()", "p.__init__(None)", "p.__dict__", "p.__get__.__globals__"):
        assert extract_checks(DUNDER_ISSUE.format(line=line)) == [], line


@pytest.mark.parametrize("fixed, outcome", [(False, 1), (True, 0)])
def test_an_error_from_a_script_that_ends_in_a_class_or_a_loop_is_the_blocks(tmp_path, fixed, outcome):
    """`class X(with_meta(Meta)): ...` fails while the class is made, a loop's assert fails on one pass: the error
    belongs to that last block (not to the call before it), which the check runs as a function; a name the loop
    rebinds stays the setup's. Fails on the bug for the issue's reason, passes on the fix."""
    import subprocess
    import sys
    from agent.issue_render import reproduced_reason
    cls = ("```python\nfrom metas import with_meta\nclass Meta(type):\n    pass\nclass X(with_meta(Meta)):\n    ...\n```\n\n"
           "It fails with:\n\n```\nTypeError: __prepare__() must return a mapping, not NoneType\n```\n\n"
           "I expected it to work without an error.\n")
    loop = ("```python\nfrom metas import double\ntotal = 0\nfor i in range(3):\n    total = total + double(i)\n"
            "    assert total >= 2 * i, i\n```\n\nIt fails with:\n\n```\nAssertionError: 1\n```\n\n"
            "I expected it to work without an error.\n")
    [c1], [c2] = extract_checks(cls), extract_checks(loop)
    assert (c1.call, c1.kind, c1.raised) == ("_issue_block()", "not_raises", "TypeError")
    assert (c2.call, c2.raised) == ("_issue_block()", "AssertionError") and "nonlocal total" in c2.setup[-1]
    guarded = cls.replace("class X(with_meta(Meta)):\n    ...\n", "def main():\n    class X(with_meta(Meta)):\n        ...\n"
                          "if __name__ == '__main__':\n    main()\n")
    [c3] = extract_checks(guarded)       # the script as run: the guard's body, which a check's module would skip
    assert c3.setup[-1] == "def _issue_block():\n    main()" and c3.raised == "TypeError"
    prepare = "return {}" if fixed else "pass"
    (tmp_path / "metas.py").write_text(
        "def with_meta(meta):\n    class M(type):\n        @classmethod\n        def __prepare__(cls, name, bases):\n"
        f"            {prepare}\n        def __new__(cls, name, bases, ns):\n            return meta(name, (), dict(ns))\n"
        "    return type.__new__(M, 'tmp', (), {})\n\n\n"
        f"def double(i):\n    return {'2 * i' if fixed else 'i'}\n")
    (tmp_path / "test_issue.py").write_text(render_check_test([c1, c2, c3]))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == outcome, res.stdout
    if not fixed:
        assert res.stdout.count(f"- Failed: {MARK}: raises") == 3 and reproduced_reason("fail", res.stdout) is None


@pytest.mark.parametrize("guard, unwrapped", [
    ("if __name__ == '__main__':", True), ('if "__main__" == __name__:', True),
    ("if __name__ != '__main__':", False), ("if __name__ == '__main__' == x:", False), ("if name == '__main__':", False)])
def test_only_a_main_guard_is_unwrapped_into_the_block(guard, unwrapped):
    """The guard's body is what the user ran, whichever operand comes first; any other `if` stays as written."""
    import ast
    from agent.issue_code import block_function
    code = block_function(ast.parse(f"{guard}\n    main()\n").body[0], [])
    assert (code == "def _issue_block():\n    main()") is unwrapped
