import pytest

from agent.editing import apply_edit
from agent.parsing import (FormatError, classify_pytest, extract_command, extract_python, parse_choice,
                           parse_locations, parse_score, pytest_failures, issue_errors, repro_failure_reason)
from agent.search_replace import Edit, parse_search_replace
from agent.cutoff import extract_test

REPLY = """I will fix it.

calc/ops.py
```python
<<<<<<< SEARCH
def add(a, b):
    return a - b
=======
def add(a, b):
    return a + b
>>>>>>> REPLACE
```
"""


def test_search_replace_with_inner_fences():
    edits = parse_search_replace(REPLY)
    assert edits == [Edit("calc/ops.py", "def add(a, b):\n    return a - b", "def add(a, b):\n    return a + b")]


def test_search_replace_multiple_blocks_reuse_path():
    text = ("a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
            "\n<<<<<<< SEARCH\ny = 1\n=======\ny = 2\n>>>>>>> REPLACE\n")
    edits = parse_search_replace(text)
    assert [e.path for e in edits] == ["a.py", "a.py"]
    assert edits[1].replace == "y = 2"


def test_search_replace_garbage_is_format_error():
    with pytest.raises(FormatError, match="No SEARCH/REPLACE"):
        parse_search_replace("I think the bug is in add().")
    with pytest.raises(FormatError):
        parse_search_replace("")


def test_apply_edit_exact_and_tolerant():
    src = "def f():\n    return 1  \n\ndef g():\n    return 2\n"
    assert apply_edit(src, Edit("m.py", "    return 2", "    return 3")).endswith("return 3\n")
    # trailing whitespace in the file, none in the SEARCH
    out = apply_edit(src, Edit("m.py", "def f():\n    return 1", "def f():\n    return 10"))
    assert "return 10" in out and "return 2" in out
    # the model dropped the indentation: matched ignoring it, replacement re-indented
    out = apply_edit(src, Edit("m.py", "return 2", "return 4"))
    assert "    return 4" in out


def test_apply_edit_missing_search_is_clear():
    with pytest.raises(FormatError, match="not found in m.py"):
        apply_edit("x = 1\n", Edit("m.py", "y = 2", "y = 3"))
    with pytest.raises(FormatError, match="empty"):
        apply_edit("x = 1\n", Edit("m.py", "", "y = 3"))
    assert apply_edit("", Edit("new.py", "", "y = 3")) == "y = 3\n"


def test_extract_python_and_command():
    assert extract_python("```python\ndef test_x():\n    assert 1\n```") == "def test_x():\n    assert 1\n"
    with pytest.raises(FormatError):
        extract_python("no code")
    assert extract_command("look:\n```bash\nls -la\n```") == "ls -la"
    assert extract_command("```python\nprint(1)\n```") is None


def test_parse_locations_filters_unknown_and_resolves_suffix():
    known = {"pkg/ops.py", "pkg/util.py"}
    locs = parse_locations("pkg/ops.py:add\nops.py:sub\nmissing.py:x\nutil.py", known)
    assert [(l.file, l.symbol) for l in locs] == [("pkg/ops.py", "add"), ("pkg/ops.py", "sub"), ("pkg/util.py", None)]
    with pytest.raises(FormatError):
        parse_locations("nothing useful", known)


@pytest.mark.parametrize("text,value", [("Score: 7/10", 0.7), ("score = 10", 1.0), ("first 2/10... final Score: 9/10", 0.9),
                                        ("Score: 0.4", 0.4), ("Score: 15/10", 1.0)])
def test_parse_score(text, value):
    assert parse_score(text) == pytest.approx(value)


def test_parse_score_garbage():
    with pytest.raises(FormatError):
        parse_score("looks fine to me")


def test_parse_choice():
    assert parse_choice("c1 is wrong. ANSWER: c2", ["c1", "c2"]) == "c2"
    assert parse_choice("I prefer **c1**", ["c1", "c2"]) == "c1"
    with pytest.raises(FormatError):
        parse_choice("both c1 and c2 are good", ["c1", "c2"])


def test_classify_pytest_and_repro_reason():
    assert classify_pytest(0, "1 passed", False) == "pass"
    assert classify_pytest(1, "1 failed", False) == "fail"
    assert classify_pytest(2, "1 error", False) == "error"
    assert classify_pytest(1, "1 error in 0.1s", False) == "error"
    assert classify_pytest(5, "no tests ran", False) == "error"
    assert classify_pytest(-1, "", True) == "timeout"
    assert repro_failure_reason("fail", "E   AssertionError: 3 != 4") is None
    assert "NameError" in repro_failure_reason("fail", "E   NameError: name 'foo' is not defined")
    assert "passes" in repro_failure_reason("pass", "")
    assert "error" in repro_failure_reason("error", "")


def test_pytest_failures():
    out = "FAILED tests/test_a.py::test_x - assert 1\nERROR tests/test_b.py::test_y\nFAILED tests/test_a.py::test_x"
    assert pytest_failures(out) == ["tests/test_a.py::test_x", "tests/test_b.py::test_y"]


def test_repro_failure_must_come_from_code_under_test():
    own = ("test_r.py:7: in test_x\n    top = top(text)\nE   TypeError: 'int' object is not callable\n")
    assert "test's own code" in repro_failure_reason("fail", own, "test_r.py")
    inside = ("test_r.py:5: in test_x\n    count(text)\npkg/counter.py:12: in count\n    raise ValueError\n"
              "E   ValueError: bad\n")
    assert repro_failure_reason("fail", inside, "test_r.py") is None
    assert repro_failure_reason("fail", "test_r.py:5: in test_x\nE   assert 1 == 2\n", "test_r.py") is None
    assert "UnboundLocalError" in repro_failure_reason("fail", "E   UnboundLocalError: x", "test_r.py")
    # pytest.raises that did not raise is the test's verdict on the code, not a defect of the test
    raises = ("test_r.py:6: in test_empty_name\n    with pytest.raises(ValueError):\n"
              "E   Failed: DID NOT RAISE <class 'ValueError'>\n")
    assert repro_failure_reason("fail", raises, "test_r.py") is None


ISSUE_TRACEBACK = """retry_call hides the real error

```
Traceback (most recent call last):
  File "sync.py", line 41, in <module>
    for item in fetch_page(1)["items"]:
TypeError: 'NoneType' object is not subscriptable
```
and with the other client it was `requests.exceptions.ConnectionError: Max retries exceeded`.
"""


def test_issue_errors_reads_the_exceptions_an_issue_shows():
    assert issue_errors(ISSUE_TRACEBACK) == {("TypeError", "'NoneType' object is not subscriptable"),
                                             ("ConnectionError", "Max retries exceeded")}
    assert issue_errors("It returns 3 but should return 4.") == set()


def test_the_issue_own_exception_raised_in_the_test_reproduces_the_symptom():
    """retrying (test split): the test subscripts what retry_call returned, exactly as the issue's
    script does; the TypeError sits in the test's frame but it is the reported symptom."""
    own = ('test_r.py:31: in test_fetch\n    for item in fetch_page(1)["items"]:\n'
           "E   TypeError: 'NoneType' object is not subscriptable\n")
    shown = issue_errors(ISSUE_TRACEBACK)
    assert repro_failure_reason("fail", own, "test_r.py", shown) is None
    assert "test's own code" in repro_failure_reason("fail", own, "test_r.py")          # without the issue's errors
    other = "test_r.py:7: in test_x\nE   TypeError: 'int' object is not callable\n"
    assert "test's own code" in repro_failure_reason("fail", other, "test_r.py", shown)  # another message
    name = "test_r.py:7: in test_x\nE   NameError: name 'get_client' is not defined\n"
    assert "NameError" in repro_failure_reason("fail", name, "test_r.py", shown)


def test_search_replace_copied_line_numbers_and_placeholder_path():
    text = ("path/to/pkg/m.py\n<<<<<<< SEARCH\n  18 |     for raw in text.split(\" \"):\n  19 |         pass\n"
            "=======\n  18 |     for raw in text.split():\n  19 |         pass\n>>>>>>> REPLACE\n")
    [edit] = parse_search_replace(text)
    assert edit.path == "pkg/m.py"
    assert edit.search == '    for raw in text.split(" "):\n        pass'
    assert edit.replace == "    for raw in text.split():\n        pass"


def test_resolve_path_and_strip_line_numbers():
    from agent.search_replace import resolve_path, strip_line_numbers
    known = {"tempconv/convert.py", "tempconv/__init__.py", "tests/test_convert.py"}
    assert resolve_path("app/tempconv/convert.py", known) == "tempconv/convert.py"
    assert resolve_path("convert.py", known) == "tempconv/convert.py"
    assert resolve_path("__init__.py", known | {"other/__init__.py"}) == "__init__.py"   # ambiguous: unchanged
    assert resolve_path("new_module.py", known) == "new_module.py"
    # sessions (test split): the model capitalized the package, 8 times in one run
    assert resolve_path("Tempconv/convert.py", known) == "tempconv/convert.py"
    assert resolve_path("app/TempConv/Convert.py", known) == "tempconv/convert.py"
    assert resolve_path("Tempconv/convert.py", known | {"Tempconv/Convert.py"}) == "Tempconv/convert.py"  # never guess
    assert strip_line_numbers("   7 |     return x\n   8 | \n") == "    return x\n\n"


def test_a_test_file_cut_off_by_the_token_cap_keeps_its_complete_lines():
    """rangeparse (test split): the model repeated ever longer asserts until the cap, twice."""
    cut = ("Here is the test:\n```python\nfrom pageranges import parse_ranges\n\n\ndef test_parse_ranges():\n"
           '    assert parse_ranges("1-3") == [1, 2, 3]\n    assert parse_ranges("1-3,5") == [1, 2, 3, 5]\n'
           '    assert parse_ranges("1-3,5,7-8,10,12,14,16,18,20,22,24,26,28,30,32") == [1, 2, ')
    kept = extract_test(cut)
    assert kept.endswith('== [1, 2, 3, 5]\n') and "32" not in kept
    compile(kept, "t.py", "exec")
    assert extract_test("```python\ndef test_x():\n    assert 1\n```\n") == "def test_x():\n    assert 1\n"
    with pytest.raises(FormatError):
        extract_test("```python\nfrom pageranges import parse_ranges\nx = parse_ranges(\"1-")   # no test left
    with pytest.raises(FormatError):
        extract_test("I cannot write a test for this.")


def test_a_fence_inside_the_code_does_not_end_its_block():
    """outline (train split, 72af736): the module handles Markdown, so its code holds `startswith("```")`;
    every whole-file answer was refused as "cut off" (6 of 8 samples) and the example got no candidate."""
    from agent.parsing import code_blocks, fence_blocks
    from agent.splice import parse_whole_file
    module = ('import re\n\n\ndef fenced(lines):\n    for line in lines:\n        if line.lstrip().startswith("```"):\n'
              '            return True\n    return False\n')
    reply = f"Here is the file:\n```python\n{module}```\nDone."
    assert code_blocks(reply, ("python",)) == [module]
    assert parse_whole_file(reply, "md/toc.py", len(module)) == module
    assert fence_blocks(reply) == [("python", module, 18, 18 + len("```python\n") + len(module) + 3)]
    # A fence closed mid-line (small models do) still ends its block: fence lines that do not pair up
    # fall back to the lenient reading.
    assert code_blocks("```python\ndef f():\n    return 1```\nx\n```py\ng\n```") == ["def f():\n    return 1", "g\n"]
    assert fence_blocks("```python\ndef f():\n    return 1```") is None
