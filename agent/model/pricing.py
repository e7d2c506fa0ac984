"""What a model call may cost at most, so the ledger can reserve it before the call goes out.

Prices come from the config (`model.price_per_mtok`, USD per million input / output tokens) or
from litellm's price table. A model neither knows is *unpriced*: litellm reports $0 for it, so a
dollar budget alone would never stop it (a proxy, a new model name). Such a model may only run
under `--budget-usd` with a token cap, or with prices given.
"""
from __future__ import annotations

from typing import NamedTuple

from agent.model._litellm import litellm
from agent.model.base import ModelConfig

# Providers count prompts with their own tokenizers; litellm's count is tiktoken's. The margin
# keeps the reservation an upper bound for tokenizers that split text finer.
PROMPT_MARGIN = 1.25
PER_MESSAGE = 8          # role markers and separators a provider adds per message


class Prices(NamedTuple):
    in_per_mtok: float
    out_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.in_per_mtok + completion_tokens * self.out_per_mtok) / 1e6


def prices_for(cfg: ModelConfig) -> Prices | None:
    """Configured prices, else litellm's, else None (unpriced)."""
    if cfg.price_per_mtok is not None:
        return Prices(*cfg.price_per_mtok)
    if not cfg.name:
        return None
    try:
        prompt, completion = litellm.cost_per_token(model=cfg.name, prompt_tokens=1_000_000,
                                                    completion_tokens=1_000_000)
    except Exception:  # litellm raises for models missing from its table
        return None
    return Prices(float(prompt), float(completion))


def estimate_prompt_tokens(model: str, messages: list[dict]) -> int:
    try:
        counted = litellm.token_counter(model=model, messages=messages)
    except Exception:  # a tokenizer litellm cannot load offline: ~3 characters per token is generous
        counted = sum(len(str(m.get("content") or "")) for m in messages) // 3
    return int(counted * PROMPT_MARGIN) + PER_MESSAGE * len(messages)


def unpriced_problem(cfg: ModelConfig, budget_usd: float | None, max_tokens: int | None) -> str | None:
    """Why this model must not run under these caps, or None."""
    if not budget_usd or max_tokens is not None or not cfg.name or prices_for(cfg) is not None:
        return None      # no dollar cap to keep, a token cap bounds it, the embedded model, or priced
    return (f"litellm has no price for model {cfg.name!r}, so it would count as $0 and --budget-usd "
            f"could not stop it: give its prices with --price-per-mtok IN,OUT (USD per million input/"
            f"output tokens; `0,0` for a free local server), or set a token cap with --max-tokens")


def _models(config) -> list:
    """The run model and every per-stage model of a SolveConfig."""
    return [config.model] + [s.model for s in (config.localize, config.patch, config.test, config.reward,
                                               config.select) if s.model is not None]


def config_problem(config) -> str | None:
    """The first unpriced-model problem of a SolveConfig (its run model and every per-stage model)."""
    for m in _models(config):
        if problem := unpriced_problem(m, config.budget_usd, config.max_tokens):
            return problem
    return None


def key_problem(config, environ=None) -> str | None:
    """An API-key variable a model of the config names but the environment lacks: every call would fail, so the
    CLI refuses before any clone, build or call (the GitHub Action checks after moving its key input there)."""
    import os
    environ = os.environ if environ is None else environ
    for m in _models(config):
        if m.api_key_env and not environ.get(m.api_key_env):
            return (f"environment variable {m.api_key_env} (the API key for {m.name or 'the model'}) is not set: "
                    f"export it, or drop --api-key-env")
    return None
