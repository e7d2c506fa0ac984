import pytest

from websession import SessionExpired, SessionStore, cookie_header, parse_cookie


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_create_get_and_idle_timeout():
    clock = Clock()
    store = SessionStore(idle_timeout=60, clock=clock)
    s = store.create(user="ann")
    clock.now += 50
    assert store.get(s.sid).data == {"user": "ann"}
    clock.now += 50   # touched 50 s ago: still alive
    assert s.sid in store
    clock.now += 61
    with pytest.raises(SessionExpired):
        store.get(s.sid)
    assert len(store) == 0


def test_logout():
    store = SessionStore(clock=Clock())
    s = store.create(user="ann")
    store.end(s.sid)
    assert s.sid not in store
    with pytest.raises(KeyError):
        store.get(s.sid)


def test_rotate_keeps_data_and_flashes():
    store = SessionStore(clock=Clock())
    s = store.create(user="ann")
    s.flash("Welcome back")
    new = store.rotate(s.sid)
    assert new.sid != s.sid and s.sid not in store
    assert new.data == {"user": "ann"} and new.pop_flashes() == ["Welcome back"]
    assert new.pop_flashes() == []


def test_purge_and_active_users():
    clock = Clock()
    store = SessionStore(idle_timeout=10, max_lifetime=100, clock=clock)
    a = store.create(user="ann")
    store.create(user="bob")
    store.create()
    clock.now += 8
    store.get(a.sid)
    clock.now += 5
    assert store.active_users() == {"ann"}
    assert store.purge_expired() == 2


def test_cookies():
    store = SessionStore(clock=Clock())
    s = store.create()
    assert cookie_header(s, max_age=60) == f"session={s.sid}; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60"
    assert parse_cookie('a=1; session="xyz"; a=2') == {"a": "1", "session": "xyz"}


def test_end_all_for_user():
    from websession.store import end_all_for, sessions_for

    clock = Clock()
    store = SessionStore(clock=clock)
    a = store.create(user="ann")
    clock.now += 1
    b = store.create(user="ann")
    store.create(user="bob")
    assert [s.sid for s in sessions_for(store, "ann")] == [a.sid, b.sid]
    assert end_all_for(store, "ann", keep=b.sid) == 1
    assert [s.sid for s in sessions_for(store, "ann")] == [b.sid]
