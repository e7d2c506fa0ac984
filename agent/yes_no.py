"""A judge that answers one token: the probability of "Yes" among its first token's alternatives.

The generative judge (prompts/reward.yaml) writes a rationale and then `Score: N/10`: on a CPU model
that is a few hundred generated tokens per candidate, and a score on an 11-point scale. Asked for one
word instead, the model's own probability of "Yes" against "No" is a continuous score from a single
generated token (P(True), Kadavath et al. 2022). Providers that return no log probabilities still
answer the word: the score is then 1.0 or 0.0. A server that refuses the `logprobs` parameter
(HTTP 400/422) is asked again without it, and so is every later call to it: the judge degrades to the
answer word, with a warning, instead of leaving every candidate unscored.

`YesNoModel` wraps any Model so that the one loop (agent/loop.py) runs this judge unchanged: its
reply text is the probability (`P(yes) = 0.8312 (answered 'Yes')`), which `parse_probability` reads
back and the trajectory file keeps.
"""
from __future__ import annotations

import logging
import math
import re
import threading

import openai

from agent.model.base import ModelError, ModelReply
from agent.parsing import FormatError

TOP_LOGPROBS = 20       # alternatives asked for: "Yes", " yes", "YES", "No", … all fit
_REPLY = re.compile(r"P\(yes\) = ([01](?:\.\d+)?)")
_ASK = "Answer with one word: Yes or No."
_REFUSALS = (openai.BadRequestError, openai.UnprocessableEntityError)
log = logging.getLogger(__name__)


def _word(token: str) -> str:
    return token.strip().strip(".,:;!*\"'`").lower()


def yes_probability(text: str, token_logprobs: list[dict[str, float]]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the first token's alternatives (pure); without alternatives, the
    answer's first word (1.0 / 0.0); None when the answer is neither."""
    if token_logprobs:
        mass = {"yes": 0.0, "no": 0.0}
        for token, logprob in token_logprobs[0].items():
            if _word(token) in mass:
                mass[_word(token)] += math.exp(logprob)
        if mass["yes"] + mass["no"] > 0:
            return mass["yes"] / (mass["yes"] + mass["no"])
    first = _word((text or "").split()[0]) if (text or "").split() else ""
    return {"yes": 1.0, "no": 0.0}.get(first)


def parse_probability(text: str) -> float:
    """The probability a YesNoModel reply carries (pure)."""
    m = _REPLY.search(text or "")
    if m is None:
        raise FormatError(_ASK)
    return float(m.group(1))


class YesNoModel:
    """A Model whose every query asks for one token with its alternatives and replies with P(yes)."""

    def __init__(self, inner):
        self._inner = inner
        self.name = getattr(inner, "name", "")
        self.plain = False              # the server refused `logprobs`: ask for the word alone
        self._lock = threading.Lock()

    def query(self, messages: list[dict], **overrides) -> ModelReply:
        ask = {**overrides, "max_tokens": 1}
        reply, refused = None, None
        if not self.plain:
            try:
                reply = self._inner.query(messages, **ask, logprobs=True, top_logprobs=TOP_LOGPROBS)
            except ModelError as err:
                if not isinstance(err.__cause__, _REFUSALS):
                    raise
                refused = err.__cause__
        if reply is None:
            reply = self._inner.query(messages, **ask)   # the question itself refused (context too long …): raises
        if refused is not None:
            with self._lock:
                if not self.plain:
                    log.warning("%s refuses log probabilities (%s); the yes_no judge scores 1 or 0 by the "
                                "answer word from now on", self.name, type(refused).__name__)
                self.plain = True
        p = yes_probability(reply.content, reply.token_logprobs)
        if p is None:     # neither word: the loop's format feedback asks again
            return reply
        how = "" if reply.token_logprobs else ", no log probabilities"
        return reply.model_copy(update={"content": f"P(yes) = {p:.4f} (answered {reply.content.strip()!r}{how})"})
