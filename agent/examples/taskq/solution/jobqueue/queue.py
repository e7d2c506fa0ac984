"""A priority job queue for background workers.

Ordering: higher `priority` runs first; jobs of equal priority run in the order they were
submitted (first in, first out), so that no job waits forever behind newer ones of the same
priority. A job may be delayed (`not_before`) and is retried with exponential backoff when a worker
reports a failure, up to `max_attempts`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable


class QueueEmpty(LookupError):
    """No job is ready to run."""


@dataclass
class Job:
    id: int
    name: str
    payload: Any = None
    priority: int = 0
    not_before: float = 0.0
    attempts: int = 0
    max_attempts: int = 3
    status: str = "queued"          # queued, running, done, failed, cancelled
    seq: int = 0                    # submission order, set by the queue
    errors: list[str] = field(default_factory=list)


class JobQueue:
    def __init__(self, clock: Callable[[], float], backoff: float = 2.0):
        self._clock = clock
        self._backoff = backoff
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._seq = itertools.count()

    def submit(self, name: str, payload: Any = None, priority: int = 0, delay: float = 0.0,
               max_attempts: int = 3) -> Job:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        job = Job(next(self._ids), name, payload, priority, self._clock() + delay, max_attempts=max_attempts,
                  seq=next(self._seq))
        self._jobs[job.id] = job
        return job

    def _ready(self) -> list[Job]:
        now = self._clock()
        return [j for j in self._jobs.values() if j.status == "queued" and j.not_before <= now]

    def pending(self) -> list[Job]:
        """Ready jobs in the order workers will get them."""
        return sorted(self._ready(), key=lambda j: (-j.priority, j.seq))

    def __len__(self) -> int:
        return sum(1 for j in self._jobs.values() if j.status == "queued")

    def take(self) -> Job:
        """The next job to run, marked running; QueueEmpty if none is ready."""
        ready = self.pending()
        if not ready:
            raise QueueEmpty("no job is ready")
        job = ready[0]
        job.status = "running"
        job.attempts += 1
        return job

    def complete(self, job_id: int) -> None:
        job = self._running(job_id)
        job.status = "done"

    def fail(self, job_id: int, error: str) -> None:
        """Record a failure: the job is retried after a backoff, or marked failed for good."""
        job = self._running(job_id)
        job.errors.append(error)
        if job.attempts >= job.max_attempts:
            job.status = "failed"
            return
        job.status = "queued"
        job.not_before = self._clock() + self._backoff ** job.attempts
        job.seq = next(self._seq)   # a retried job queues behind jobs submitted meanwhile

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued job; False if it already started or finished."""
        job = self._jobs.get(job_id)
        if job is None or job.status != "queued":
            return False
        job.status = "cancelled"
        return True

    def reprioritize(self, job_id: int, priority: int) -> None:
        job = self._jobs[job_id]
        if job.status != "queued":
            raise ValueError(f"job {job_id} is {job.status}")
        job.priority = priority

    def _running(self, job_id: int) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.status != "running":
            raise ValueError(f"job {job_id} is not running")
        return job

    def next_ready_at(self) -> float | None:
        """When the earliest delayed job becomes ready (None if nothing is queued)."""
        times = [j.not_before for j in self._jobs.values() if j.status == "queued"]
        return min(times) if times else None

    def stats(self) -> dict[str, int]:
        counts = {s: 0 for s in ("queued", "running", "done", "failed", "cancelled")}
        for job in self._jobs.values():
            counts[job.status] += 1
        return counts

    def drain(self, worker: Callable[[Job], None], limit: int | None = None) -> int:
        """Run ready jobs with worker until none is ready (or limit jobs ran); exceptions count as
        failures. Returns the number of jobs run."""
        ran = 0
        while limit is None or ran < limit:
            try:
                job = self.take()
            except QueueEmpty:
                break
            ran += 1
            try:
                worker(job)
            except Exception as err:  # the worker's error is recorded on the job, not raised
                self.fail(job.id, f"{type(err).__name__}: {err}")
            else:
                self.complete(job.id)
        return ran

    def jobs(self, status: str | None = None) -> list[Job]:
        """All jobs (or those with one status) in submission order."""
        return sorted((j for j in self._jobs.values() if status in (None, j.status)), key=lambda j: j.id)

    def retry_failed(self, job_id: int, extra_attempts: int = 1) -> Job:
        """Put a failed job back in the queue (an operator decided to try again)."""
        job = self._jobs[job_id]
        if job.status != "failed":
            raise ValueError(f"job {job_id} is {job.status}, not failed")
        job.status = "queued"
        job.max_attempts = job.attempts + extra_attempts
        job.not_before = self._clock()
        job.seq = next(self._seq)
        return job

    def purge(self) -> int:
        """Forget finished jobs (done, failed, cancelled); the number removed."""
        finished = [i for i, j in self._jobs.items() if j.status in ("done", "failed", "cancelled")]
        for i in finished:
            del self._jobs[i]
        return len(finished)
