"""Body regeneration (agent/regenerate.py) and its rounds in the cloze search, on a real git repository with a
scripted model (a real HTTP server on 127.0.0.1 for fill-in-the-middle, litellm's mock_response for chat)."""
from __future__ import annotations

from agent.cloze import Hole
from agent.mutate import function_span
from agent.regenerate import body_hole, body_holes, body_prompt, chat_body, fill_body, filled_body, masked_body
from agent.stages.patch_cloze import BODY_ROUND, BODY_ROUNDS, ClozeRecord, body_schedule, fills_as_mutants

SOURCE = '''import re


def full_name(first, last):
    """ "Ada Lovelace"; a missing part is left out."""
    # joined with one space
    return " ".join([first.strip(), last.strip()]).strip()


def one_liner(x): return x


def only_doc():
    """Nothing else."""


class Card:
    def title(self):
        return self.name.title()
'''


def test_the_hole_is_the_body_after_the_docstring_with_its_indentation():
    h = body_hole("m.py", SOURCE, function_span(SOURCE, "full_name"))
    assert (h.line, h.last, h.start, h.indent) == (7, 7, 4, "    ")       # a comment before the body stays shown
    assert h.text == '    return " ".join([first.strip(), last.strip()]).strip()'
    method = body_hole("m.py", SOURCE, function_span(SOURCE, "Card.title"))
    assert (method.line, method.indent) == (19, "        ")
    assert body_hole("m.py", SOURCE, function_span(SOURCE, "one_liner")) is None       # body on the def line
    assert body_hole("m.py", SOURCE, function_span(SOURCE, "only_doc")) is None        # nothing to rewrite
    assert body_hole("m.py", SOURCE, (1, 2)) is None


def test_tails_keep_the_statements_before_them_shown():
    source = ('def page_count(total, per_page):\n    """Pages needed."""\n    if per_page <= 0:\n'
              '        raise ValueError("per_page")\n    n = total; m = 1\n    return total // per_page + 1\n')
    tails = body_holes("m.py", source, function_span(source, "page_count"))
    # The whole body, then from the statement after the guard (the one sharing its line starts none), then the return.
    assert [(h.line, h.last) for h in tails] == [(3, 6), (5, 6), (6, 6)] and body_hole("m.py", source, (1, 6)) == tails[0]
    assert tails[2].text == "    return total // per_page + 1"
    fixed = filled_body(source, tails[2], "    if total == 0:\n        return 0\n    return -(-total // per_page)")
    assert "raise ValueError" in fixed and fixed.endswith("return -(-total // per_page)\n")


def test_the_fim_prompt_shows_the_signature_and_docstring_then_the_rest_of_the_module():
    h = body_hole("m.py", SOURCE, function_span(SOURCE, "full_name"))
    prompt = body_prompt("<P>{prefix}<S>{suffix}<M>", SOURCE, h, "# issue\n")
    before, after = prompt[3:].split("<S>")
    assert before.startswith("# issue\nimport re") and before.endswith('one space\n    ')
    assert ".join(" not in prompt and after.startswith("\n\n\ndef one_liner") and prompt.endswith("<M>")
    assert masked_body(SOURCE, h).split("\n")[-1] == "    <FILL ME>"


def test_a_fim_body_ends_where_the_model_leaves_the_function():
    h = body_hole("m.py", SOURCE, function_span(SOURCE, "full_name"))
    reply = 'parts = [p.strip() for p in (first, last) if p and p.strip()]\n    return " ".join(parts)\n\n\ndef x():\n    pass'
    assert fill_body(reply, h) == '    parts = [p.strip() for p in (first, last) if p and p.strip()]\n    return " ".join(parts)'
    assert fill_body("pass", h) is None and fill_body("# todo\n", h) is None and fill_body("", h) is None
    assert fill_body("return 1<|fim_suffix|>junk", h) == "    return 1"


def test_a_chat_body_is_taken_from_the_repeated_function_or_the_block():
    h = body_hole("m.py", SOURCE, function_span(SOURCE, "full_name"))
    whole = '```python\ndef full_name(first, last):\n    """doc"""\n    if not first:\n        return last\n    return first\n```'
    assert chat_body(whole, h, "full_name") == "    if not first:\n        return last\n    return first"
    assert chat_body("```python\nreturn first or last\n```", h, "full_name") == "    return first or last"
    assert chat_body("```python\ndef other(a):\n    return a\n```", h, "full_name") is None
    method = body_hole("m.py", SOURCE, function_span(SOURCE, "Card.title"))
    assert chat_body("```python\ndef title(self):\n    return self.name.capitalize()\n```", method, "title") == \
        "        return self.name.capitalize()"


def test_a_body_that_parses_and_changes_the_code_makes_the_file_with_its_imports():
    h = body_hole("m.py", SOURCE, function_span(SOURCE, "full_name"))
    new = filled_body(SOURCE, h, '    return unicodedata.normalize("NFKD", first)')
    assert new.startswith("import re\nimport unicodedata\n") and 'normalize("NFKD", first)' in new
    assert "def one_liner" in new and '" ".join' not in new
    assert filled_body(SOURCE, h, h.text) is None                                  # the same body
    assert filled_body(SOURCE, h, '    return " ".join([first.strip(), last.strip()]).strip()') is None  # comment only
    assert filled_body(SOURCE, h, "    return (") is None and filled_body(SOURCE, h, None) is None


def test_body_rounds_come_greedy_first_and_stop_at_the_limit():
    bodies = [Hole("m.py", 6, "    ", "x", 4, 7, last=7), Hole("m.py", 7, "    ", "x", 4, 7, last=7),
              Hole("m.py", 19, "        ", "y", 18, 19, last=19)]
    got = body_schedule(bodies, 5, BODY_ROUNDS["mixed"])
    # Fill-in-the-middle over every tail, chat over the whole bodies only.
    assert [(h.line, r - BODY_ROUND, k, g) for h, r, k, g in got] == \
        [(6, 0, "fim_body", True), (7, 0, "fim_body", True), (19, 0, "fim_body", True), (6, 1, "chat_body", True),
         (19, 1, "chat_body", True)]
    assert body_schedule(bodies, 0, BODY_ROUNDS["mixed"]) == []
    assert [g for *_, g in body_schedule(bodies, 12, BODY_ROUNDS["fim"])] == [True] * 3 + [False] * 9


def test_saved_bodies_become_mutants_again_without_the_model():
    span = list(function_span(SOURCE, "full_name"))
    record = ClozeRecord.model_validate({"mode": "fim", "bodies": 2, "fills": [
        {"path": "m.py", "line": 7, "function": span, "sample": BODY_ROUND, "kind": "fim_body", "changed": True,
         "proposed": '    return " ".join(p for p in (first, last) if p)'},
        {"path": "m.py", "line": 7, "function": span, "sample": BODY_ROUND + 1, "kind": "chat_body", "changed": True,
         "proposed": '    return " ".join(p for p in (first, last) if p)'}]})
    [m] = fills_as_mutants(record, {"m.py": SOURCE})
    assert m.rule == "cloze body of full_name (lines 7-7, round 0)" and m.line == 7
    assert 'if p)\n\n\ndef one_liner' in m.text


def _patch_stage(tmp_path, server, repo, check, regenerate: int):
    """The patch stage with no samples and no one-token mutants: the body fills, then two line fills (local sandbox)."""
    from agent.config import load_config
    from agent.pipeline import stage_context
    from agent.progress import Progress
    from agent.repo_input import issue_from_text
    from agent.schema import Location
    from agent.stages.patch import generate_patches
    cfg = load_config(None, [], **{"sandbox": "local", "workers": 1, "model.name": "openai/qwen2.5-coder-scripted",
                                   "model.api_base": server.api_base, "patch.samples": 0, "patch.mutants": 0,
                                   "patch.cloze": 2, "patch.regenerate": regenerate})
    issue = issue_from_text("total() fails on None\n\n`total([1, None, 2])` raises TypeError, expected 3.")
    with stage_context(issue, repo, tmp_path / "run", cfg, None, Progress(False)) as ctx:
        return generate_patches(ctx, [Location(file="calc/ops.py", symbol="total")], [check])[1]


def test_a_regenerated_body_passes_the_issue_check_and_becomes_the_candidate(tmp_path):
    """A code model served raw (a real HTTP server on 127.0.0.1): the body round comes before the line fills; the
    body that handles None passes the issue's check in a local sandbox and becomes the only candidate, and a
    rerun reads the saved fills back without the model."""
    from agent.stages.patch_cloze import CLOZE
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import total_repo

    repo, check = total_repo(tmp_path, "Sum of the items; None counts as nothing.")
    prompts = []

    def respond(messages):
        prompt = messages[0]["content"]
        prompts.append(prompt)
        before, after = prompt.split("<|fim_suffix|>")
        if before.endswith('nothing."""\n    ') and not after.startswith("\n    "):    # the body of total, hidden
            return "return sum(x for x in items if x is not None)\n\n\ndef more():\n    pass"
        return "#"

    with ScriptedOpenAI(respond) as server:
        for _ in range(2):
            cands = _patch_stage(tmp_path, server, repo, check, regenerate=1)
            assert len(prompts) == 3                        # one body, two lines; the rerun asks nothing
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    assert record.bodies == 1 and [(f.kind, f.changed) for f in record.fills] == \
        [("fim_body", True), ("fim", False), ("fim", False)]
    [cand] = cands
    assert "+    return sum(x for x in items if x is not None)" in cand.diff and "more" not in cand.diff
    assert cand.mutants == ["cloze body of total (lines 7-10, round 0)"]


def test_a_resumed_search_asks_the_bodies_it_scheduled_not_todays_limit(tmp_path):
    """A killed run scheduled two bodies and no line; resumed under patch.regenerate=1 it still asks both (the saved
    fills and the schedule stay aligned)."""
    from agent.stages.patch_cloze import CLOZE
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import total_repo

    repo, check = total_repo(tmp_path, "Sum of the items; None counts as nothing.")
    (tmp_path / "run" / "03_patches").mkdir(parents=True)
    (tmp_path / "run" / CLOZE).write_text(ClozeRecord(mode="mixed", asked=[], bodies=2, done=False).model_dump_json())
    with ScriptedOpenAI(lambda messages: "return sum(x for x in items if x is not None)") as server:
        cands = _patch_stage(tmp_path, server, repo, check, regenerate=1)
    record = ClozeRecord.model_validate_json((tmp_path / "run" / CLOZE).read_text())
    assert record.done and [(f.kind, f.line) for f in record.fills] == [("fim_body", 7), ("fim_body", 8)]
    assert all("+    return sum(x for x in items if x is not None)" in c.diff for c in cands) and len(cands) == 2
