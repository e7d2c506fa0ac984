from telemetry import MovingStats, RingBuffer


def test_latest_returns_n_values():
    buf = RingBuffer(5)
    buf.extend([1, 2, 3, 4, 5, 6, 7])
    assert buf.latest(3) == [5, 6, 7]
    assert buf.latest(5) == [3, 4, 5, 6, 7]
    assert buf.latest(9) == [3, 4, 5, 6, 7]
    assert buf.latest(0) == []


def test_latest_before_wrapping_and_moving_mean():
    buf = RingBuffer(4)
    buf.extend([1, 2])
    assert buf.latest(2) == [1, 2]
    stats = MovingStats(10)
    for v in (10, 20, 30, 40):
        stats.add(v)
    assert stats.mean(last=2) == 35.0
