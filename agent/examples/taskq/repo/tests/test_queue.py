import pytest

from jobqueue import JobQueue, QueueEmpty


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def test_priority_first():
    q = JobQueue(Clock())
    q.submit("low", priority=0)
    q.submit("high", priority=5)
    q.submit("mid", priority=2)
    assert [j.name for j in q.pending()] == ["high", "mid", "low"]


def test_delay():
    clock = Clock()
    q = JobQueue(clock)
    q.submit("later", delay=10)
    with pytest.raises(QueueEmpty):
        q.take()
    assert q.next_ready_at() == 110
    clock.now = 110
    assert q.take().name == "later"


def test_retry_with_backoff_then_fail():
    clock = Clock()
    q = JobQueue(clock, backoff=2)
    job = q.submit("flaky", max_attempts=2)
    q.drain(lambda j: 1 / 0)
    assert job.status == "queued" and job.not_before == 102
    clock.now = 102
    q.drain(lambda j: 1 / 0)
    assert job.status == "failed" and job.errors == ["ZeroDivisionError: division by zero"] * 2


def test_cancel_reprioritize_stats():
    q = JobQueue(Clock())
    a = q.submit("a")
    b = q.submit("b")
    assert q.cancel(a.id) and not q.cancel(a.id)
    q.reprioritize(b.id, 9)
    assert q.drain(lambda j: None) == 1
    assert q.stats() == {"queued": 0, "running": 0, "done": 1, "failed": 0, "cancelled": 1}


def test_retry_failed_and_purge():
    q = JobQueue(Clock())
    job = q.submit("once", max_attempts=1)
    q.drain(lambda j: 1 / 0)
    assert [j.name for j in q.jobs("failed")] == ["once"]
    q.retry_failed(job.id)
    assert q.drain(lambda j: None) == 1 and job.status == "done"
    assert q.purge() == 1 and q.jobs() == []
