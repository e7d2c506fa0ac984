import pytest

from retry import backoff_delays, retry_call


def test_backoff_delays():
    assert backoff_delays(4, base=1, factor=2, cap=3) == [1, 2, 3]
    assert backoff_delays(1) == []


def test_succeeds_after_failures():
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("reset")
        return "ok"

    assert retry_call(flaky, attempts=3, sleep=slept.append, base=1) == "ok"
    assert slept == [1, 2]


def test_other_exceptions_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise KeyError("x")

    with pytest.raises(KeyError):
        retry_call(broken, on=(ConnectionError,), sleep=lambda s: None)
    assert len(calls) == 1
