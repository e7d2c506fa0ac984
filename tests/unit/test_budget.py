"""Hard budgets: a call reserves its worst case before it goes out; unpriced models are refused.
Model calls go to a real OpenAI-compatible server on 127.0.0.1 or litellm's mock_response."""
from __future__ import annotations

import threading

import pytest

from agent.budget import BudgetExceeded, Ledger
from agent.model.base import ModelConfig, ModelError
from agent.model.client import LiteLLMModel
from agent.model.embedded import resolve
from agent.model.pricing import config_problem
from agent.config import load_config
from tests.support.openai_server import ScriptedOpenAI

MSGS = [{"role": "user", "content": "hi"}]
# The server answers 80 characters = 20 completion tokens; at $0.02 per output token a call costs
# $0.40, and max_tokens=20 makes that its worst case too.
FORTY_CENTS = {"max_tokens": 20, "price_per_mtok": (0.0, 20_000.0)}


def run_workers(n: int, model: LiteLLMModel) -> list[str]:
    gate, outcomes = threading.Barrier(n), []

    def one():
        gate.wait()
        try:
            model.query(MSGS)
            outcomes.append("ok")
        except BudgetExceeded:
            outcomes.append("stopped")
    threads = [threading.Thread(target=one) for _ in range(n)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    return outcomes


def test_eight_workers_cannot_overshoot_a_one_dollar_cap():
    ledger = Ledger(budget_usd=1.0)
    with ScriptedOpenAI(lambda m: "x" * 80, delay_s=0.3) as server:
        cfg = ModelConfig(name="openai/served", api_base=server.api_base, **FORTY_CENTS)
        outcomes = run_workers(8, LiteLLMModel(cfg, ledger, "patch"))
        assert len(server.requests) == 2          # a third $0.40 call could cross $1: never sent
    assert sorted(outcomes) == ["ok"] * 2 + ["stopped"] * 6
    assert ledger.cost_usd == pytest.approx(0.80) and ledger.cost_usd <= 1.0
    assert "budget of $1.0000" in ledger.exhausted_reason()


def test_token_cap_reserves_prompt_plus_max_tokens():
    ledger = Ledger(max_tokens=30 * 2 + 20)
    with ScriptedOpenAI(lambda m: "x" * 80, delay_s=0.3) as server:
        cfg = ModelConfig(name="openai/served", api_base=server.api_base, max_tokens=20)
        run_workers(6, LiteLLMModel(cfg, ledger, "patch"))
        sent = len(server.requests)
    assert 1 <= sent <= 3 and ledger.tokens <= 80


def test_a_reservation_waits_for_calls_in_flight_then_fits():
    ledger = Ledger(budget_usd=1.0)
    first = ledger.reserve(10, 0.6)
    got = []
    waiter = threading.Thread(target=lambda: got.append(ledger.reserve(10, 0.5)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()                     # 0.6 held + 0.5 fits only if the first call costs less
    ledger.settle(first, "patch", 5, 5, 0.1)
    waiter.join(5)
    assert got and ledger.cost_usd == pytest.approx(0.1)
    with pytest.raises(BudgetExceeded, match="may cost up to \\$0.9500"):
        ledger.reserve(10, 0.95)                 # 0.1 spent + 0.95 > 1 no matter what settles


def test_failed_call_gives_its_reservation_back():
    from agent.model._litellm import litellm
    ledger = Ledger(budget_usd=1.0)
    fail = litellm.AuthenticationError("bad key", llm_provider="openai", model="x")
    m = LiteLLMModel(ModelConfig(name="openai/gpt-4o-mini", mock_response=[fail, "ok"]), ledger, "patch")
    with pytest.raises(ModelError):
        m.query(MSGS)
    assert m.query(MSGS).content == "ok"
    assert ledger._held_usd == pytest.approx(0.0) and ledger._held_tokens == 0


def test_unpriced_model_is_refused_under_a_dollar_budget():
    unpriced = ModelConfig(name="openai/brand-new-model", mock_response="ok")
    with pytest.raises(ModelError, match="--price-per-mtok"):
        LiteLLMModel(unpriced, Ledger(budget_usd=1.0), "patch")
    # A token cap bounds it; so do prices, which then are what is charged.
    LiteLLMModel(unpriced, Ledger(budget_usd=1.0, max_tokens=10_000), "patch").query(MSGS)
    ledger = Ledger(budget_usd=1.0)
    priced = unpriced.model_copy(update={"price_per_mtok": (100.0, 200.0)})
    reply = LiteLLMModel(priced, ledger, "patch").query(MSGS)
    u = reply.usage
    assert u.cost_usd > 0 and u.cost_usd == pytest.approx((u.prompt_tokens * 100 + u.completion_tokens * 200) / 1e6)
    assert ledger.cost_usd == pytest.approx(u.cost_usd)
    # No dollar cap, or a model litellm can price: nothing to refuse.
    LiteLLMModel(unpriced, Ledger(), "patch")
    LiteLLMModel(ModelConfig(name="openai/gpt-4o-mini", mock_response="ok"), Ledger(budget_usd=1.0), "patch")


def test_the_embedded_model_is_free_and_runs_under_a_budget():
    with resolve(ModelConfig(mock_response="ok")) as cfg:
        assert cfg.price_per_mtok == (0.0, 0.0)
        LiteLLMModel(cfg, Ledger(budget_usd=1.0), "patch").query(MSGS)


def test_config_check_covers_stage_models_and_parses_prices():
    cfg = load_config(None, ["test.model.name=openai/brand-new-model"], **{"budget_usd": 2.0,
                                                                         "model.name": "openai/gpt-4o-mini"})
    assert "brand-new-model" in config_problem(cfg)
    cfg = load_config(None, ["model.price_per_mtok=3,15"], **{"budget_usd": 2.0, "model.name": "openai/x"})
    assert cfg.model.price_per_mtok == (3.0, 15.0) and config_problem(cfg) is None
    assert config_problem(load_config(None, [], **{"budget_usd": 2.0})) is None      # embedded model
    with pytest.raises(ValueError):
        load_config(None, ["model.price_per_mtok=3"])
    with pytest.raises(ValueError):
        load_config(None, ["model.price_per_mtok=-1,2"])


@pytest.mark.parametrize("override", ["workers=0", "workers=-2", "patch.samples=-1", "patch.max_steps=0",
                                      "model.max_tokens=0", "model.temperature=-0.1", "model.retries=-1",
                                      "exec_timeout_s=0", "budget_usd=-1", "max_tokens=-5", "select.top_k=0", "top_k=0",
                                      "select.abstain_below=1.5", "early_stop_agree=0", "reward.temperature=3"])
def test_out_of_range_numbers_are_config_errors(override):
    with pytest.raises(ValueError, match="greater than|less than"):
        load_config(None, [override])


def test_cli_refuses_workers_zero_and_unpriced_models_before_any_work(tmp_path):
    from typer.testing import CliRunner
    from agent.cli import app
    issue = tmp_path / "issue.md"
    issue.write_text("add() is wrong\n")
    res = CliRunner().invoke(app, ["solve", str(issue), "--repo", str(tmp_path), "-c", "workers=0"])
    assert res.exit_code == 2 and "bad configuration" in res.output and "workers" in res.output
    res = CliRunner().invoke(app, ["solve", str(issue), "--repo", str(tmp_path), "--model", "openai/brand-new",
                                   "--budget-usd", "1"])
    assert res.exit_code == 2 and "--price-per-mtok" in res.output
    # With prices the check passes; what fails next is the missing repository, not the price.
    res = CliRunner().invoke(app, ["solve", str(issue), "--repo", str(tmp_path), "--model", "openai/brand-new",
                                   "--budget-usd", "1", "--price-per-mtok", "3,15"])
    assert res.exit_code == 2 and "not a git repository" in res.output
