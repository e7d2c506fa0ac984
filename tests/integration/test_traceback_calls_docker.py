"""A traceback-only issue through the whole pipeline in real Docker (scripted model over HTTP): the test
stage asks the model for the call that raises the shown error, keeps it as an error-gone check, and that
check outweighs a judge that prefers a patch which still raises the issue's error."""
from __future__ import annotations

import json

import pytest

from agent.pipeline import solve
from agent.progress import Progress
from agent.repo_input import issue_from_text
from tests.support.openai_server import ScriptedOpenAI
from tests.support.pipeline import config
from tests.support.kvstore import CALL, ISSUE, make_kvstore_repo

pytestmark = pytest.mark.docker

SEARCH = "kvstore/store.py\n<<<<<<< SEARCH\n            if missing_ok:\n=======\n{}\n>>>>>>> REPLACE\n"
GOOD = SEARCH.format("            if not missing_ok:")
# Still raises the KeyError in end(), only worded differently: the issue's error, not a fix.
WRONG = ("kvstore/store.py\n<<<<<<< SEARCH\n                raise KeyError(f\"unknown session {sid!r}\")\n=======\n"
         "                raise KeyError(f\"unknown session id {sid!r}\")\n>>>>>>> REPLACE\n")
# The model's own reproduction test asserts the bug as the behaviour (as the 1.5B model did on this issue).
MODEL_TEST = ("```python\nimport pytest\nfrom kvstore.store import Store\n\n\ndef test_logout_twice():\n"
              "    store = Store()\n    store.start('s')\n    store.end('s')\n    with pytest.raises(KeyError):\n"
              "        store.end('s')\n\n\ndef test_end_unknown():\n    Store().end('never')\n```")


def test_the_issues_traceback_grounds_a_check_that_outweighs_the_judge(docker_client, tmp_path):
    patches = iter([WRONG, GOOD] * 4)

    def respond(messages):
        system, user = messages[0]["content"], messages[-1]["content"]
        if "find the code" in system:
            return "kvstore/store.py:Store.end"
        if "The issue shows this error" in user:
            return CALL
        if "reproduce bug reports" in system:
            return MODEL_TEST
        if "fixes bugs" in system:
            return next(patches)
        if "strict code reviewer" in system:
            return "Score: 9/10" if "unknown session id" in user else "Score: 2/10"
        return "I do not know."

    with ScriptedOpenAI(respond) as server:
        cfg = config(server.api_base, **{"patch.samples": 2, "test.samples": 1})
        result = solve(issue_from_text(ISSUE), make_kvstore_repo(tmp_path, tests=True), tmp_path / "run", cfg, progress=Progress(False))
    run = tmp_path / "run"
    tests = json.loads((run / "02_tests" / "tests.json").read_text())
    error = next(t for t in tests if t["id"] == "e000")
    assert error["kept"] and error["origin"] == "issue_value" and error["check_kind"] == "not_raises"
    matrix = json.loads((run / "04_execution" / "matrix.json").read_text())
    outcome = {(c["candidate"], c["test"]): c["outcome"] for c in matrix["cells"]}
    cands = json.loads((run / "03_patches" / "candidates.json").read_text())
    good = next(c["id"] for c in cands if "if not missing_ok" in c["diff"])
    wrong = next(c["id"] for c in cands if "unknown session id" in c["diff"])
    assert outcome[(good, "e000")] == "pass" and outcome[(wrong, "e000")] != "pass"
    assert result.final_diff and "if not missing_ok" in result.final_diff, result.diagnosis
