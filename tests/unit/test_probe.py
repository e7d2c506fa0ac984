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


def test_a_script_with_a_line_that_does_not_parse_keeps_the_statements_that_do():
    """Seen on both dev splits (clockfmt, tags): one `print(repr(...))` of twelve lost a parenthesis, the whole
    script was refused twice (the retry copied it) and the run had no model probe. Each statement runs on its own."""
    reply = ("```python\nfrom elapsed import format_clock, parse_clock\n\n"
             "print(repr(format_clock(65)))   # 1:5\n"
             "print(repr(parse_clock(format_clock(65)))    # 65, at least that works\n"
             "print(repr(format_clock(3725)))\n```")
    assert parse_probe(reply) == ["from elapsed import format_clock, parse_clock", "print(repr(format_clock(65)))",
                                  "print(repr(format_clock(3725)))"]


def test_a_script_cut_off_inside_its_list_of_cases_is_told_so():
    """Seen on both dev splits (billing, isotime, envfile, orders, settings): a greedy script lists ever more cases
    until the cap, before any call; told only that it "calls nothing", the retry copied it word for word."""
    cases = "\n".join(f'    "2024-03-01T09:15:00+{h:02d}:00",' for h in range(40))
    reply = f"```python\nfrom stamps import parse_timestamp\n\n# Test cases\ntest_cases = [\n{cases}\n    \"2024-03-01T09"
    with pytest.raises(FormatError, match="cut off at the length limit before it called anything"):
        parse_probe(reply)
    with pytest.raises(FormatError, match="calls nothing"):       # a closed block that calls nothing
        parse_probe("```python\nfrom stamps import parse_timestamp\ncases = [1, 2]\n```")
    with pytest.raises(FormatError, match="it listed more and more cases"):
        parse_probe(reply)
    # cut off in something else (a long docstring): told it was cut off, not that it listed cases
    doc = "```python\nfrom stamps import parse_timestamp\n\n\"\"\"Probe the parser.\n" + "It reads a stamp.\n" * 60
    with pytest.raises(FormatError, match="cut off at the length limit before it called anything") as err:
        parse_probe(doc)
    assert "listed" not in str(err.value)
    loop = "```python\nfrom stamps import parse_timestamp\n# every hour\nfor stamp in [\n" + "    '2024-03-01',\n" * 50
    with pytest.raises(FormatError, match="it listed more and more cases"):
        parse_probe(loop)


def test_parsable_statements_keep_blocks_and_brackets_whole():
    from agent.cutoff import parsable_statements
    script = ("import m\n@m.deco\ndef f(x):\n    return m.g(x\n\n# a comment\ncases = [\n    1,\n    2,\n]\n"
              "if cases:\n    print(1)\nelse:\n    print(2)\nprint(f(1)\nprint(m.h(\n    3))\n")
    assert parsable_statements(script) == ["import m", "cases = [1, 2]", "if cases:\n    print(1)\nelse:\n    print(2)",
                                           "print(m.h(3))"]
    assert parsable_statements("def (:\n") == [] and parsable_statements("") == []
    assert parsable_statements("elsewhere = 1\nfinally_ = f()\n") == ["elsewhere = 1", "finally_ = f()"]
    many = "\n".join(["print(f(1)"] * 5000 + ["print(f(2))"])       # bounded: the first 200 lines only
    assert parsable_statements(many) == []


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


def test_a_refused_probe_script_is_asked_afresh_with_the_reason():
    """The default probe stage retries a refused script from its first prompt with the reason as a note (train
    split: 9 of 9 retries usable, against 6 of 9 in the conversation that shows the refused script)."""
    from agent.config import SolveConfig
    from agent.loop import StageSpec, run_trajectory
    from agent.model.base import ModelConfig
    from agent.model.client import LiteLLMModel
    from tests.support.openai_server import ScriptedOpenAI
    looping = "```python\nfrom m import f\ncases = [\n" + "    (1, 2),\n" * 50 + "    (3,"
    answers = iter([looping, "```python\nfrom m import f\nprint(repr(f(1)))\n```"])
    with ScriptedOpenAI(lambda messages: next(answers)) as server:
        model = LiteLLMModel(ModelConfig(name="openai/m", api_base=server.api_base, retries=0))
        spec = StageSpec.from_config("probe", SolveConfig().probe, commands=False, parse=parse_probe, max_turns=2,
                                     max_format_errors=1, variables={"issue": "f(1) is wrong", "code": "def f(x): ..."})
        traj, value = run_trajectory(model, spec, sample=0, temperature=0.0)
    assert value == ["from m import f", "print(repr(f(1)))"]
    retry = server.bodies[1]["messages"]
    assert [m["role"] for m in retry] == ["system", "user"] and "cases = [" not in retry[-1]["content"]
    assert "cut off at the length limit before it called anything" in retry[-1]["content"]
    assert traj.steps[1].fresh and server.bodies[1]["temperature"] > 0


def test_a_script_whose_calls_all_miss_a_name_it_never_defined_reaches_nothing():
    """Test retrying (bb5a867's samples decided again) and train ttlcache: the imports work, every call raises
    NameError on a name the issue only describes, so the right fix behaved like the original code."""
    from agent.behaviour import reaches_nothing
    stmts = ["from retry import retry_call", "print(repr(fetch_page(1)['items']))", "print(repr(fetch_page(2)))"]
    missing = "EXC NameError: name 'fetch_page' is not defined"
    outs = {"": "", "m:0": "", "m:1": missing, "m:2": missing + ". Did you mean: 'fetch'?"}
    assert reaches_nothing(stmts, outs, "m")
    # one call that runs is enough to observe the code
    assert not reaches_nothing(stmts, {**outs, "m:2": "None"}, "m")
    # a NameError raised inside the code under test names something the statement does not use: behaviour
    inside = {"": "", "m:0": "", "m:1": "EXC NameError: name 'delays' is not defined",
              "m:2": "EXC NameError: name 'delays' is not defined"}
    assert not reaches_nothing(stmts, inside, "m")
    assert reaches_nothing(stmts, {"": "", "m:0": "", "m:1": "EXC ModuleNotFoundError: No module named 'x'",
                                   "m:2": missing}, "m")
    assert not reaches_nothing(["from retry import retry_call"], {"": "", "m:0": ""}, "m")    # nothing to call
    # train ttlcache's retry: the script wraps the call in a helper around a name it never defined
    wrapped = ["from memo.cache import cached", "def rate(c):\n    return rates_api.fetch(c)", "print(repr(rate('EUR')))"]
    api = "EXC NameError: name 'rates_api' is not defined"
    assert reaches_nothing(wrapped, {"": "", "m:0": "", "m:1": "", "m:2": api}, "m")
