"""Child process that holds the llama.cpp server (xllamacpp). Started by `EmbeddedModel`.

It lives in its own process so the parent can always kill it, and it dies with its parent:
PR_SET_PDEATHSIG covers a parent killed with SIGKILL, a ppid watcher covers the rest.
Exit codes: 0 stopped, 3 port busy, 4 server failed to start.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import sys
import threading
import time

PORT_BUSY, START_FAILED = 3, 4
DRAFTS = ("none", "ngram")


def _die_with_parent(parent: int) -> None:
    try:  # Linux: the kernel signals us when the parent goes away, however it dies
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)

    def watch() -> None:  # portable fallback: re-parenting means the parent is gone
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as the server will: connections of a stopped server in TIME_WAIT must not count as busy
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m agent.model._serve")
    ap.add_argument("--model", required=True)
    ap.add_argument("--alias", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 1) - 1))
    ap.add_argument("--ctx", type=int, default=8192)
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--draft", choices=DRAFTS, default="none",
                    help="speculative decoding without a draft model: ngram drafts the tokens that followed the "
                         "last n-gram earlier in the context (a rewrite copies most of its function)")
    ap.add_argument("--parent", type=int, default=0, help="pid to die with (0: none, foreground use)")
    args = ap.parse_args(argv)

    if args.parent:
        _die_with_parent(args.parent)
    # A stopping signal ends the process at once: the server's threads are C++ and hold nothing
    # that needs flushing, and a slow Python shutdown would only delay the port's release.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: os._exit(0))
    if not port_free(args.port):
        print(f"port {args.port} on 127.0.0.1 is busy", file=sys.stderr, flush=True)
        return PORT_BUSY

    import xllamacpp  # late: loading the native library takes a moment and is useless on a busy port

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = ["127.0.0.1"]   # never listen beyond this machine: there is no auth
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    if args.draft == "ngram":
        params.speculative.types = [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
    try:
        server = xllamacpp.Server(params)  # returns once the model is loaded and the port is bound
    except RuntimeError as err:
        print(f"llama.cpp server failed to start: {err}", file=sys.stderr, flush=True)
        return START_FAILED
    print(f"serving {args.alias} at {server.listening_address}/v1", file=sys.stderr, flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
