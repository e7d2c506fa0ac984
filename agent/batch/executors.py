"""Where instance tasks run: threads on this machine, or Ray tasks across a cluster.

Both hand back `concurrent.futures.Future`s, so the driver waits on either with the same
`concurrent.futures.wait` loop and never knows which one it talks to.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Protocol


class Executor(Protocol):
    workers: int                       # how many tasks may run at once
    shares_disk: bool                  # tasks can write the driver's batch folder directly

    def submit(self, fn: Callable[..., Any], *args) -> Future: ...
    def close(self) -> None: ...


class LocalExecutor:
    shares_disk = True

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="bench")

    def submit(self, fn, *args) -> Future:
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Each task is a `ray.remote` call with `num_cpus` reserved, so Ray places at most
    (node CPUs / num_cpus) instances per node. Tasks use the Docker engine of the node they land on.

    Our own packages are shipped to the cluster with the job (`py_modules`), so nodes run exactly
    the driver's code; third-party dependencies (litellm, docker, swebench …) must be installed there.
    """
    shares_disk = False

    def __init__(self, address: str | None = None, num_cpus: float = 1.0, workers: int | None = None,
                 ship_code: bool = True):
        import ray
        os.environ.setdefault("RAY_DISABLE_USAGE_STATS", "1")   # no phoning home from a benchmark run
        runtime_env: dict = {}
        if ship_code:
            import agent
            import prompts
            import sandbox
            runtime_env["py_modules"] = [agent, sandbox, prompts]
        self._owns = not ray.is_initialized()
        if self._owns:
            ray.init(address=address or "auto", runtime_env=runtime_env, log_to_driver=False,
                     include_dashboard=False, configure_logging=False)
        self._ray = ray
        self.num_cpus = num_cpus
        cluster_cpus = ray.cluster_resources().get("CPU", 1.0)
        # Submitting more than can run only queues them inside Ray, where the driver's budget split
        # cannot see them; keep the queue in the driver.
        self.workers = workers or max(1, int(cluster_cpus // num_cpus))
        self._remote: dict[Callable, Any] = {}

    def submit(self, fn, *args) -> Future:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=self.num_cpus, max_retries=0)(fn)
        return self._remote[fn].remote(*args).future()

    def nodes(self) -> list[str]:
        return [n["NodeID"] for n in self._ray.nodes() if n.get("Alive")]

    def close(self) -> None:
        if self._owns:
            self._ray.shutdown()
