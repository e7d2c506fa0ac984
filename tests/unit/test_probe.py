"""Probes from model replies and from the issue's own calls (probe scripts run for real, in a local
interpreter and in the whole pipeline in Docker: integration/test_probe_run.py)."""
from __future__ import annotations

import pytest

from agent.parsing import FormatError
from agent.repo_input import issue_from_text
from agent.stages.probe import issue_probes, parse_probe
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
