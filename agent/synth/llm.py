"""Optional model help: a model-written bug in a covered function, and a user-style issue rewrite.

Any `agent.model.base.Model` (LiteLLMModel: any litellm model, or the embedded local one). Model
output is checked, never trusted: a rewritten function must parse and change the AST; a rewritten
issue must keep the reproduction's call and values and must not name the test, else the template
report stays.
"""
from __future__ import annotations

import re
from pathlib import Path

from agent.model.base import ModelError, ModelUnavailable
from agent.prompting import render
from agent.synth import gitrepo, mutate
from agent.synth.issue import Failure, header_for

_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)


def _ask(model, prefix: str, **variables) -> str:
    messages = [{"role": "system", "content": render("synth", f"{prefix}_system")},
                {"role": "user", "content": render("synth", f"{prefix}_user", **variables)}]
    return model.query(messages).answer


def model_mutants(model, git_dir: Path, commit: str, planned: list[mutate.Mutant], k: int,
                  package: str) -> list[mutate.Mutant]:
    """Up to k model-written mutants, one per function, for the first functions of the plan."""
    out, seen = [], set()
    for m in planned:
        if len(out) >= k:
            break
        if (m.path, m.function) in seen:
            continue
        seen.add((m.path, m.function))
        source = gitrepo.read(git_dir, commit, m.path)
        code = mutate.function_source(source, m.function)
        try:
            reply = _ask(model, "mutate", package=package, code=code)
        except ModelUnavailable:     # every other call would fail alike: synth stops and says why (resumable)
            raise
        except ModelError:
            continue
        new = parse_rewrite(source, m.function, reply)
        if new:
            out.append(mutate.Mutant(m.path, m.function, "llm", m.line, "model-written bug", new))
    return out


def parse_rewrite(source: str, function: str, reply: str) -> str | None:
    """The file with the model's function in place, or None (no code block, no parse, no change)."""
    import ast
    blocks = _BLOCK.findall(reply)
    if not blocks:
        return None
    new = mutate.replace_function(source, function, blocks[0])
    if new is None or ast.dump(ast.parse(new)) == ast.dump(ast.parse(source)):
        return None
    return new


def rewrite_issue(model, report: str, failure: Failure | None, package: str, fail_to_pass: list[str]) -> str:
    """The model's wording when it keeps the facts; the template report otherwise."""
    try:
        text = _ask(model, "rewrite", package=package, report=report).strip()
    except ModelUnavailable:
        raise
    except ModelError:
        return report
    return text + "\n" if acceptable_rewrite(text, failure, fail_to_pass) else report


def acceptable_rewrite(text: str, failure: Failure | None, fail_to_pass: list[str]) -> bool:
    if not text or "diff --git" in text:
        return False
    names = {header_for(t).split(".")[-1].split("[")[0] for t in fail_to_pass}
    if any(n and n in text for n in names):
        return False
    if failure is None:
        return True
    facts = [failure.call, failure.expected, failure.actual] if failure.kind == "mismatch" else [failure.statement.strip()]
    return all(f in text for f in facts if f)
