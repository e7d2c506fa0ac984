"""The one-call baseline the pipeline must beat: one greedy answer of the same model with the whole
located file (the same localization the pipeline used), no tests, no sampling, no selection."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from agent.model.base import ModelConfig
from agent.model.client import LiteLLMModel
from agent.parsing import FormatError
from agent.prompting import quote_untrusted, render
from agent.splice import parse_whole_file


def one_call_diff(model: ModelConfig, issue_text: str, repo: Path, path: str) -> tuple[str, int]:
    """(diff, tokens): the model's whole-file answer as a diff against repo's HEAD ("" when unusable)."""
    original = (Path(repo) / path).read_text(encoding="utf-8")
    messages = [{"role": "system", "content": render("patch_file", "system")},
                {"role": "user", "content": render("patch_file", "user", issue=quote_untrusted(issue_text),
                                                   example_path=path, code=original, other_code="")}]
    reply = LiteLLMModel(model).query(messages, temperature=0.0, seed=0)
    tokens = reply.usage.prompt_tokens + reply.usage.completion_tokens
    try:
        new = parse_whole_file(reply.content, path, len(original), original)
    except FormatError:
        return "", tokens
    return _diff(Path(repo), path, new), tokens


def _diff(repo: Path, path: str, new: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "-q", str(repo), tmp], check=True)
        (Path(tmp) / path).write_text(new, encoding="utf-8")
        return subprocess.run(["git", "diff"], cwd=tmp, capture_output=True, text=True, check=True).stdout
