#!/usr/bin/env python
"""Throughput of the embedded llama.cpp server: threads, slots, concurrent requests, prompt reuse,
and other CPU work beside it (the sandboxes' test runs during a solve).

    python scripts/bench_model.py                       # the default grid, ~10 min on 2 idle cores
    python scripts/bench_model.py --requests 2 --max-tokens 64 --configs t2s1c1,t1s1c1

A config is `t<threads>s<slots>c<concurrent requests>` plus optional `+reuse` (every request repeats
the same prompt, so the server's prompt cache serves the prefix), `+busyN` (N busy-looping
processes beside the server, as pytest runs in sandboxes are) and `+ngram` (the server drafts tokens
by n-gram lookup in the context: speculative decoding without a draft model). `--task rewrite` asks
for a whole function back, as the patch stage does (copy-heavy answers); `explain` (default) for prose. Each config starts its own server,
warms it up with one request, then sends `--requests` requests per concurrent stream; it prints
aggregate prompt and completion tokens per second of wall time and their ratio against the first
config (the baseline, measured in the same run). Requests differ in their first line unless +reuse.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))    # runnable from a checkout without install

from agent.model._serve import port_free  # noqa: E402
from agent.model.weights import ensure_weights  # noqa: E402

DEFAULT = "t2s1c1,t2s2c2,t1s1c1,t1s2c2,t2s1c1+reuse,t2s1c1+busy1,t1s1c1+busy1"
_CONFIG = re.compile(r"^t(\d+)s(\d+)c(\d+)((?:\+reuse|\+busy\d+|\+ngram)*)$")
CODE = (Path(__file__).resolve().parents[1] / "agent" / "examples" / "booking" / "repo" / "rooms" / "calendar.py")


def parse_config(text: str) -> dict:
    m = _CONFIG.match(text.strip())
    if not m:
        raise ValueError(f"config {text!r}: expected t<threads>s<slots>c<concurrent>[+reuse][+busyN][+ngram]")
    busy = re.search(r"\+busy(\d+)", m[4] or "")
    return {"name": text.strip(), "threads": int(m[1]), "slots": int(m[2]), "concurrent": int(m[3]),
            "reuse": "+reuse" in (m[4] or ""), "busy": int(busy[1]) if busy else 0, "ngram": "+ngram" in (m[4] or "")}


def _busy() -> None:
    while True:
        pass


def _post(port: int, body: dict, timeout: float) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


TASKS = {
    "explain": "Explain what this module does, function by function.",
    # what the patch stage asks for: a whole function back, mostly copied from the prompt
    "rewrite": "Answer with the file path and the whole `free_slots` function, corrected (it may have a bug), "
               "in one ```python block.",
}


def _body(k: int, reuse: bool, max_tokens: int, code: str, task: str = "explain", temperature: float = 0.0) -> dict:
    head = "" if reuse else f"Request {k}.\n"
    return {"model": "bench", "temperature": temperature, "seed": k, "max_tokens": max_tokens, "cache_prompt": True,
            "messages": [{"role": "system", "content": "You are an expert Python engineer."},
                         {"role": "user", "content": f"{head}{TASKS[task]}\n\n{code}"}]}


def run_config(cfg: dict, model: Path, port: int, requests: int, max_tokens: int, ctx: int, code: str,
               task: str = "explain", temperature: float = 0.0) -> dict:
    if not port_free(port):
        raise SystemExit(f"port {port} is busy")
    server = subprocess.Popen([sys.executable, "-m", "agent.model._serve", "--model", str(model), "--alias", "bench",
                               "--port", str(port), "--threads", str(cfg["threads"]), "--ctx", str(ctx * cfg["slots"]),
                               "--parallel", str(cfg["slots"]), "--draft", "ngram" if cfg.get("ngram") else "none"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(cfg["busy"])]
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                _post(port, _body(-1, cfg["reuse"], 4, code, task), 120)    # warm-up (and the reuse case's cached prefix)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"server for {cfg['name']} did not start")
                time.sleep(1)
        for h in hogs:
            h.start()
        started = time.monotonic()

        def stream(s: int) -> list[dict]:
            return [_post(port, _body(s * 1000 + k, cfg["reuse"], max_tokens, code, task, temperature), 1800)
                    for k in range(requests)]

        with ThreadPoolExecutor(cfg["concurrent"]) as pool:
            replies = [r for rs in pool.map(stream, range(cfg["concurrent"])) for r in rs]
        wall = time.monotonic() - started
    finally:
        for h in hogs:
            h.terminate()
        server.terminate()
        server.wait(30)
    prompt = sum(r["usage"]["prompt_tokens"] for r in replies)
    completion = sum(r["usage"]["completion_tokens"] for r in replies)
    evaluated = sum(r.get("timings", {}).get("prompt_n", r["usage"]["prompt_tokens"]) for r in replies)
    return {**cfg, "wall_s": round(wall, 1), "requests": len(replies), "prompt_tokens": prompt,
            "prompt_evaluated": evaluated, "completion_tokens": completion,
            "completion_tps": completion / wall, "requests_per_min": 60 * len(replies) / wall,
            "answers": [r["choices"][0]["message"]["content"] for r in replies]}


def same_answers(row: dict, base: dict) -> str:
    """How many greedy answers equal the baseline's answer to the same request (same prompt when
    both reuse or both do not): speculative decoding must not change what a greedy call says."""
    if row["reuse"] != base["reuse"] or row["concurrent"] != base["concurrent"]:
        return "–"
    pairs = list(zip(row["answers"], base["answers"]))
    return f"{sum(a == b for a, b in pairs)}/{len(pairs)}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default=DEFAULT, help="comma-separated; the first is the baseline")
    p.add_argument("--requests", type=int, default=3, help="requests per concurrent stream")
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--ctx", type=int, default=4096, help="context per slot")
    p.add_argument("--port", type=int, default=8791)
    p.add_argument("--task", choices=sorted(TASKS), default="explain", help="what every request asks (see above)")
    p.add_argument("--temperature", type=float, default=0.0, help="of every request (request k has seed k)")
    p.add_argument("--out", type=Path, help="write the rows as JSON here")
    args = p.parse_args(argv)
    configs = [parse_config(c) for c in args.configs.split(",") if c.strip()]
    model = ensure_weights()
    code = CODE.read_text(encoding="utf-8")
    load = os.getloadavg()[0]
    rows = []
    for cfg in configs:
        rows.append(run_config(cfg, model, args.port, args.requests, args.max_tokens, args.ctx, code, args.task,
                               args.temperature))
        r = rows[-1]
        print(f"{r['name']:>16}: {r['completion_tps']:.2f} completion tok/s, {r['requests_per_min']:.2f} req/min, "
              f"{r['prompt_evaluated']}/{r['prompt_tokens']} prompt tokens evaluated, {r['wall_s']} s", file=sys.stderr,
              flush=True)
    base = rows[0]
    print(f"load average before: {load:.2f}, after: {os.getloadavg()[0]:.2f}; {args.requests} requests per stream, "
          f"max_tokens {args.max_tokens}, task {args.task}, temperature {args.temperature}; ratios against {base['name']}")
    print("| config | threads | slots | concurrent | reuse | busy procs | ngram draft | completion tok/s | ratio | "
          "requests/min | ratio | prompt tokens evaluated | answers as the baseline's |")
    print("|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {r['threads']} | {r['slots']} | {r['concurrent']} | {'yes' if r['reuse'] else 'no'} | "
              f"{r['busy']} | {'yes' if r['ngram'] else 'no'} | {r['completion_tps']:.2f} | "
              f"{r['completion_tps'] / base['completion_tps']:.2f}x | "
              f"{r['requests_per_min']:.2f} | {r['requests_per_min'] / base['requests_per_min']:.2f}x | "
              f"{r['prompt_evaluated']}/{r['prompt_tokens']} | {same_answers(r, base)} |")
    if args.out:
        args.out.write_text(json.dumps({"load_before": load, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
