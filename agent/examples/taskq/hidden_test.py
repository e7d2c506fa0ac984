from jobqueue import JobQueue


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def test_equal_priority_is_fifo():
    q = JobQueue(Clock())
    for name in ("first", "second", "third"):
        q.submit(name)
    assert [j.name for j in q.pending()] == ["first", "second", "third"]
    assert q.take().name == "first"


def test_priority_then_fifo():
    q = JobQueue(Clock())
    q.submit("a", priority=1)
    q.submit("b", priority=5)
    q.submit("c", priority=1)
    q.submit("d", priority=5)
    order = []
    q.drain(lambda j: order.append(j.name))
    assert order == ["b", "d", "a", "c"]
