"""In-memory session store with idle timeout, absolute lifetime and flash messages.

A session expires when it has not been used for `idle_timeout` seconds or is older than
`max_lifetime` seconds, whichever comes first. Time comes from an injectable clock so that tests
(and replays) do not sleep.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable


class SessionExpired(KeyError):
    """The session existed but timed out; the user must log in again."""


@dataclass
class Session:
    sid: str
    created: float
    last_seen: float
    data: dict[str, Any] = field(default_factory=dict)
    flashes: list[tuple[str, str]] = field(default_factory=list)

    def flash(self, message: str, category: str = "info") -> None:
        """Queue a one-time message for the next page the user sees."""
        self.flashes.append((category, message))

    def pop_flashes(self, category: str | None = None) -> list[str]:
        """The queued messages (of one category, or all), removed from the session."""
        keep, out = [], []
        for cat, message in self.flashes:
            (out if category in (None, cat) else keep).append((cat, message))
        self.flashes = keep
        return [message for _, message in out]


class SessionStore:
    def __init__(self, idle_timeout: float = 1800, max_lifetime: float = 86400,
                 clock: Callable[[], float] = time.time):
        if idle_timeout <= 0 or max_lifetime <= 0:
            raise ValueError("timeouts must be positive")
        self.idle_timeout = idle_timeout
        self.max_lifetime = max_lifetime
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, sid: object) -> bool:
        return sid in self._sessions and not self._expired(self._sessions[sid], self._clock())

    def _expired(self, session: Session, now: float) -> bool:
        return (now - session.last_seen > self.idle_timeout
                or now - session.created > self.max_lifetime)

    def create(self, **data: Any) -> Session:
        """A new session with a random, URL-safe id."""
        now = self._clock()
        sid = secrets.token_urlsafe(24)
        session = Session(sid, created=now, last_seen=now, data=dict(data))
        self._sessions[sid] = session
        return session

    def get(self, sid: str, touch: bool = True) -> Session:
        """The live session for sid; KeyError if unknown, SessionExpired if it timed out."""
        session = self._sessions.get(sid)
        if session is None:
            raise KeyError(f"unknown session {sid!r}")
        now = self._clock()
        if self._expired(session, now):
            del self._sessions[sid]
            raise SessionExpired(sid)
        if touch:
            session.last_seen = now
        return session

    def rotate(self, sid: str) -> Session:
        """Give the session a fresh id (after login, against fixation); data and flashes move over."""
        old = self.get(sid)
        del self._sessions[sid]
        new = Session(secrets.token_urlsafe(24), created=old.created, last_seen=old.last_seen,
                      data=old.data, flashes=old.flashes)
        self._sessions[new.sid] = new
        return new

    def end(self, sid: str, missing_ok: bool = True) -> None:
        """Log out: forget the session. Ending an unknown or already ended session is a no-op
        unless missing_ok is False (then KeyError)."""
        if sid not in self._sessions:
            if not missing_ok:
                raise KeyError(f"unknown session {sid!r}")
            return
        del self._sessions[sid]

    def purge_expired(self) -> int:
        """Drop every expired session; the number dropped."""
        now = self._clock()
        dead = [sid for sid, s in self._sessions.items() if self._expired(s, now)]
        for sid in dead:
            del self._sessions[sid]
        return len(dead)

    def active_users(self) -> set[str]:
        """The "user" values of live sessions (anonymous sessions have none)."""
        now = self._clock()
        return {s.data["user"] for s in self._sessions.values()
                if "user" in s.data and not self._expired(s, now)}


def cookie_header(session: Session, name: str = "session", secure: bool = True,
                  max_age: int | None = None) -> str:
    """A Set-Cookie header value for the session id: HttpOnly, SameSite=Lax, Secure by default."""
    parts = [f"{name}={session.sid}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    return "; ".join(parts)


def parse_cookie(header: str) -> dict[str, str]:
    """A Cookie request header as a dict; later duplicates lose to the first, as browsers send
    the most specific cookie first."""
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip('"')
    return cookies


def sessions_for(store: SessionStore, user: str) -> list[Session]:
    """Live sessions of one user, oldest first (for a "where you're logged in" page)."""
    now = store._clock()
    return sorted((s for s in store._sessions.values() if s.data.get("user") == user and not store._expired(s, now)),
                  key=lambda s: s.created)


def end_all_for(store: SessionStore, user: str, keep: str | None = None) -> int:
    """Log a user out everywhere (after a password change), except the session `keep`."""
    ended = 0
    for session in sessions_for(store, user):
        if session.sid != keep:
            store.end(session.sid)
            ended += 1
    return ended
