"""`LiteLLMModel`: every model call of the agent, hosted or local, goes through here.

Retries live here (not in litellm/openai) so that the backoff is visible, testable with an
injected `sleep`, and each attempt reserves its worst-case cost in the run's ledger first.
"""
from __future__ import annotations

import os
import random
import threading
import time
from typing import Any, Callable
from urllib.parse import urlparse

import httpx
import openai  # litellm's exceptions subclass openai's

from agent.model._litellm import litellm

from agent.budget import Ledger  # noqa: E402
from agent.model.base import (ModelConfig, ModelError, ModelReply, ModelRetriesExhausted,  # noqa: E402
                              ModelUnavailable, Usage)
from agent.model.health import CallHealth  # noqa: E402
from agent.model.pricing import estimate_prompt_tokens, prices_for, unpriced_problem  # noqa: E402


# Transient: the provider (or local server) may answer on a later try.
RETRYABLE = (litellm.RateLimitError, litellm.ServiceUnavailableError, litellm.InternalServerError,
             litellm.BadGatewayError, litellm.APIConnectionError, litellm.Timeout)
# Everything else litellm raises (auth, bad request, context window, not found …) fails the same
# way on every try, so it is reported at once.
# Of those, these fail every call of the run alike (a wrong key, model name or server), so they stop it.
REFUSED = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)


def unreachable(err: BaseException | None) -> bool:
    """The server could not be connected to at all (refused, unknown host), as opposed to a slow or
    failing answer. litellm wraps it (an InternalServerError for OpenAI-compatible servers), so the
    cause chain is searched for the connect error underneath."""
    return _in_chain(err, lambda e: isinstance(e, (httpx.ConnectError, ConnectionRefusedError)))


# The server answered (HTTP 200) with something that is not an OpenAI chat completion: an HTML page, `{}`,
# another API. Every call gets the same, so after a call's retries all failed so, the run stops.
_NOT_AN_API = ("received response - <apiresponse [200", "returned a response with no 'choices'")


def not_an_api(err: BaseException | None) -> bool:
    return _in_chain(err, lambda e: any(m in str(e).lower() for m in _NOT_AN_API))


def _in_chain(err: BaseException | None, test) -> bool:
    """Whether `test` holds for the error or anything in its cause chain (litellm wraps the real cause)."""
    seen = 0
    while err is not None and seen < 20:
        if test(err):
            return True
        err, seen = err.__cause__ or err.__context__, seen + 1
    return False


# What the client says before any request leaves (litellm wraps it in a retryable InternalServerError or
# APIConnectionError): retrying cannot fix a missing key or a base URL with no scheme.
_SETUP_ERRORS = ("api_key client option must be set", "missing credentials", "unsupported protocol",
                 "missing an 'http://' or 'https://' protocol")


def refused_setup(err: BaseException | None) -> bool:
    return _in_chain(err, lambda e: isinstance(e, (httpx.UnsupportedProtocol, httpx.InvalidURL))
                     or any(m in str(e).lower() for m in _SETUP_ERRORS))


def _where(config: ModelConfig) -> str:
    return f" at {config.api_base}" if config.api_base else ""


def _is_loopback(url: str | None) -> bool:
    host = urlparse(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


class LiteLLMModel:
    def __init__(self, config: ModelConfig, ledger: Ledger | None = None, stage: str = "", *,
                 sleep: Callable[[float], None] = time.sleep, backoff_s: float = 1.0, backoff_cap_s: float = 30.0,
                 health: CallHealth | None = None):
        if not config.name:
            raise ModelError("no model name: resolve the embedded default first (agent.model.embedded.resolve)")
        self.config = config
        self.name = config.name
        self.ledger = ledger
        self.stage = stage
        self._sleep = sleep
        # shared by the run's stages (agent/pipeline.py); a lone client judges its own calls
        self.health = health or CallHealth(config.stop_after_failed_calls)
        self._backoff = (backoff_s, backoff_cap_s)
        self._attempts = 0               # indexes a mock_response list; shared by threads
        self._lock = threading.Lock()
        self.prices = prices_for(config)
        if ledger is not None:           # refused here, before any call, not after the money is gone
            problem = unpriced_problem(config, ledger.state.budget_usd, ledger.state.max_tokens)
            if problem:
                raise ModelError(problem)

    def query(self, messages: list[dict], **overrides) -> ModelReply:
        return self._call(lambda: self._request(messages, overrides), litellm.completion)

    def complete(self, prompt: str, **overrides) -> ModelReply:
        """A raw text completion, no chat template: the fill-in-the-middle prompts of code models
        (agent/cloze.py), which only an OpenAI-compatible server of such a model understands."""
        def request() -> dict[str, Any]:
            kwargs = self._request([], overrides)
            kwargs.pop("messages")
            kwargs["prompt"] = prompt
            return kwargs
        return self._call(request, litellm.text_completion)

    def _call(self, build: Callable[[], dict[str, Any]], send: Callable[..., Any]) -> ModelReply:
        attempts = self.config.retries + 1
        last: Exception | None = None
        timeouts = garbled = 0
        for attempt in range(attempts):
            request = build()
            # A call that timed out was slow, not lost: a CPU-bound local server under load can need
            # longer than timeout_s for one long answer, and the same limit would fail every retry.
            # Each timeout doubles the next call's limit (at most 4x).
            request["timeout"] = float(request["timeout"]) * 2 ** min(timeouts, 2)
            # BudgetExceeded propagates: a cap is not a model failure
            hold = self.ledger.reserve(*self._worst_case(request)) if self.ledger is not None else None
            try:
                response = send(**request)
            except RETRYABLE as err:
                self._release(hold)
                if refused_setup(err):   # no key, or no URL to call: every try and every later call fails alike
                    raise ModelUnavailable(f"the model {self.name}{_where(self.config)} cannot be called: "
                                           f"{_short(err)}. Set its API key (--api-key-env NAME) or fix "
                                           "--api-base, and rerun the same command: finished work is kept.") from err
                last = err
                timeouts += isinstance(err, (litellm.Timeout, openai.APITimeoutError))
                garbled += not_an_api(err)
                if attempt + 1 < attempts:
                    self._sleep(self._delay(attempt))
                continue
            except REFUSED as err:
                self._release(hold)
                raise ModelUnavailable(f"the model {self.name}{_where(self.config)} refuses every call "
                                       f"({type(err).__name__}): {_short(err)}. Fix the model name, key or "
                                       "--api-base and rerun the same command: finished work is kept.") from err
            except openai.APIError as err:  # any other provider error: bad request, context window …
                self._release(hold)
                raise ModelError(f"model call to {self.name} failed ({type(err).__name__}, not retried: "
                                 f"retrying cannot fix it): {_short(err)}") from err
            except BaseException:          # Ctrl-C, odd litellm errors: a hold never outlives its call
                self._release(hold)
                raise
            try:
                reply = self._reply(response)
            except BaseException:
                self._release(hold)
                raise
            if hold is not None:
                u = reply.usage
                if u.prompt_tokens + u.completion_tokens == 0:   # no usage reported: assume the worst case
                    self.ledger.settle(hold, self.stage, hold.tokens, 0, hold.cost_usd)
                else:
                    self.ledger.settle(hold, self.stage, u.prompt_tokens, u.completion_tokens, u.cost_usd)
            self.health.answered()
            return reply
        if unreachable(last):
            raise ModelUnavailable(f"cannot reach the model {self.name}{_where(self.config)} "
                                   f"({attempts} tries): {_short(last)}. Start the server (or fix --api-base) "
                                   "and rerun the same command: finished work is kept.") from last
        if timeouts == attempts:   # limits doubled up to 4x and still no answer: a stuck or hopelessly slow server
            raise ModelUnavailable(f"the model {self.name}{_where(self.config)} did not answer within "
                                   f"{self.config.timeout_s:g} s (and up to 4x that) on any of {attempts} tries: "
                                   "is the server stuck or overloaded? Restart it (or raise model.timeout_s) and "
                                   "rerun the same command: finished work is kept.") from last
        if garbled == attempts:
            raise ModelUnavailable(f"the server{_where(self.config)} answers, but not as an OpenAI-compatible chat "
                                   f"API ({attempts} tries; {_short(last, 200)}). Check --api-base (such a server's "
                                   "base URL usually ends in /v1) and --model, and rerun the same command: "
                                   "finished work is kept.") from last
        if self.health.failed():
            raise ModelUnavailable(f"the model {self.name}{_where(self.config)} failed {self.health.failed_in_a_row} "
                                   f"calls in a row, each after {attempts} tries (last error {type(last).__name__}: "
                                   f"{_short(last)}): the provider or server is failing. Rerun the same command "
                                   "once it answers again: finished work is kept.") from last
        raise ModelRetriesExhausted(f"model call to {self.name} failed {attempts} times "
                                    f"({self.config.retries} retries with backoff); last error "
                                    f"{type(last).__name__}: {_short(last)}") from last

    def _worst_case(self, request: dict[str, Any]) -> tuple[int, float]:
        """(tokens, USD) this call can use at most: the prompt estimate plus every allowed output token."""
        messages = request.get("messages") or [{"role": "user", "content": request.get("prompt", "")}]
        prompt = estimate_prompt_tokens(self.name, messages)
        completion = int(request.get("max_tokens") or self.config.max_tokens)
        return prompt + completion, self.prices.cost(prompt, completion) if self.prices else 0.0

    def _release(self, hold) -> None:
        if hold is not None:
            self.ledger.release(hold)

    def _delay(self, attempt: int) -> float:
        base, cap = self._backoff
        # full exponential backoff with ±50 % jitter so parallel samples do not retry in lockstep
        return min(cap, base * 2 ** attempt) * (0.5 + random.random())

    def _request(self, messages: list[dict], overrides: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        kwargs: dict[str, Any] = {
            "model": cfg.name, "messages": messages,
            "temperature": cfg.temperature, "max_tokens": cfg.max_tokens, "timeout": cfg.timeout_s,
            "num_retries": 0, "max_retries": 0,   # no hidden retries under ours
            "drop_params": True,  # e.g. reasoning models reject temperature: drop it rather than fail
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        if cfg.api_base:
            kwargs["api_base"] = cfg.api_base
        if cfg.api_key_env:
            key = os.environ.get(cfg.api_key_env)
            if not key:   # every call would fail alike: stop the run (the CLI refuses this before it starts)
                raise ModelUnavailable(f"environment variable {cfg.api_key_env} (the API key for {cfg.name}) is not set")
            kwargs["api_key"] = key      # read per call, never stored on self or logged
        elif _is_loopback(cfg.api_base):
            kwargs["api_key"] = "local"  # local servers ignore it, but the openai client refuses none
        if cfg.mock_response is not None:
            kwargs["mock_response"] = self._next_mock()
        return kwargs

    def _next_mock(self) -> Any:
        mock = self.config.mock_response
        with self._lock:
            n = self._attempts
            self._attempts += 1
        return mock[n % len(mock)] if isinstance(mock, list) else mock

    def _reply(self, response: Any) -> ModelReply:
        choice = response.choices[0] if getattr(response, "choices", None) else None
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if message is None:                       # a text completion: the text is on the choice
            content = getattr(choice, "text", None)
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        # Prices the user gave win over litellm's table (they are what the provider bills).
        cost = self.prices.cost(prompt, completion) if self.config.price_per_mtok else _cost(response)
        return ModelReply(content=content if isinstance(content, str) else "",
                          reasoning=getattr(message, "reasoning_content", None) or "",
                          usage=Usage(prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost),
                          model=getattr(response, "model", None) or self.name,
                          token_logprobs=_token_logprobs(getattr(choice, "logprobs", None)))


def _token_logprobs(logprobs: Any) -> list[dict[str, float]]:
    """OpenAI-format `choice.logprobs` (object or dict) -> per token {alternative: logprob}; [] when absent."""
    get = lambda o, k: o.get(k) if isinstance(o, dict) else getattr(o, k, None)  # noqa: E731
    out = []
    for tok in (get(logprobs, "content") or []) if logprobs is not None else []:
        alts = {get(a, "token"): float(get(a, "logprob")) for a in get(tok, "top_logprobs") or []
                if get(a, "token") is not None and get(a, "logprob") is not None}
        if get(tok, "token") is not None and get(tok, "logprob") is not None:
            alts.setdefault(get(tok, "token"), float(get(tok, "logprob")))
        out.append(alts)
    return out


def _cost(response: Any) -> float:
    """litellm's price when it knows the model; 0 for local or unpriced models."""
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost")
    if cost is None:
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:  # unknown model: litellm raises rather than returning None
            cost = 0.0
    return float(cost or 0.0)


def _short(err: BaseException | None, limit: int = 500) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + " …"
