"""A traceback the issue shows with no call the text gives: the model writes only the call, and the check
("the error disappears") is kept only when that call raises the issue's error where the issue shows it."""
from __future__ import annotations

import re
import subprocess
import sys

from agent.issue_checks import check_from_code, extract_checks
from agent.issue_render import render_check_test, reproduced_reason
from agent.issue_traceback import message_pattern, shown_errors
from agent.parsing import classify_pytest
from tests.support.kvstore import CALL, ISSUE, STORE, make_kvstore_repo

def test_the_end_of_a_shown_traceback_is_read():
    [error] = shown_errors(ISSUE)
    assert (error.raised, error.frame) == ("KeyError", "end") and error.line.startswith('KeyError: "unknown session')
    assert extract_checks(ISSUE) == []                   # no call of literals: nothing for the text alone
    # A failing test's assertion and an error raised in the user's own script are not the library's error.
    shown = "```\nTraceback (most recent call last):\n  File \"t.py\", line 3, in <module>\n    f()\nTypeError: bad\n```"
    assert shown_errors(shown) == []
    failing_test = shown.replace("<module>", "test_f").replace("TypeError: bad", "AssertionError: 1 != 2")
    assert shown_errors(failing_test) == []


def test_the_message_pattern_frees_values_and_keeps_words_and_names():
    def same(issue_message, message):
        return re.fullmatch(message_pattern(issue_message), message) is not None
    assert same('"unknown session \'GZ3pXw0m2VwQ0cGk9t0uUo2FqzJ1b0aL\'"', str(KeyError("unknown session 'abc'")))
    assert not same('"unknown session \'GZ3p\'"', str(KeyError("no such session 'abc'")))
    assert same("'NoneType' object has no attribute 'strip'", "'NoneType' object has no attribute 'strip'")
    assert not same("'NoneType' object has no attribute 'strip'", "'NoneType' object has no attribute 'lower'")
    assert same("ORDER BY position 4 is not in select list", "ORDER BY position 2 is not in select list")
    assert same("invalid UTC offset: 'Z'", "invalid  UTC offset: 'Z'") and not same("invalid UTC offset: 'Z'",
                                                                                   "invalid UTC offset: 'garbage'")


def _run(tmp_path, store: str, check_src: str) -> tuple[str, str]:
    (tmp_path / "kvstore").mkdir(exist_ok=True)
    (tmp_path / "kvstore" / "__init__.py").write_text("")
    (tmp_path / "kvstore" / "store.py").write_text(store)
    (tmp_path / "test_swe_agent_error_000.py").write_text(check_src)
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_swe_agent_error_000.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    outcome = classify_pytest(res.returncode, res.stdout, False)
    return outcome, res.stdout


def test_a_check_is_kept_only_when_the_call_raises_the_shown_error_where_shown(tmp_path):
    """Real pytest runs of the rendered check on the original module, a module whose error is raised
    elsewhere, one whose message differs, and the fixed module."""
    [error] = shown_errors(ISSUE)
    check = check_from_code("from kvstore.store import Store\nstore = Store()\nstore.end('abc')", None, error=error)
    assert check.kind == "not_raises" and check.source == "traceback_call" and check.where[0] == "end"
    src = render_check_test([check])
    outcome, out = _run(tmp_path, STORE, src)
    assert reproduced_reason(outcome, out) is None                                   # kept: the issue's bug
    elsewhere = STORE.replace("raise KeyError(f\"unknown session {sid!r}\")", "self.get(sid)")
    outcome, out = _run(tmp_path, elsewhere, src)          # KeyError('abc') from get(): another error
    assert reproduced_reason(outcome, out) is not None
    other = STORE.replace("unknown session", "no such session")
    outcome, out = _run(tmp_path, other, src)
    assert reproduced_reason(outcome, out) is not None
    fixed = STORE.replace("if missing_ok:", "if not missing_ok:")
    assert _run(tmp_path, fixed, src)[0] == "pass"


def test_the_test_stage_asks_for_the_call_keeps_the_check_and_resumes_without_the_model(tmp_path):
    """litellm's mock_response as the model, a local sandbox, a real git repository: one greedy question,
    the check e000 (origin issue_value: the issue's expectation, the model's call) is kept; a rerun with a
    model that would answer differently reads it back."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.testgen import write_tests

    repo = make_kvstore_repo(tmp_path)
    for reply in (CALL, "```python\nfrom kvstore.store import Store\nStore().get('x')\n```"):
        cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": reply,
                                       "test.samples": 0})
        with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
            tests = write_tests(ctx, [Location(file="kvstore/store.py", symbol="Store.end")])
        [case] = tests
        assert (case.id, case.kept, case.origin, case.check_kind) == ("e000", True, "issue_value", "not_raises")
        assert "store.end('abc')" in case.content and "where=('end'" in case.content


def test_a_call_that_does_not_raise_is_told_so_and_asked_once_more(tmp_path):
    """The 1.5B model's first answer on the bundled `sessions` issue ended a session that exists: no error.
    The second turn (a real HTTP server on 127.0.0.1 playing the model) shows what happened; the new call
    reproduces the issue and the check is kept."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.testgen import write_tests
    from tests.support.openai_server import ScriptedOpenAI

    repo = make_kvstore_repo(tmp_path)
    first = "```python\nfrom kvstore.store import Store\nstore = Store()\nstore.start('a')\nstore.end('a')\n```"
    seen = []

    def respond(messages):
        seen.append(messages)
        return first if len(seen) == 1 else CALL
    with ScriptedOpenAI(respond) as server:
        cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.name": "openai/scripted",
                                       "model.api_base": server.api_base, "test.samples": 0})
        with stage_context(issue_from_text(ISSUE), repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
            [case] = write_tests(ctx, [Location(file="kvstore/store.py", symbol="Store.end")])
    assert len(seen) == 2 and seen[1][-2]["content"] == first
    assert "it ran without raising any error" in seen[1][-1]["content"] and "inside `end`" in seen[1][-1]["content"]
    assert case.kept and "store.end('abc')" in case.content
