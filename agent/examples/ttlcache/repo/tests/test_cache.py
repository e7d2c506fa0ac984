import pytest

from memo import TTLCache, cached


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_expiry():
    clock = Clock()
    c = TTLCache(ttl=10, clock=clock)
    c.set("a", 1)
    clock.now = 9.9
    assert c.get("a") == 1
    clock.now = 10
    assert c.get("a") is None and "a" not in c


def test_lru_eviction():
    c = TTLCache(maxsize=2, ttl=60, clock=Clock())
    c.set("a", 1)
    c.set("b", 2)
    c.get("a")
    c.set("c", 3)
    assert "b" not in c and c.get("a") == 1 and len(c) == 2


def test_decorator_with_ttl():
    calls = []

    @cached(maxsize=4, ttl=60)
    def square(x):
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    assert calls == [3] and square.cache.hits == 1


def test_bad_size():
    with pytest.raises(ValueError):
        TTLCache(maxsize=0)
