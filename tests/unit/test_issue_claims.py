"""The many ways people write "f(x) gives A but should give B" (agent/issue_claims.py), and the code
forms next to it: asserts, `# expected` on a session line, one print explained by the prose or by
"Output:" / "Expected output:" blocks (agent/issue_text.py)."""
from __future__ import annotations

import pytest

from agent.issue_checks import extract_checks
from agent.issue_claims import prose_claims

SCRIPT = "```python\nfrom temp import to_f\nprint(to_f(100))\n```\n"

SAME_CHECK = {
    "instead of": "Calling `to_f(100)` returns `148.0` instead of `212.0`.",
    "rather than": "`to_f(100)` returns `148.0` rather than `212.0`.",
    "got; expected": "`to_f(100)` gives `148.0`; expected `212.0`.",
    "I get … should be": "When I call `to_f(100)` I get `148.0` but it should be `212.0`.",
    "prints … I expected": "`print(to_f(100))` prints `148.0`, but I expected `212.0`.",
    "should be, not": "`to_f(100)` should be `212.0`, not `148.0`.",
    "next sentence": "`to_f(100)` returns `148.0`. The correct answer is `212.0`.",
    "arrow": "`to_f(100)` -> `148.0` (expected `212.0`)",
    "no backticks": "to_f(100) returns 148.0 but should return 212.0.",
    "expected … to return": "I expected `to_f(100)` to return `212.0`, but it returns `148.0`.",
    "is expected to be": "`to_f(100)` is expected to be `212.0` but is `148.0`.",
    "soft-wrapped": "Calling `to_f(100)` returns `148.0`\nbut it should return `212.0`.",
    "session + # expected": "```python\n>>> from temp import to_f\n>>> to_f(100)  # expected 212.0\n148.0\n```",
    "assert": "```python\nfrom temp import to_f\nassert to_f(100) == 212.0  # fails\n```",
    "assert, value first": "```python\nfrom temp import to_f\nassert 212.0 == to_f(100)\n```",
    "print + prose": SCRIPT + "This prints `148.0`. It should print `212.0`.",
    "print + output blocks": SCRIPT + "Output:\n```\n148.0\n```\n**Expected output:**\n```\n212.0\n```",
    # the prose readers' cues, heard by the claim reader too since they share agent/issue_cues.py
    "must return": "`to_f(100)` returns `148.0` but must return `212.0`.",
    "should equal": "`to_f(100)` gives `148.0`; it should equal `212.0`.",
    "expected values are": "`to_f(100)` returns `148.0`, but the expected values are `212.0`.",
}


@pytest.mark.parametrize("text", SAME_CHECK.values(), ids=SAME_CHECK.keys())
def test_each_phrasing_gives_the_one_check_the_issue_states(text):
    checks = extract_checks(text)
    assert [(c.kind, c.call, c.expected) for c in checks] == [("equals", "to_f(100)", "212.0")]


STATES_NOTHING = {
    "a question": "Would we want `to_f(100)` to return `212.0`?",
    "value before the call": "It should be: ('status', Field(default=1))",
    "two calls": "`to_f(100)` and `to_f(0)` should return `212.0`.",
    "two expected values": "`to_f(100)` should return `212.0` or `212`.",
    "expected equals shown": "`to_f(100)` returns `212.0` and should return `212.0`.",
    "no expectation": "`to_f(100)` returns `148.0` on my machine.",
    "an exception is no value": "`to_f(None)` should raise `TypeError`.",
    "values may belong to either call": "After `reset()`, `to_f(100)` returns `148.0` instead of `212.0`.",
    "a later call shows no value": "`to_f(0)` and `to_f(100)` return `148.0`, not `212.0`.",
}


@pytest.mark.parametrize("text", STATES_NOTHING.values(), ids=STATES_NOTHING.keys())
def test_sentences_that_do_not_tie_one_call_to_one_value_state_nothing(text):
    assert prose_claims(text) == []


def test_roles_come_from_the_cue_before_each_value():
    assert prose_claims("`f(1)` should be `2`, not `3`.") == [("f(1)", "3", "2", 1)]
    assert prose_claims("`f(1)` gives `3` rather than `2`.") == [("f(1)", "3", "2", 1)]
    # A constructor of literals is a value, not the call under test.
    assert prose_claims("`count(['a', 'a'])` returns `Counter({'a': 1})`, expected `Counter({'a': 2})`.") == \
        [("count(['a', 'a'])", "Counter({'a': 1})", "Counter({'a': 2})", 1)]


def test_a_sentence_may_list_one_claim_per_call():
    """"`f(a)` returns A but should return B, and `f(b)` returns C but should return D": each call is
    tied to the values between it and the next call. Calls after the last claim ("and `book()` raises
    `Conflict`") add nothing and take nothing away."""
    text = ("It happens on half cents: `round_cents(2.675)` returns `2.67` but should return `2.68`, and "
            "`round_cents(0.125)` returns `0.12` but should return `0.13`.")
    assert prose_claims(text) == [("round_cents(2.675)", "2.67", "2.68", 1), ("round_cents(0.125)", "0.12", "0.13", 1)]
    text = ("`cal.is_free('Ada', '10:00')` returns `False` but should return `True`, and "
            "`cal.book('Ada', '10:00')` raises `Conflict` instead of booking.")
    assert prose_claims(text) == [("cal.is_free('Ada', '10:00')", "False", "True", 1)]


def test_a_heading_is_its_own_sentence():
    """A title naming the function (`# dedupe() reorders`) must not join the claim under it as a second call."""
    text = "# dedupe() reorders the items\n\n`dedupe([3, 1, 3])` returns `[1, 3]` but should return `[3, 1]`: see docs."
    assert prose_claims(text) == [("dedupe([3, 1, 3])", "[1, 3]", "[3, 1]", 2)]


def test_printed_text_that_is_no_literal_is_compared_as_printed():
    text = ("```python\nfrom toc import render\nprint(render('# A'))\n```\nActual output:\n```\n- A\n```\n"
            "Expected output:\n```\n- [A](#a)\n```\n")
    [check] = extract_checks(text)
    assert (check.call, check.expected, check.observed) == ("str(render('# A')).strip()", "'- [A](#a)'", "- A")
    assert check.setup == ("from toc import render",)


def test_a_script_whose_outputs_are_shown_keeps_its_own_observations():
    """The print-only observation is for a script that shows no output at all: it must not join
    (and so confuse the tie of) a script whose comments show outputs."""
    text = ("```python\nfrom temp import to_f\nprint(to_f(0))\nprint(to_f(100))  # 148.0\n```\n"
            "I expected `212.0`.")
    assert [(c.call, c.expected) for c in extract_checks(text)] == [("to_f(100)", "212.0")]


def test_an_output_block_equal_to_the_expected_one_states_nothing():
    text = SCRIPT + "Output:\n```\n212.0\n```\nExpected output:\n```\n212.0\n```"
    assert extract_checks(text) == []


def test_a_traceback_shown_on_its_own_gives_its_outermost_literal_call():
    tb = ('```\nTraceback (most recent call last):\n  File "job.py", line 31, in build_rows\n'
          '    rows[name] = summarize(window, q=0.5)\n  File ".../stats.py", line 20, in summarize\n'
          '    return ordered[low]\nIndexError: list index out of range\n```\n')
    [check] = extract_checks(tb + "\n`window` was `[]` at the time.")
    assert (check.kind, check.call, check.raised, check.source) == ("not_raises", "summarize([], q=0.5)",
                                                                      "IndexError", "traceback")
    assert extract_checks(tb) == []                 # `window` unknown: no call can be made of it
    # A script shown before the traceback owns it (its last call raised), as before.
    script = "```python\nfrom stats import summarize\nsummarize([])\n```\n"
    [owned] = extract_checks(script + tb)
    assert (owned.call, owned.source) == ("summarize([])", "script")
    [wants] = extract_checks(tb + "\n`window` was `[]`. I expected a `ValueError` instead.")
    assert (wants.kind, wants.expected_exception) == ("raises_not", "ValueError")


def test_a_bound_value_is_parsed_into_the_call_never_pasted_as_text():
    """A backslash or a group reference in the issue's value must not reach a regex replacement, and a
    name is replaced where it is a name, not inside an attribute (`opts.text` keeps its `.text`)."""
    tb = ('```\nTraceback (most recent call last):\n  File "job.py", line 3, in run\n'
          '    out = clean(text, opts.text)\nValueError: bad\n```\n')
    [check] = extract_checks(tb + "`text` was `'a\\\\1b'` and `opts` is `None`.")
    assert check.call == "clean('a\\\\1b', None.text)"


def test_a_pronoun_between_the_cue_and_its_value():
    """"gives me `4`", "returns me 4", "gives me back `4`": the value still follows its cue."""
    for text in ("Calling `add(1, 2)` gives me `4`. Expected `3`.", "Calling `add(1, 2)` gives me back `4`. I expected `3`.",
                 "When I call add(1, 2) it returns me 4, but it should give me 3."):
        assert [c[:3] for c in prose_claims(text)] == [("add(1, 2)", "4", "3")], text


APPROXIMATE = {
    "about … about, then a dash": ("`dist((48.8, 2.3), (51.5, -0.1))` returns about `213.5` but should return about "
                                   "`343.6` — the real distance is roughly 344 km.", "343.6", 0.1, "213.5"),
    "tilde, no backticks": ("When I call area(2) I get ~9.42 but it should be ~12.57.", "12.57", 0.01, "9.42"),
    "approximately an integer": ("`count_words(text)` gives `498`; expected approximately `1000`.", "1000", 1.0, "498"),
    "roughly, exponent": ("`energy(3)` returns `2.1e3` instead of roughly `1.5e3`.", "1.5e3", 100.0, "2.1e3"),
}


@pytest.mark.parametrize("text, expected, tolerance, shown", APPROXIMATE.values(), ids=APPROXIMATE.keys())
def test_a_value_stated_as_approximate_is_met_within_a_unit_of_its_last_digit(text, expected, tolerance, shown):
    [check] = extract_checks(text)
    assert (check.kind, check.expected, check.observed) == ("equals", repr(float(expected)) if "." in expected or
                                                            "e" in expected else expected, shown)
    assert check.tolerance == pytest.approx(tolerance)


def test_approximate_words_that_do_not_qualify_a_number_change_nothing():
    exact = extract_checks("`to_f(100)` returns `148.0` but should return `212.0` — about what the docs say.")
    assert [(c.expected, c.tolerance) for c in exact] == [("212.0", None)]
    # "about" before a string or a bool is no tolerance; a shown value already within the stated one is no bug.
    [text] = extract_checks("`label(1)` returns `'a'` but should return about `'b'`.")
    assert (text.expected, text.tolerance) == ("'b'", None)
    assert extract_checks("`f(1)` returns about `3.14` but should be about `3.1`.") == []
    from agent.issue_claims import APPROX, approximate
    assert approximate(APPROX + "-2.50") == ("-2.50", pytest.approx(0.01)) and approximate("2.5") == ("2.5", None)
    assert approximate(APPROX + "1e-3") == ("1e-3", pytest.approx(0.001)) and approximate(APPROX + "0x1e5")[1] is None


@pytest.mark.parametrize("result, outcome", [("213.476", 1), ("343.5565", 0), ("343.69", 0), ("343.75", 1)])
def test_the_approximate_check_fails_for_the_issues_reason_and_passes_within_the_tolerance(tmp_path, result, outcome):
    import subprocess
    import sys
    from agent.issue_render import render_check_test, reproduced_reason
    [check] = extract_checks("```python\nfrom geo import dist\n```\n\n`dist(1, 2)` returns about `213.5` but should "
                             "return about `343.6`.\n")
    (tmp_path / "geo.py").write_text(f"def dist(a, b):\n    return {result}\n")
    (tmp_path / "test_issue.py").write_text(render_check_test([check]))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_issue.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == outcome, res.stdout
    if outcome:
        assert reproduced_reason("fail", res.stdout) is None and "expects about 343.6" in res.stdout
