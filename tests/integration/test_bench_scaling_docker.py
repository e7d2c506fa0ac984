"""The scaling benchmark's whole script (scripts/bench_scaling.py) on one example with a scripted model
server, judged by the real hidden test in Docker (estimators and bookkeeping: unit/test_bench_scaling.py)."""
from __future__ import annotations

import importlib.util
import json

import pytest

from tests.support.paths import ROOT


WRONG = 'wordfreq/counter.py\n<<<<<<< SEARCH\n    for raw in text.split(" "):\n=======\n    for raw in text.split("\\n"):\n>>>>>>> REPLACE\n'
GOOD = 'wordfreq/counter.py\n<<<<<<< SEARCH\n    for raw in text.split(" "):\n=======\n    for raw in text.split():\n>>>>>>> REPLACE\n'
REPRO = ("```python\nfrom wordfreq import count_words\n\n\ndef test_lines():\n"
         "    assert count_words('the cat\\nthe dog')['the'] == 2\n    assert count_words('a b')['a'] == 1\n```")


@pytest.mark.docker
def test_bench_script_with_scripted_model(docker_client, tmp_path, capsys):
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import Script

    spec = importlib.util.spec_from_file_location("bench_scaling", ROOT / "scripts" / "bench_scaling.py")
    bench_scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_scaling)

    # Sample 0 is wrong, sample 1 right: N=1 must abstain (its only candidate fails the repro test),
    # N=2 must select the right one; pass@1 = 0.5, coverage@2 = 1.
    script = Script(patches=(WRONG, GOOD), tests=(REPRO,), localize="wordfreq/counter.py:count_words",
                    judge=lambda diff: "Score: 8/10")
    argv = ["--out", str(tmp_path / "out"), "--examples", "wordfreq", "--samples", "2",
            "--model", "openai/scripted", "-c", "exec_timeout_s=60", "-c", "patch.edit_format=search_replace",
            "-c", "patch.max_revisions=0"]
    with ScriptedOpenAI(script) as server:
        assert bench_scaling.main(argv + ["--api-base", server.api_base]) == 0
        calls = len(server.requests)
        res = json.loads((tmp_path / "out/results.json").read_text())
        inst = res["instances"][0]
        assert inst["sample_correct"] == [False, True]
        n1, n2 = inst["at"]
        assert (n1["status"], n1["correct"]) == ("abstained", False)
        assert (n2["status"], n2["correct"]) == ("selected", True)
        assert n2["tokens"] > n1["tokens"] > 0
        agg = {r["n"]: r for r in res["aggregate"]}
        assert agg[1]["pass@1"] == 0.5 and agg[2]["coverage"] == 1.0 and agg[2]["selected"] == 1.0
        assert "| 2 | 0.50 | 1.00 | 1.00 | 1.00 |" in capsys.readouterr().out
        # The one-call baseline asked once (a SEARCH/REPLACE answer is not a whole file: not correct).
        assert inst["baseline_correct"] is False and inst["baseline_tokens"] > 0
        # Sub-runs never sampled patches again: only the generation run (2) and the baseline (1) asked.
        assert server.count("fixes bugs") == 3
        # A rerun resumes from the finished instance record: no model call at all.
        assert bench_scaling.main(argv + ["--api-base", server.api_base]) == 0
        assert len(server.requests) == calls
