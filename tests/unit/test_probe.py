"""Probes from model replies and from the issue's own calls (probe scripts run for real, in a local
interpreter and in the whole pipeline in Docker: integration/test_probe_run.py)."""
from __future__ import annotations

import pytest

from agent.parsing import FormatError
from agent.repo_input import issue_from_text
from agent.stages.probe import MAX_STATEMENTS, issue_probes, parse_probe
from tests.support.pipeline import ISSUE, make_repo


def test_parse_probe_takes_statements_and_rejects_scripts_without_calls():
    reply = "Here:\n```python\nfrom calc.ops import add\nfor x in (1, 2):\n    print(repr(add(x, 1)))\n```"
    assert parse_probe(reply) == ["from calc.ops import add", "for x in (1, 2):\n    print(repr(add(x, 1)))"]
    for bad in ("no code at all", "```python\nx = 1\n```", "```python\ndef (:\n```"):
        with pytest.raises(FormatError):
            parse_probe(bad)


def test_issue_probes_come_from_the_issue_calls(tmp_path):
    class Ctx:     # only what issue_probes reads
        issue = issue_from_text(ISSUE)
        repo_path = make_repo(tmp_path)

        class run:
            @staticmethod
            def read_model_or_none(rel, model):
                return None

    probes = issue_probes(Ctx)
    assert [(p.id, p.origin, p.statements) for p in probes] == [("i000", "issue", ["import calc.ops", "calc.ops.add(2, 3)"])]


def test_a_script_cut_off_by_the_token_cap_keeps_its_complete_statements():
    """A greedy 1.5B probe that loops until the cap (seen in a benchmark run: 1,024 tokens twice, then no
    probe at all): the statements before the cut are a usable script, repeats dropped, at most 20."""
    calls = [f'print(repr(parse_ranges("1-3,5,{",".join(str(8 + 2 * k) for k in range(i))}")))' for i in range(40)]
    reply = "```python\nfrom pageranges import parse_ranges\n\n" + "\n".join(calls + calls[:3]) + '\nprint(repr(parse_ra'
    got = parse_probe(reply)
    assert got[0] == "from pageranges import parse_ranges" and len(got) == MAX_STATEMENTS
    assert got[1:] == [stmt.replace('"', "'") for stmt in calls[:MAX_STATEMENTS - 1]]
    assert parse_probe("```python\nfrom m import f\nprint(f(1))\nprint(f(1))\nx = [1,\n") == ["from m import f", "print(f(1))"]
    for bad in ("```python\nimport os\nx = (", "```python\n"):         # nothing usable before the cut
        with pytest.raises(FormatError):
            parse_probe(bad)


def test_the_probe_stage_caps_its_answers():
    """The probe stage's calls ask for at most probe.max_tokens (a loop stops early); other stages keep the model's."""
    from agent.config import SolveConfig
    from agent.loop import StageSpec
    cfg = SolveConfig()
    assert StageSpec.from_config("probe", cfg.probe, commands=False, parse=parse_probe).max_tokens == 512
    assert StageSpec.from_config("patch", cfg.patch, parse=parse_probe).max_tokens is None


def test_a_stage_cap_reaches_the_server():
    from agent.loop import StageSpec, run_trajectory
    from agent.model.base import ModelConfig
    from agent.model.client import LiteLLMModel
    from tests.support.openai_server import ScriptedOpenAI
    with ScriptedOpenAI(lambda messages: "```python\nfrom m import f\nprint(f(1))\n```") as server:
        model = LiteLLMModel(ModelConfig(name="openai/m", api_base=server.api_base, retries=0))
        spec = StageSpec(name="probe", parse=parse_probe, max_tokens=7, variables={"issue": "i", "code": "c"})
        _, value = run_trajectory(model, spec, sample=0, temperature=0.0)
        assert value == ["from m import f", "print(f(1))"] and server.bodies[0]["max_tokens"] == 7
