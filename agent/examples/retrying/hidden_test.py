import pytest

from retry import retry_call


def test_last_exception_is_raised():
    calls = []

    def down():
        calls.append(1)
        raise ConnectionError(f"attempt {len(calls)}")

    with pytest.raises(ConnectionError, match="attempt 4"):
        retry_call(down, attempts=4, sleep=lambda s: None)
    assert len(calls) == 4


def test_single_attempt_raises():
    def boom():
        raise TimeoutError("slow")

    with pytest.raises(TimeoutError):
        retry_call(boom, attempts=1, sleep=lambda s: None)


def test_success_still_returned():
    assert retry_call(lambda: 42, sleep=lambda s: None) == 42
