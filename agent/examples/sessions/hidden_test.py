import pytest

from websession import SessionStore


def test_ending_twice_is_a_noop():
    store = SessionStore()
    s = store.create(user="ann")
    store.end(s.sid)
    store.end(s.sid)
    store.end("never-existed")
    assert len(store) == 0


def test_strict_end_of_unknown_session():
    store = SessionStore()
    with pytest.raises(KeyError):
        store.end("never-existed", missing_ok=False)
    s = store.create()
    store.end(s.sid, missing_ok=False)
    assert s.sid not in store
