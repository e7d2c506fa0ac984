"""Pieces of output an issue's prose expects (agent/issue_fragments.py): tied to a call only when unambiguous.
(The rendered containment test runs for real: integration/test_issue_checks_run.py.)"""
from __future__ import annotations

from agent.issue_checks import extract_checks
from agent.issue_fragments import fragment_claims, output_call
from tests.support.paths import ROOT

TWO_CALLS = ["repr(toc(doc, depth=1))", "toc(doc, depth=2)"]
CODE = "from m import toc\ndoc = '# A'\nrepr(toc(doc, depth=1))\ntoc(doc, depth=2)"


def test_the_argument_in_backticks_names_the_call_its_pieces_belong_to():
    prose = "With `depth=1` I expected (`- [A](#a)` and `- [B](#b)`), and with `depth=2` `- [C](#c)` as well."
    assert fragment_claims(TWO_CALLS, ["''", None], CODE, prose) == {0: ("- [A](#a)", "- [B](#b)"),
                                                                      1: ("- [C](#c)",)}


def test_no_call_named_among_several_means_no_claim():
    prose = "I expected `- [A](#a)` and `- [B](#b)`."
    assert fragment_claims(TWO_CALLS, [None, None], CODE, prose) == {}
    both = ["toc(doc, depth=1)", "toc(doc, depth=1, x=2)"]     # `depth=1` appears in both calls
    assert fragment_claims(both, [None, None], CODE, "With `depth=1` I expected `- [A](#a)`.") == {}


def test_one_call_takes_the_pieces_without_being_named():
    assert fragment_claims(["render(x)"], ["a"], "render(x)", "It should print `Total: 3` at the end.") == \
        {0: ("Total: 3",)}


def test_what_is_not_a_piece_of_output():
    code = "from m import render\nrender(x)"
    # a name from the code, a literal value (the value checks read those), too short, no expectation said
    assert fragment_claims(["render(x)"], [None], code, "I expected `render` to give `42` or `ab`.") == {}
    assert fragment_claims(["render(x)"], [None], code, "It prints `Total: 2` here.") == {}
    # a bare word may be a key or an argument as well as output
    assert fragment_claims(["render(x)"], [None], code, "I expected `cat` and `dog_2` in it.") == {}


def test_only_pieces_after_the_expectation_and_never_elided_output_or_expressions():
    assert fragment_claims(["show(d)"], [None], "show(d)", "It prints `Total: 2 items`, but I expected `Total: 3 items`.") \
        == {0: ("Total: 3 items",)}
    assert fragment_claims(["show(d)"], [None], "show(d)", "I expected `{'a': 1, ...}` or `[d1, d2, d3a]`.") == {}


def test_a_call_shown_with_a_literal_value_gets_no_containment_check():
    issue = ("```python\n>>> from m import pair\n>>> pair(1)\n(1, 1)\n```\n\n"
             "I expected `(1, 2) or so` and `one, two` here.\n")
    assert extract_checks(issue) == []


def test_no_claim_when_the_shown_output_already_holds_every_piece():
    prose = "I expected `- [A](#a)` and `- [B](#b)`."
    assert fragment_claims(["toc(d)"], ["- [A](#a)\n- [B](#b)"], "toc(d)", prose) == {}
    assert fragment_claims(["toc(d)"], ["- [A](#a)"], "toc(d)", prose) == {0: ("- [A](#a)", "- [B](#b)")}


def test_the_output_call_unwraps_repr_and_str():
    assert output_call("repr(toc(doc, depth=1))") == "toc(doc, depth=1)"
    assert output_call("str(f(x))") == "f(x)"
    assert output_call("len(f(x))") == "len(f(x))"


def test_outline_issue_gives_one_containment_check():
    [check] = extract_checks((ROOT / "agent" / "examples" / "outline" / "issue.md").read_text())
    assert check.kind == "contains" and check.call == "str(render_toc(doc, max_depth=1))"
    assert check.expected == "('- [Install](#install)', '- [Usage](#usage)')"
    assert "from mdtoc import render_toc" in check.setup
