"""What the fake servers of the tests share: serve in a thread while the `with` block runs."""
from __future__ import annotations


class ServedInThread:
    """Needs `self.server` (an http.server) and `self.thread` (its serve_forever thread, not started)."""

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
