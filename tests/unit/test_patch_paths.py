"""Where a patch answer lands when the model names the wrong file (agent/stages/patch_edits.py):
the replies below are shapes the embedded 1.5B model sent in the test-split runs of session 11."""
import subprocess
import textwrap

import pytest

from agent.parsing import FormatError, IdenticalError, UnchangedError
from agent.prompting import render
from agent.stages.patch_edits import ask_one_line, copies_example, land_changes, owner_of, parser_for
from sandbox.local_sandbox import LocalSandbox

STORE = textwrap.dedent('''\
    class SessionStore:
        def __init__(self):
            self._sessions = {}

        def end(self, sid, missing_ok=True):
            if sid not in self._sessions:
                if missing_ok:
                    raise KeyError(sid)
                return
            del self._sessions[sid]


    def sessions_for(store, user):
        return sorted(s for s in store._sessions.values() if s.user == user)
    ''')
CORE = "def parse(text):\n    return text.split('.')\n\n\ndef end():\n    return 0\n"
FIXED_END = ("```python\ndef end(self, sid, missing_ok=True):\n    if sid not in self._sessions:\n"
             "        if not missing_ok:\n            raise KeyError(sid)\n        return\n"
             "    del self._sessions[sid]\n```\n")
SOURCES = {"websession/store.py": STORE, "websession/util.py": "def helper():\n    return 1\n"}


def changes(reply, fmt="function"):
    return parser_for(fmt, "websession/store.py", len(STORE))(reply)


def test_a_function_under_the_issues_script_name_lands_in_the_file_that_defines_it():
    # semver: "release.py" is the user's script from the issue's traceback
    [ch] = changes("release.py\n" + FIXED_END)
    assert owner_of(ch, SOURCES) == "websession/store.py"
    [ch] = changes("### sessions_for.py\n```python\ndef sessions_for(store, user):\n    return []\n```")
    assert owner_of(ch, SOURCES) == "websession/store.py"


def test_an_unchanged_copy_still_names_its_file_so_the_feedback_can_say_so():
    [ch] = changes("sessions_for.py\n```python\n" + STORE.split("\n\n\n")[1] + "```")
    assert owner_of(ch, SOURCES) == "websession/store.py"


def test_no_owner_when_only_new_functions_or_several_files_fit():
    [ch] = changes("release.py\n```python\ndef brand_new():\n    return 2\n```")
    assert owner_of(ch, SOURCES) is None        # appending everywhere fits nowhere in particular
    # `end` is a method in store.py and a function in core.py: ambiguous, so no guess
    [ch] = changes("x.py\n```python\ndef end():\n    return 1\n```")
    assert owner_of(ch, {**SOURCES, "versions/core.py": CORE}) is None
    [ch] = changes("x.py\n<<<<<<< SEARCH\n\n=======\nprint(1)\n>>>>>>> REPLACE\n", fmt="search_replace")
    assert owner_of(ch, SOURCES) is None        # an empty SEARCH creates x.py; it never moves


def test_a_search_block_lands_in_the_one_file_that_holds_its_text():
    reply = ("hello/greet.py\n<<<<<<< SEARCH\n                if missing_ok:\n=======\n"
             "                if not missing_ok:\n>>>>>>> REPLACE\n")
    [ch] = changes(reply, fmt="search_replace")
    assert owner_of(ch, SOURCES) == "websession/store.py"


@pytest.fixture
def sandbox(tmp_path):
    repo = tmp_path / "repo"
    (repo / "websession").mkdir(parents=True)
    for path, text in SOURCES.items():
        (repo / path).write_text(text)
    subprocess.run("git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm base",
                   shell=True, cwd=repo, check=True)
    box = LocalSandbox(repo)
    yield box
    box.close()


def test_land_changes_moves_a_misaddressed_edit_and_records_the_rule(sandbox):
    known = set(SOURCES)
    diff, files, rules = land_changes(changes("Websession/Store.py\n" + FIXED_END), sandbox, known,
                                      sources=SOURCES)
    assert rules == ["function:SessionStore.end"] and "if not missing_ok" in files["websession/store.py"]
    sandbox.write_file("websession/store.py", STORE)
    diff, files, rules = land_changes(changes("release.py\n" + FIXED_END), sandbox, known, sources=SOURCES)
    assert rules == ["path:by-content", "function:SessionStore.end"]
    assert "+++ b/websession/store.py" in diff
    with pytest.raises(FormatError, match="release.py does not exist"):      # without sources: as before
        sandbox.write_file("websession/store.py", STORE)
        land_changes(changes("release.py\n" + FIXED_END), sandbox, known)
    with pytest.raises(UnchangedError, match="identical"):
        land_changes(changes("sessions_for.py\n```python\n" + STORE.split("\n\n\n")[1] + "```"), sandbox,
                     known, sources=SOURCES)


def test_a_revision_that_takes_its_change_back_is_refused(sandbox):
    # stats and bytesize (sessions 34 and 42): the first answer fixed a line, the revision put the original code
    # back with a comment on it; against the sandbox's file that is a change, against the base commit it is none
    known = set(SOURCES)
    original = SOURCES.__getitem__
    land_changes(changes("websession/store.py\n" + FIXED_END), sandbox, known, sources=SOURCES, original=original)
    back = ("websession/store.py\n```python\ndef end(self, sid, missing_ok=True):\n"
            "    if sid not in self._sessions:\n        if missing_ok:  # fixed\n            raise KeyError(sid)\n"
            "        return\n    del self._sessions[sid]\n```\n")
    with pytest.raises(UnchangedError, match="takes the earlier change back"):
        land_changes(changes(back), sandbox, known, sources=SOURCES, original=original)
    assert "if not missing_ok" in sandbox.read_file("websession/store.py")      # the sandbox is left as it was
    sandbox.write_file("websession/util.py", "def helper():\n    return 2\n")  # another change stays: a candidate
    diff, files, _ = land_changes(changes(back), sandbox, known, sources=SOURCES, original=original)
    assert "return 2" in diff and "# fixed" in files["websession/store.py"]
    sandbox.write_file("websession/util.py", SOURCES["websession/util.py"])
    sandbox.write_file("websession/store.py", STORE.replace("if missing_ok:", "if not missing_ok:"))
    diff, files, _ = land_changes(changes(back), sandbox, known, sources=SOURCES)    # without `original`: as before
    assert "# fixed" in diff


@pytest.mark.parametrize("fmt", ["patch_function", "patch"])
def test_the_format_example_copied_back_is_recognised(fmt):
    system = render(fmt, "system", example_path="websession/store.py")
    copied = {"patch_function": 'hello/greet.py\n```python\ndef greet(name):\n    return "Hello, " + name\n```',
              "patch": 'hello/greet.py\n<<<<<<< SEARCH\n    return "Helo, " + name\n=======\n'
                       '    return "Hello, " + name\n>>>>>>> REPLACE'}[fmt]
    assert copies_example(copied, system)
    assert not copies_example("hello/greet.py\n" + FIXED_END, system)
    assert not copies_example("```python\n```", system)     # nothing to judge


def test_a_function_copied_unchanged_is_asked_for_its_one_wrong_line(sandbox):
    copy = "websession/store.py\n```python\n" + STORE.split("\n\n\n")[0].split("\n\n", 1)[1] + "```"
    chs = changes(copy.replace("websession/", "Websession/"))
    with pytest.raises(IdenticalError) as info:
        land_changes(chs, sandbox, set(SOURCES), sources=SOURCES)
    asked = f"{info.value} {ask_one_line(info.value)}"
    assert asked.startswith("Your function is identical") and "Find the line of `end`" in asked
    assert "websession/store.py\n<<<<<<< SEARCH\n" in asked       # the resolved path, not the model's spelling
    # the answer to it lands although a function was asked for (a path line or not)
    for line in ("websession/store.py\n", ""):
        reply = line + "<<<<<<< SEARCH\n            if missing_ok:\n=======\n            if not missing_ok:\n>>>>>>> REPLACE"
        diff, files, rules = land_changes(changes(reply), sandbox, set(SOURCES), sources=SOURCES)
        assert rules == ["exact"] and "if not missing_ok" in files["websession/store.py"]
        sandbox.write_file("websession/store.py", STORE)


def test_the_patch_stage_asks_for_the_line_and_keeps_the_candidate(tmp_path):
    """A scripted sample: the function copied unchanged, then the one-line SEARCH/REPLACE asked for."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from tests.support.pipeline import ISSUE, OPS, make_repo

    unchanged = "calc/ops.py\n```python\n" + OPS.split("\n\n\n")[0] + "\n```"
    fix = "<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE"
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": [unchanged, fix],
                                   "patch.samples": 1, "patch.mutants": 0, "patch.edit_format": "function"})
    with stage_context(issue_from_text(ISSUE), make_repo(tmp_path), tmp_path / "run", cfg, None,
                       Progress(False)) as ctx:
        [traj], cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add")], [])
    assert [c.diff.count("+    return a + b") for c in cands] == [1]
    assert "Find the line of `add`" in traj.steps[0].error and traj.steps[1].error is None


def test_the_asked_format_comes_first_and_prose_before_a_search_block_is_not_a_path():
    # a ```diff block that does not fit beside a correct function: the function lands, as before
    reply = ("```diff\n--- a/websession/store.py\n+++ b/websession/store.py\n@@ -1 +1 @@\n-nothing like it\n"
             "+else\n```\n" + "websession/store.py\n" + FIXED_END)
    [ch] = changes(reply)
    assert ch.land(STORE)[1] == "function:SessionStore.end"
    for prose in ("Here is the fix:\n", "Fix for `websession/store.py`:\n"):
        [ch] = changes(prose + "<<<<<<< SEARCH\n                if missing_ok:\n=======\n"
                       "                if not missing_ok:\n>>>>>>> REPLACE")
        assert ch.path == "websession/store.py"


def test_an_unparsable_shown_file_does_not_fit_and_new_files_are_not_redirected(sandbox):
    [ch] = changes("release.py\n```python\nLIMIT = 3\n\n\ndef f():\n    return LIMIT\n```")
    shown = {"a.py": "LIMIT = 1\n\n\ndef f():\n    return LIMIT\n", "legacy.py": "print 'hello'\n"}   # Python 2
    assert owner_of(ch, shown) == "a.py"
    reply = ("websession/fresh.py\n<<<<<<< SEARCH\n=======\nX = 1\n>>>>>>> REPLACE\n"
             "websession/fresh.py\n<<<<<<< SEARCH\nX = 1\n=======\nX = 2\n>>>>>>> REPLACE")
    diff, files, rules = land_changes(changes(reply, fmt="search_replace"), sandbox, set(SOURCES), sources=SOURCES)
    assert rules == ["new_file", "exact"] and files == {"websession/fresh.py": "X = 2\n"}


def test_case_is_folded_before_directories_are_dropped():
    from agent.search_replace import resolve_path
    assert resolve_path("Src/app.py", {"src/app.py", "app.py"}) == "src/app.py"


def test_the_ask_names_the_suspect_a_copied_module_holds_not_its_first_class(sandbox):
    copy = "websession/store.py\n```python\n" + STORE + "```"          # the whole module, unchanged
    chs = changes(copy)
    with pytest.raises(IdenticalError) as info:
        land_changes(chs, sandbox, set(SOURCES), sources=SOURCES)
    assert "Find the line of `SessionStore`" in ask_one_line(info.value)
    assert "Find the line of `SessionStore.end`" in ask_one_line(info.value, ["SessionStore.end"])
    assert "Find the line of `sessions_for`" in ask_one_line(info.value, ["gone", "sessions_for"])


def test_function_format_prompts_outline_a_whole_file_location_when_asked(tmp_path):
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    from tests.support.pipeline import ISSUE, make_repo

    fix = "calc/ops.py\n```python\ndef add(a, b):\n    return a + b\n```"
    repo, prompts = make_repo(tmp_path), {}
    for excerpt in ("full", "outline"):
        cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.mock_response": fix, "patch.samples": 1,
                                       "patch.mutants": 0, "patch.cloze": 0, "patch.edit_format": "function",
                                       "patch.function_excerpt": excerpt})
        with stage_context(issue_from_text(ISSUE), repo, tmp_path / excerpt, cfg, None, Progress(False)) as ctx:
            [traj], cands = generate_patches(ctx, [Location(file="calc/ops.py", symbol="add"),
                                                   Location(file="calc/ops.py")], [])
        assert [c.diff.count("+    return a + b") for c in cands] == [1]
        prompts[excerpt] = next(m["content"] for m in traj.messages if m["role"] == "user")
    # The located function in full either way; the rest of the whole-file location only as its def line.
    assert all('"""Return the sum of a and b."""' in p and "def mul(a, b):" in p for p in prompts.values())
    assert "return a * b" in prompts["full"] and "return a * b" not in prompts["outline"]
