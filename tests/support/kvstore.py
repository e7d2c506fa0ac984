"""A tiny session store whose end() raises on an unknown session although its docstring-level contract
says it should not: a traceback-only issue (no call of literals in the text)."""
from __future__ import annotations

from pathlib import Path

from tests.support.pipeline import commit_tree

ISSUE = """Logging out twice raises KeyError

Users who double-click "Sign out" get a 500 error; our handler calls `store.end()` again:

```
Traceback (most recent call last):
  File "/srv/app/views.py", line 88, in logout
    store.end(request.cookies["session"])
  File "/srv/app/.venv/lib/python3.11/site-packages/kvstore/store.py", line 12, in end
    raise KeyError(f"unknown session {sid!r}")
KeyError: "unknown session 'GZ3pXw0m2VwQ0cGk9t0uUo2FqzJ1b0aL'"
```

Ending a session that is unknown should do nothing unless `missing_ok=False` is passed.
"""
STORE = '''class Store:
    def __init__(self):
        self._sessions = {}

    def start(self, sid):
        self._sessions[sid] = {}

    def get(self, sid):
        return self._sessions[sid]

    def end(self, sid, missing_ok=True):
        if sid not in self._sessions:
            if missing_ok:
                raise KeyError(f"unknown session {sid!r}")
            return
        del self._sessions[sid]
'''
CALL = "```python\nfrom kvstore.store import Store\n\nstore = Store()\nstore.end('abc')\n```"


def make_kvstore_repo(root: Path, tests: bool = False) -> Path:
    """root/repo: the committed package `kvstore` (and, with `tests`, a project test of start/end)."""
    files = {"kvstore/__init__.py": "", "kvstore/store.py": STORE}
    if tests:
        files["tests/test_store.py"] = ("from kvstore.store import Store\n\n\ndef test_start_end():\n"
                                        "    s = Store()\n    s.start('a')\n    s.end('a')\n")
    return commit_tree(root / "repo", files)
