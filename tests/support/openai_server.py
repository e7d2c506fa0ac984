"""A real OpenAI-compatible HTTP server on 127.0.0.1 whose answers are scripted by a Python function.

Pipeline tests point litellm at it (`openai/<name>` + api_base), so the whole HTTP path runs.
"""
from __future__ import annotations

import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from tests.support.serving import ServedInThread


def as_yes_no(reply: str) -> tuple[str, dict[str, float]]:
    """A judge scripted as `Score: N/10`, asked by the one-token judge (agent/yes_no.py): it answers
    with P(yes) = N/10, so a test's scripted scores mean the same to either judge."""
    m = re.search(r"Score:\s*(\d+(?:\.\d+)?)\s*/\s*10", reply or "")
    if m is None:
        return reply, {}
    p = min(max(float(m.group(1)) / 10, 1e-6), 1 - 1e-6)
    return ("Yes" if p >= 0.5 else "No"), {"Yes": math.log(p), "No": math.log(1 - p)}


class ScriptedOpenAI(ServedInThread):
    """`respond(messages)` returns the reply text, or (text, {token: logprob}): the first token's
    alternatives, sent as OpenAI-format `logprobs` when the request asks for them. A text completion
    (`/v1/completions`, a raw `prompt`) is answered as the one user message [{"role": "user", "content": prompt}]."""

    def __init__(self, respond: Callable[[list[dict]], str | tuple[str, dict[str, float]]], delay_s: float = 0.0,
                 refuse: tuple[str, ...] = ()):
        self.respond = respond
        self.delay_s = delay_s
        self.refuse = refuse                  # request parameters answered with HTTP 400, as strict servers do
        self.requests: list[list[dict]] = []
        self.bodies: list[dict] = []          # whole request bodies (temperature, seed …)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                completion = "prompt" in body and "messages" not in body
                messages = [{"role": "user", "content": body["prompt"]}] if completion else body.get("messages", [])
                with outer._lock:
                    outer.requests.append(messages)
                    outer.bodies.append(body)
                if outer.delay_s:
                    time.sleep(outer.delay_s)
                refused = [k for k in outer.refuse if k in body]
                if refused:
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": f"unsupported parameter: {refused[0]}",
                                                           "type": "invalid_request_error"}}).encode())
                    return
                try:
                    content, top = outer.respond(messages), None
                    if isinstance(content, tuple):
                        content, top = content
                    elif body.get("logprobs") and body.get("max_tokens") == 1:
                        content, top = as_yes_no(content)
                except Exception as err:  # a scripted server error
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(json.dumps({"error": {"message": str(err)}}).encode())
                    return
                prompt_tokens = sum(len(str(m.get("content", ""))) // 4 for m in messages)
                usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4,
                         "total_tokens": prompt_tokens + len(content) // 4}
                payload = {"id": "cmpl-test", "object": "text_completion", "created": int(time.time()),
                           "model": body.get("model", "fake"),
                           "choices": [{"index": 0, "finish_reason": "stop", "text": content, "logprobs": None}],
                           "usage": usage} if completion else {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content},
                                 **({"logprobs": {"content": [{"token": content, "logprob": top.get(content, -9.0),
                                                               "top_logprobs": [{"token": t, "logprob": lp}
                                                                                for t, lp in top.items()]}]}}
                                    if top is not None and body.get("logprobs") else {})}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4,
                              "total_tokens": prompt_tokens + len(content) // 4},
                }
                data = json.dumps(payload).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):   # the client timed out and left: as a server does
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def count(self, marker: str) -> int:
        """How many requests had `marker` in their system prompt (i.e. were for one stage)."""
        return sum(1 for msgs in self.requests if msgs and marker in str(msgs[0].get("content", "")))
