"""A model-written reproduction test with a misplaced and a missing import, in real Docker (scripted model over
HTTP): the test stage repairs both imports from pytest's own errors, runs the test again and keeps it,
without asking the model again."""
from __future__ import annotations

import json

import pytest

from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from tests.support.kvstore import ISSUE, make_kvstore_repo
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import config

pytestmark = pytest.mark.docker

GOOD = "kvstore/store.py\n<<<<<<< SEARCH\n            if missing_ok:\n=======\n            if not missing_ok:\n>>>>>>> REPLACE\n"
# `Store` from the package (its __init__ is empty) and `pytest` never imported: two collection errors.
MODEL_TEST = ("```python\nfrom kvstore import Store\n\n\n@pytest.mark.parametrize('sid', ['s'])\n"
              "def test_logout_twice(sid):\n    store = Store()\n    store.start(sid)\n    store.end(sid)\n"
              "    store.end(sid)\n```")


def test_a_test_with_wrong_imports_is_repaired_and_kept(docker_client, tmp_path):
    asked = []

    def respond(messages):
        system, user = messages[0]["content"], messages[-1]["content"]
        if "find the code" in system:
            return "kvstore/store.py:Store.end"
        if "reproduce bug reports" in system:
            asked.append(len(messages))
            return MODEL_TEST
        if "fixes bugs" in system:
            return GOOD
        if "strict code reviewer" in system:
            return "Score: 8/10"
        return "I do not know."

    with ScriptedOpenAI(respond) as server:
        cfg = config(server.api_base, **{"patch.samples": 1, "test.samples": 1, "test.value_calls": 0,
                                         "test.traceback_calls": 0,
                                         "test.repair_imports": True})
        solve(issue_from_text(ISSUE), make_kvstore_repo(tmp_path), tmp_path / "run", cfg, progress=Progress(False))
    tests = json.loads((tmp_path / "run" / "02_tests" / "tests.json").read_text())
    model_test = next(t for t in tests if t["id"] == "t000")
    assert model_test["kept"], model_test["reason"]
    assert model_test["content"].startswith("from kvstore.store import Store\nimport pytest\n")
    assert "KeyError" in model_test["original_output"]
    assert asked == [2]          # one answer: the repairs needed no second turn
