"""LiteLLMModel: retries, accounting, budget, mock cycling, odd replies. No model needed."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent.budget import BudgetExceeded, Ledger
from agent.model._litellm import litellm   # the package's one import (cost map kept local)
from agent.model.base import ModelConfig, ModelError, ModelReply, ModelUnavailable, Usage
from agent.model.client import LiteLLMModel

MSGS = [{"role": "user", "content": "hi"}]


def rate_limit():
    return litellm.RateLimitError("slow down", llm_provider="openai", model="x")


def model(mock, *, name="openai/x", retries=4, ledger=None, stage="patch"):
    sleeps: list[float] = []
    m = LiteLLMModel(ModelConfig(name=name, mock_response=mock, retries=retries), ledger, stage, sleep=sleeps.append)
    return m, sleeps


def test_rate_limit_then_success_retries_with_backoff():
    m, sleeps = model([rate_limit(), rate_limit(), "fixed"])
    assert m.query(MSGS).content == "fixed"
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.5 and 1.0 <= sleeps[1] <= 3.0  # 1 s, 2 s, each ±50 % jitter


def test_all_retries_failing_raise_a_clear_model_error():
    unavailable = litellm.ServiceUnavailableError("overloaded", llm_provider="openai", model="x")
    m, sleeps = model(unavailable, retries=2)
    with pytest.raises(ModelError) as err:
        m.query(MSGS)
    text = str(err.value)
    assert "openai/x" in text and "3 times" in text and "2 retries" in text
    assert "ServiceUnavailableError" in text and "overloaded" in text
    assert len(sleeps) == 2


def test_auth_error_is_not_retried_and_stops_the_run():
    auth = litellm.AuthenticationError("bad key", llm_provider="openai", model="x")
    m, sleeps = model([auth, "never reached"])
    with pytest.raises(ModelUnavailable, match="refuses every call \\(AuthenticationError\\).*rerun"):
        m.query(MSGS)
    assert sleeps == []
    assert m.query(MSGS).content == "never reached"  # exactly one attempt consumed the first mock


def test_bad_request_is_not_retried():
    bad = litellm.BadRequestError("context too long", llm_provider="openai", model="x")
    m, sleeps = model(bad)
    with pytest.raises(ModelError, match="BadRequestError"):
        m.query(MSGS)
    assert sleeps == []


def test_a_server_nobody_listens_on_stops_the_run_after_the_retries():
    """Connection refused (a real closed port on 127.0.0.1) is ModelUnavailable: every later call
    would fail alike. A server that answers with errors is a plain ModelError (this call's failure)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                  # closed again when the block ends: nobody listens
    base = f"http://127.0.0.1:{port}/v1"
    sleeps = []
    m = LiteLLMModel(ModelConfig(name="openai/x", api_base=base, retries=2), sleep=sleeps.append)
    with pytest.raises(ModelUnavailable, match=f"cannot reach the model openai/x at {base} \\(3 tries\\)"):
        m.query(MSGS)
    assert len(sleeps) == 2
    failing = LiteLLMModel(ModelConfig(name="openai/x", mock_response=litellm.InternalServerError(
        "boom", llm_provider="openai", model="x"), retries=1), sleep=sleeps.append)
    with pytest.raises(ModelError) as err:
        failing.query(MSGS)
    assert not isinstance(err.value, ModelUnavailable)


def test_usage_and_cost_are_charged_to_the_stage():
    ledger = Ledger()
    priced, _ = model("ok", name="openai/gpt-4o-mini", ledger=ledger, stage="patch")
    local, _ = model("ok", name="openai/my-local-model", ledger=ledger, stage="test")
    reply = priced.query(MSGS)
    priced.query(MSGS)
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    assert reply.usage.cost_usd > 0  # litellm knows gpt-4o-mini's price
    assert local.query(MSGS).usage.cost_usd == 0.0  # unknown (local) model: free, not an error
    spend = ledger.snapshot().stages
    assert spend["patch"].calls == 2 and spend["test"].calls == 1
    assert spend["patch"].prompt_tokens == 2 * reply.usage.prompt_tokens
    assert spend["patch"].cost_usd == pytest.approx(2 * reply.usage.cost_usd)
    assert ledger.cost_usd == pytest.approx(2 * reply.usage.cost_usd)


def test_budget_exceeded_stops_the_next_call():
    ledger = Ledger(max_tokens=45)
    m = LiteLLMModel(ModelConfig(name="openai/x", mock_response=["first", "second"], max_tokens=20), ledger, "patch")
    m.query(MSGS)  # reserved ~"hi" + 20; litellm's mock reports 10 + 20 tokens: the next worst case cannot fit
    with pytest.raises(BudgetExceeded, match="token cap of 45 reached: the next call may use up to"):
        m.query(MSGS)
    assert ledger.snapshot().stages["patch"].calls == 1


def test_mock_response_list_is_cycled():
    m, _ = model(["a", "b"])
    assert [m.query(MSGS).content for _ in range(5)] == ["a", "b", "a", "b", "a"]


@pytest.mark.parametrize("mock", [
    "",
    {"choices": [{"index": 0, "message": {"role": "assistant", "content": None}}]},
    {"choices": []},
])
def test_empty_or_missing_content_is_an_empty_string(mock):
    m, _ = model(mock)
    reply = m.query(MSGS)
    assert reply.content == "" and reply.answer == ""


def test_think_blocks_are_kept_raw_and_stripped_in_answer():
    m, _ = model("<think>let me see</think>\nthe answer")
    reply = m.query(MSGS)
    assert reply.content.startswith("<think>")
    assert reply.answer == "the answer"
    assert ModelReply(content="<think>never closed", usage=Usage(), model="m").answer == ""


def test_unresolved_embedded_config_is_refused():
    with pytest.raises(ModelError, match="resolve"):
        LiteLLMModel(ModelConfig())


class Recorder:
    """A real HTTP server speaking the OpenAI chat API that records what arrives, with scripted statuses."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.requests = list(statuses), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                if isinstance(status, bytes):     # a 200 whose body is not a chat completion (a web page, `{}`)
                    status, data = 200, status
                else:
                    data = None
                data = data or json.dumps({"error": {"message": f"status {status}"}} if status != 200 else {
                    "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "pong"}}],
                    "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.api_base = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder(request):
    rec = Recorder(getattr(request, "param", []))
    yield rec
    rec.close()


def test_key_from_named_env_var_and_per_call_overrides_reach_the_server(recorder, monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", "sk-secret-123")
    cfg = ModelConfig(name="openai/served", api_base=recorder.api_base, api_key_env="MY_TEST_KEY",
                      temperature=0.7, max_tokens=100)
    m = LiteLLMModel(cfg, Ledger(), "localize")
    reply = m.query(MSGS, temperature=0.0, max_tokens=5)
    headers, body = recorder.requests[0]
    assert reply.content == "pong" and reply.usage.prompt_tokens == 7
    assert headers["authorization"] == "Bearer sk-secret-123"
    assert body["temperature"] == 0.0 and body["max_tokens"] == 5 and body["model"] == "served"
    assert "sk-secret" not in repr(m.__dict__) and "sk-secret" not in cfg.model_dump_json()


def test_missing_key_env_var_is_named_in_the_error(recorder, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base=recorder.api_base, api_key_env="NOT_SET_ANYWHERE"))
    with pytest.raises(ModelUnavailable, match="NOT_SET_ANYWHERE"):   # every call would fail alike: the run stops
        m.query(MSGS)
    assert recorder.requests == []


def test_a_hosted_base_with_no_key_at_all_stops_at_the_first_call(monkeypatch):
    """The openai client refuses to build a request without a key; litellm reports that as a retryable
    server error, which would fail every call of the run after minutes of backoff."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    sleeps = []
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base="http://no-such-host.invalid/v1", timeout_s=5),
                     sleep=sleeps.append)
    with pytest.raises(ModelUnavailable, match="cannot be called"):
        m.query(MSGS)
    assert sleeps == []


def test_api_base_must_be_an_http_url():
    with pytest.raises(ValueError, match="not an http"):
        ModelConfig(name="openai/x", api_base="notaurl")
    assert ModelConfig(name="openai/x", api_base="https://api.example.com/v1").api_base.startswith("https")


@pytest.mark.parametrize("recorder", [[503, 500]], indirect=True)
def test_server_errors_over_http_are_retried(recorder):
    sleeps = []
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base=recorder.api_base), sleep=sleeps.append)
    assert m.query(MSGS).content == "pong"
    assert len(recorder.requests) == 3 and len(sleeps) == 2  # no hidden openai-client retries either
    assert recorder.requests[0][0]["authorization"] == "Bearer local"  # loopback server without a key


@pytest.mark.parametrize("recorder", [[b"<html>login</html>"] * 3, [b"{}"] * 3], indirect=True)
def test_a_server_that_answers_but_not_as_the_api_stops_the_run(recorder):
    """--api-base pointing at a web page or another API: every call of the run would fail alike after its
    retries (minutes of a run for nothing, then exit 0); after one call's tries the run stops, naming the fix."""
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base=recorder.api_base, retries=2), sleep=lambda s: None)
    with pytest.raises(ModelUnavailable, match="not as an OpenAI-compatible chat API.*--api-base"):
        m.query(MSGS)
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("recorder", [[b"<html>glitch</html>", 500, b"{}"], [b"{}"]], indirect=True)
def test_a_garbled_answer_among_other_failures_or_once_is_one_calls_trouble(recorder):
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base=recorder.api_base, retries=2), sleep=lambda s: None)
    if len(recorder.statuses) == 3:
        with pytest.raises(ModelError) as info:
            m.query(MSGS)
        assert not isinstance(info.value, ModelUnavailable)   # a 500 among them: a failing server, not a wrong URL
    else:
        assert m.query(MSGS).content == "pong"               # retried, then answered


@pytest.mark.parametrize("recorder", [[401]], indirect=True)
def test_http_auth_failure_is_not_retried(recorder):
    m = LiteLLMModel(ModelConfig(name="openai/served", api_base=recorder.api_base), sleep=lambda s: None)
    with pytest.raises(ModelError, match="AuthenticationError"):
        m.query(MSGS)
    assert len(recorder.requests) == 1


def test_a_timed_out_call_is_retried_with_a_longer_limit():
    """A slow local server (every answer takes 1 s) against a 0.6 s limit: the retry waits 1.2 s and
    succeeds, instead of timing out again on the same limit."""
    from tests.support.openai_server import ScriptedOpenAI
    sleeps: list[float] = []
    with ScriptedOpenAI(lambda messages: "slow but fine", delay_s=1.0) as server:
        m = LiteLLMModel(ModelConfig(name="openai/served", api_base=server.api_base, timeout_s=0.6, retries=2),
                         sleep=sleeps.append)
        assert m.query(MSGS).content == "slow but fine"
    assert len(sleeps) == 1      # one timeout, one retry


def test_a_server_that_never_answers_in_time_stops_the_run():
    """Every try timed out, the limit doubled each time: each later call of the run would wait as long (75 min
    per call at the defaults) and fail alike. The run stops, resumable, naming the server and the setting."""
    from tests.support.openai_server import ScriptedOpenAI
    with ScriptedOpenAI(lambda messages: "too late", delay_s=1.5) as server:
        m = LiteLLMModel(ModelConfig(name="openai/served", api_base=server.api_base, timeout_s=0.2, retries=1),
                         sleep=lambda s: None)
        with pytest.raises(ModelUnavailable, match="did not answer within 0.2 s .* 2 tries.*model.timeout_s"):
            m.query(MSGS)


def test_a_raw_completion_is_sent_as_a_prompt_charged_and_capped_like_a_chat_call():
    """`complete` (fill-in-the-middle prompts) talks to /v1/completions of a real HTTP server on 127.0.0.1."""
    from tests.support.openai_server import ScriptedOpenAI
    with ScriptedOpenAI(lambda messages: "key, value = line.split('=', 1)") as server:
        ledger = Ledger(max_tokens=150)
        m = LiteLLMModel(ModelConfig(name="openai/qwen2.5-coder-1.5b", api_base=server.api_base, max_tokens=40),
                         ledger, "patch")
        reply = m.complete("<|fim_prefix|>def f(line):\n    <|fim_suffix|>\n<|fim_middle|>", stop=["\n"], seed=3)
        assert reply.content == "key, value = line.split('=', 1)" and reply.usage.completion_tokens > 0
        [body] = server.bodies
        assert body["prompt"].startswith("<|fim_prefix|>") and "messages" not in body
        assert body["stop"] == ["\n"] and body["seed"] == 3 and body["max_tokens"] == 40
        assert ledger.snapshot().stages["patch"].calls == 1
        with pytest.raises(BudgetExceeded):
            m.complete("word " * 400)     # its estimate alone is over the cap


def test_calls_failing_in_a_row_stop_the_run_and_an_answer_resets_the_count():
    """A provider outage outlasts one call's retries: after `stop_after_failed_calls` calls in a row failed
    for good, the run stops (exit 2, resumable) instead of losing every later sample the same way."""
    down = litellm.ServiceUnavailableError("overloaded", llm_provider="openai", model="x")
    cfg = ModelConfig(name="openai/x", retries=1, stop_after_failed_calls=3,
                      mock_response=[down] * 4 + ["fine"] + [down] * 6)
    m = LiteLLMModel(cfg, sleep=lambda s: None)
    for _ in range(2):
        with pytest.raises(ModelError) as one:
            m.query(MSGS)
        assert not isinstance(one.value, ModelUnavailable)   # one call's trouble: that sample fails
    assert m.query(MSGS).content == "fine"      # an answer: the count starts again
    for _ in range(2):
        with pytest.raises(ModelError) as one:
            m.query(MSGS)
        assert not isinstance(one.value, ModelUnavailable)
    with pytest.raises(ModelUnavailable, match="failed 3 calls in a row, each after 2 tries.*overloaded.*Rerun the same command"):
        m.query(MSGS)


@pytest.mark.parametrize("recorder", [[500] * 6], indirect=True)
def test_the_outage_count_is_shared_by_the_stages_of_a_run(recorder):
    """Every stage has its own client; one CallHealth per run counts their failures together."""
    from agent.model.health import CallHealth
    health = CallHealth(2)
    cfg = ModelConfig(name="openai/served", api_base=recorder.api_base, retries=2)
    tests, patch = (LiteLLMModel(cfg, None, stage, sleep=lambda s: None, health=health) for stage in ("test", "patch"))
    with pytest.raises(ModelError) as first:
        tests.query(MSGS)
    assert not isinstance(first.value, ModelUnavailable)
    with pytest.raises(ModelUnavailable, match="failed 2 calls in a row"):
        patch.query(MSGS)
    assert len(recorder.requests) == 6


def test_a_limit_of_zero_never_stops_the_run():
    down = litellm.ServiceUnavailableError("overloaded", llm_provider="openai", model="x")
    m = LiteLLMModel(ModelConfig(name="openai/x", retries=0, stop_after_failed_calls=0, mock_response=down),
                     sleep=lambda s: None)
    for _ in range(5):
        with pytest.raises(ModelError) as one:
            m.query(MSGS)
        assert not isinstance(one.value, ModelUnavailable)
