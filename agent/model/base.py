"""The model contract every stage codes against (see docs/ARCHITECTURE.md, "Model contract")."""
from __future__ import annotations

import re
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator


_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)


class ModelError(RuntimeError):
    """A model call failed for good (after retries, or on an error retrying cannot fix)."""


class ModelRetriesExhausted(ModelError):
    """A call failed on every try with errors a later call may not meet (server errors, rate limits, lost
    connections, timeouts): that sample fails, but is not finished, so a resumed run tries it again."""


class ModelUnavailable(ModelError):
    """Every later call would fail the same way: the server cannot be reached (connection refused,
    unknown host) or refuses the caller (bad key, unknown model). Not one sample's failure: the run
    stops with this message, and a rerun of the same command resumes it once the model is back."""


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class ModelReply(BaseModel):
    content: str            # raw text, "" when the model sent nothing; `<think>` blocks are kept
    usage: Usage
    model: str
    reasoning: str = ""     # the provider's separate reasoning channel, when it has one
    # Per generated token, its most likely alternatives {token: log probability}, when the call asked for
    # them (`logprobs=True, top_logprobs=K`) and the provider returns them; empty otherwise.
    token_logprobs: list[dict[str, float]] = Field(default_factory=list)

    @property
    def answer(self) -> str:
        """`content` without <think>…</think> (an unclosed block swallows the rest: it never ended)."""
        return _THINK.sub("", self.content).strip()


class Model(Protocol):
    name: str

    def query(self, messages: list[dict], **overrides) -> ModelReply: ...


class TextModel(Protocol):
    """A Model that also takes a raw prompt (no chat template): fill-in-the-middle for code models
    served by an OpenAI-compatible server (agent/cloze.py). LiteLLMModel is one."""

    def complete(self, prompt: str, **overrides) -> ModelReply: ...


class ModelConfig(BaseModel):
    # arbitrary types: tests may hand an exception instance to mock_response to exercise retries
    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str | None = None          # any litellm model string; None = embedded default
    api_base: str | None = None      # http(s) URL of an OpenAI-compatible or provider endpoint
    api_key_env: str | None = None   # NAME of the env var holding the key (never the key itself)
    temperature: float = Field(0.7, ge=0.0, le=2.0)   # the range providers accept
    max_tokens: int = Field(1024, ge=1)               # per call; also what the budget reserves per call
    timeout_s: float = Field(300, gt=0)               # CPU-only local models need minutes for long prompts
    retries: int = Field(4, ge=0, le=20)
    # Calls in a row that fail after all their retries (no call answered in between) before the run stops with
    # ModelUnavailable (exit 2, resumable) instead of losing every later sample to the same outage; 0 = never.
    stop_after_failed_calls: int = Field(3, ge=0)
    # The embedded model only: llama.cpp threads. None = every core but one, because its threads wait
    # for each other at barriers and collapse when a sandbox's test run takes a core (scripts/bench_model.py
    # on 2 cores: 2 threads beside one busy process serve 0.29x of idle, 1 thread 0.49x; idle 1 thread 0.76x).
    threads: int | None = Field(None, ge=1)
    # The embedded model only: speculative decoding without a draft model. "ngram" drafts the tokens that
    # followed the last matching n-gram of the context, which a function rewrite mostly copies; the model
    # checks each drafted token, so answers stay the same. scripts/bench_model.py `+ngram`, 1 thread, idle:
    # a function rewrite 1.76x faster greedy, 1.23x at temperature 0.8, the same answers 6/6.
    draft: Literal["none", "ngram"] = "ngram"
    # USD per million (input, output) tokens; needed under --budget-usd when litellm cannot price
    # the model (else it counts as $0). "3,15" and [3, 15] both work.
    price_per_mtok: tuple[float, float] | None = None
    # tests: litellm's mock_response; a list gives one per call (cycled); an exception instance
    # (or a list item that is one) is raised by litellm as if the provider had failed
    mock_response: str | list[Any] | Any | None = None

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        from urllib.parse import urlparse
        if not v:
            return None              # empty = not set (a provider's own endpoint, or the embedded default)
        if (urlparse(v).scheme not in ("http", "https") or not urlparse(v).hostname):
            raise ValueError(f"api_base {v!r} is not an http(s) URL (e.g. http://127.0.0.1:8080/v1)")
        return v

    @field_validator("price_per_mtok", mode="before")
    @classmethod
    def _parse_prices(cls, v):
        if isinstance(v, str):
            parts = [x.strip() for x in v.split(",")]
            if len(parts) != 2:
                raise ValueError(f"price_per_mtok must be 'IN,OUT' (USD per million tokens), got {v!r}")
            return parts
        return v

    @field_validator("price_per_mtok")
    @classmethod
    def _non_negative(cls, v):
        if v is not None and min(v) < 0:
            raise ValueError(f"prices must not be negative, got {v}")
        return v
