"""Output blocks of an issue: "Output:" / "Expected output:" lines and the code block after each. Pure."""
from __future__ import annotations

import re
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING

from agent.issue_literals import INVALID, parse_value

if TYPE_CHECKING:
    from agent.issue_text import Block, Observation

_EXPECTED_LABEL = re.compile(r"\b(?:expected(?:\s+(?:output|result|behaviou?r))?|should\s+(?:print|output|be|return|give)"
                             r"|I\s+(?:would\s+)?expect(?:ed)?(?:\s+(?:to\s+see|this))?)\s*:?\s*$", re.I)
_SHOWN_LABEL = re.compile(r"\b(?:output|result|prints|printed|I\s+get|I\s+got|gives|returns|actual(?:\s+(?:output|result|behaviou?r))?)"
                          r"\s*:?\s*$", re.I)


def _last_line(label: Block) -> str:
    last = next((ln.strip() for ln in reversed(label.raw) if ln.strip()), "")
    return re.sub(r"^[#*_>\s]+|[*_\s]+$", "", last)


def introduces_output(label: Block | None) -> bool:
    """Prose ending in "Output:" / "I get:" / "Actual result:": the code block after it is what the code printed."""
    return label is not None and label.kind == "prose" and _SHOWN_LABEL.search(_last_line(label)) is not None


def output_blocks(blocks: list[Block], k: int) -> tuple[str | None, str | None]:
    """(shown, expected) output of the script at blocks[k], from the next code blocks introduced by
    "Output:" / "Expected output:" lines ("Actual behaviour:", "I get:", "It should print:" …)."""
    shown = expected = None
    for j in range(k + 1, min(k + 5, len(blocks) - 1)):
        label, code = blocks[j], blocks[j + 1]
        if label.kind != "prose" or code.kind != "code":
            continue
        last = _last_line(label)
        if _EXPECTED_LABEL.search(last) and expected is None:
            expected = textwrap.dedent(code.text).strip()
        elif _SHOWN_LABEL.search(last) and shown is None and expected is None:
            shown = textwrap.dedent(code.text).strip()
    return shown, expected


def with_output(obs: Observation, shown: str | None, expected: str | None) -> Observation:
    """A printed call whose output blocks say what it prints and what it should print. A literal is
    compared as a value; any other text as the printed text (`str(call)`, ends stripped)."""
    if expected is None or expected == shown:
        return obs
    if parse_value(expected) is not INVALID:
        return replace(obs, observed=shown, value=parse_value(shown) if shown else INVALID, expected=expected)
    return replace(obs, call=f"str({obs.call}).strip()", observed=shown, value=shown if shown else INVALID,
                   expected=repr(expected))
