"""Prompt templates live in prompts/*.yaml (Jinja2, StrictUndefined); this only loads and renders them."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
import yaml

_DELIMITER = re.compile(r"<(\s*/?\s*)(issue)(?![\w-])", re.IGNORECASE)
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


@lru_cache(maxsize=None)
def load_prompt(name: str) -> dict[str, str]:
    """A template of prompts/ by name, or any .yaml file by path (a stage kept outside the package)."""
    if name.endswith(".yaml"):
        text = Path(name).read_text(encoding="utf-8")
    else:
        text = resources.files("prompts").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"prompt file {name}.yaml must be a mapping")
    return data


def render(name: str, part: str, **variables) -> str:
    return _ENV.from_string(load_prompt(name)[part]).render(**variables)


def quote_untrusted(text: str, max_chars: int = 6000) -> str:
    """Issue text is data written by anyone: cap it and stop it from closing our delimiters."""
    text = (text or "").replace("\r\n", "\n")
    if len(text) > max_chars:
        half = max_chars // 2
        text = text[:half] + "\n[... issue text truncated ...]\n" + text[-half:]
    # Any spelling a model could read as our delimiter (</ISSUE>, < /Issue >, <issue attr>) gets a
    # look-alike bracket: still readable, but no longer the tag the prompt closes with.
    return _DELIMITER.sub(lambda m: "\u2039" + ("/" if "/" in m[1] else "") + m[2], text)


_ISSUE_PART = re.compile(r"(<issue>\n)(.*?)(\n</issue>)", re.DOTALL)
_FENCED = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?^\1\2[ \t]*$", re.DOTALL | re.MULTILINE)
ISSUE_CODE_LEFT_OUT = "[the issue's code example is left out here: it shows the bug, not the fix]"


def without_issue_code(prompt: str) -> str:
    """The prompt with the fenced blocks of its <issue> part replaced by a note: for a retry after an answer
    that copied the issue's example instead of writing the fix (the file and what the example gave on the
    current code are still shown)."""
    return _ISSUE_PART.sub(lambda m: m[1] + _FENCED.sub(ISSUE_CODE_LEFT_OUT, m[2]) + m[3], prompt, count=1)
