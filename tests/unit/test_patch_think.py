"""patch.think: every edit format's prompt asks for a sentence of diagnosis before the code, and a reply that
gives one still lands (the code block is what is parsed)."""
from __future__ import annotations

import pytest

from agent.prompting import render
from agent.stages.patch_edits import PROMPTS, parser_for

ASK = "which line is wrong, and what it must do instead"
ORIGINAL = '''"""Temperatures."""


def to_f(c):
    return c * 9 / 5 - 32


def to_c(f):
    return (f - 32) * 5 / 9
'''


@pytest.mark.parametrize("fmt", sorted(PROMPTS))
@pytest.mark.parametrize("think", [True, False])
def test_every_format_asks_for_the_diagnosis_only_when_set(fmt, think):
    ask = render("common", "patch_think").strip() if think else ""     # as agent/stages/patch.py passes it
    text = render(PROMPTS[fmt], "user", issue="i", code="def f(): pass", example_path="pkg/m.py", think=ask,
                  focus="", other_code="", allow_commands=False)
    assert (ASK in text) is think


def test_a_whole_file_after_a_diagnosis_lands():
    reply = ("The line `return c * 9 / 5 - 32` subtracts 32; it must add 32.\n\n"
             "```python\n" + ORIGINAL.replace("- 32\n", "+ 32\n", 1) + "```\n")
    (change,) = parser_for("whole_file", "temp.py", len(ORIGINAL))(reply)
    new, _rule = change.land(ORIGINAL)
    assert "return c * 9 / 5 + 32" in new and "return (f - 32) * 5 / 9" in new


def test_greedy_asks_only_the_greedy_sample():
    from agent.stages.patch import thinks
    assert [thinks(i, "greedy") for i in range(4)] == [True, False, False, False]
    assert [thinks(i, True) for i in range(3)] == [True, True, True]
    assert [thinks(i, False) for i in range(3)] == [False, False, False]


def test_config_takes_greedy_and_refuses_other_words():
    from pydantic import ValidationError

    from agent.config import PatchConfig
    assert PatchConfig(think="greedy").think == "greedy"
    assert PatchConfig(think=True).think is True
    with pytest.raises(ValidationError):
        PatchConfig(think="sometimes")


@pytest.mark.parametrize("fmt", sorted(PROMPTS))
def test_with_think_off_every_prompt_is_byte_for_byte_the_template_without_the_ask(fmt):
    from agent.prompting import _ENV, load_prompt
    source = load_prompt(PROMPTS[fmt])["user"]
    block = "{% if think is defined and think %}{{ think }}\n{% endif %}"
    assert source.count(block) == 1
    variables = dict(issue="i", code="def f(): pass", example_path="pkg/m.py", focus="", other_code="",
                     allow_commands=False)
    without = _ENV.from_string(source.replace(block, "")).render(**variables)
    assert render(PROMPTS[fmt], "user", think="", **variables) == without
    assert render(PROMPTS[fmt], "user", **variables) == without
