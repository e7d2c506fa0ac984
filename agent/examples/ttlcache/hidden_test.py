from memo import TTLCache, cached


def test_default_cache_never_expires():
    clock = type("Clock", (), {"now": 0.0, "__call__": lambda self: self.now})()
    c = TTLCache(clock=clock)
    c.set("a", 1)
    assert c.get("a") == 1
    clock.now = 10 ** 6
    assert "a" in c and len(c) == 1


def test_plain_decorator_caches():
    calls = []

    @cached
    def rate(currency):
        calls.append(currency)
        return 1.1

    assert rate("EUR") == rate("EUR") == 1.1
    assert calls == ["EUR"] and rate.cache.hits == 1 and rate.cache.misses == 1


def test_explicit_ttl_still_expires():
    clock = type("Clock", (), {"now": 0.0, "__call__": lambda self: self.now})()
    c = TTLCache(ttl=5, clock=clock)
    c.set("a", 1)
    clock.now = 5
    assert c.get("a") is None
