"""Server-side sessions for small web apps: an in-memory store plus cookie helpers."""
from .store import Session, SessionExpired, SessionStore, cookie_header, parse_cookie

__all__ = ["Session", "SessionExpired", "SessionStore", "cookie_header", "parse_cookie"]
