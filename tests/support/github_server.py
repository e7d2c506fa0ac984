"""A fake GitHub on 127.0.0.1 for tests: the REST endpoints the issue → PR flow uses, plus REAL git
remotes served over smart HTTP by `git http-backend` (CGI), so clone, fetch and push really happen.

Layout is GitHub Enterprise Server's: web + git at http://127.0.0.1:PORT/OWNER/REPO(.git),
the API at http://127.0.0.1:PORT/api/v3. Error modes are injected with `fail(...)`.
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.serving import ServedInThread

HTTP_BACKEND = "/usr/lib/git-core/git-http-backend"


@dataclass
class Rule:
    method: str
    pattern: str
    status: int
    headers: dict
    body: dict
    times: int


@dataclass
class RepoState:
    private: bool = False
    default_branch: str = "main"
    push: bool = True
    issues: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, list[dict]] = field(default_factory=dict)
    pulls: list[dict] = field(default_factory=list)


class FakeGitHub(ServedInThread):
    def __init__(self, root: Path, token: str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.repos: dict[str, RepoState] = {}
        self.permissions: dict[str, str] = {}        # login -> role_name
        self.rules: list[Rule] = []
        self.log: list[dict] = []                     # every request: method, path, headers
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---- test setup -------------------------------------------------------------------------------
    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.server_url + "/api/v3"

    def bare(self, full_name: str) -> Path:
        return self.root / f"{full_name}.git"

    def add_repo(self, full_name: str, source: Path, *, private=False, default_branch="main", push=True) -> RepoState:
        bare = self.bare(full_name)
        subprocess.run(["git", "clone", "-q", "--bare", str(source), str(bare)], check=True)
        subprocess.run(["git", "-C", str(bare), "config", "http.receivepack", "true"], check=True)
        self.repos[full_name] = RepoState(private=private, default_branch=default_branch, push=push)
        return self.repos[full_name]

    def add_issue(self, full_name: str, number: int, title: str, body: str, labels=(), comments=(), **extra):
        state = self.repos[full_name]
        state.issues[number] = {"number": number, "title": title, "body": body, "state": "open",
                                "labels": [{"name": n} for n in labels],
                                "html_url": f"{self.server_url}/{full_name}/issues/{number}", **extra}
        state.comments[number] = [{"id": i + 1, "body": b, "user": {"login": u}} for i, (u, b) in enumerate(comments)]

    def fail(self, method: str, pattern: str, status: int, body: dict | None = None, headers: dict | None = None,
             times: int = 1) -> None:
        self.rules.append(Rule(method, pattern, status, headers or {}, body or {"message": "injected"}, times))

    def reject_pushes(self, full_name: str, message: str = "pushes are blocked by policy") -> None:
        hook = self.bare(full_name) / "hooks" / "pre-receive"
        hook.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
        hook.chmod(0o755)

    def branch_tip(self, full_name: str, branch: str) -> str | None:
        p = subprocess.run(["git", "-C", str(self.bare(full_name)), "rev-parse", "--verify", "-q",
                            f"refs/heads/{branch}"], capture_output=True, text=True)
        return p.stdout.strip() or None

    # ---- request handling -------------------------------------------------------------------------
    def authorized(self, headers) -> bool | None:
        """True = our token, False = a wrong token, None = no token at all."""
        auth = headers.get("Authorization", "")
        if not auth:
            return None
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() == "basic":
            cred = base64.b64decode(cred).decode().partition(":")[2]
        return cred == self.token

    def injected(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.method == method and re.search(rule.pattern, path) and rule.times > 0:
                    rule.times -= 1
                    return rule
        return None

    def api(self, method: str, path: str, query: dict, body: dict | None, auth: bool | None):
        """(status, payload, headers) for one API call."""
        m = re.match(r"^/repos/([^/]+/[^/]+)(/.*)?$", path)
        if not m or m[1] not in self.repos or (self.repos[m[1]].private and not auth):
            return 404, {"message": "Not Found"}, {}
        full, rest, state = m[1], m[2] or "", self.repos[m[1]]
        if rest == "" and method == "GET":
            perms = {"admin": False, "push": state.push, "pull": True} if auth else None
            return 200, {"full_name": full, "private": state.private, "default_branch": state.default_branch,
                         **({"permissions": perms} if perms else {})}, {}
        if (im := re.match(r"^/issues/(\d+)$", rest)) and method == "GET":
            issue = state.issues.get(int(im[1]))
            return (200, issue, {}) if issue else (404, {"message": "Not Found"}, {})
        if im := re.match(r"^/issues/(\d+)/comments$", rest):
            n = int(im[1])
            if n not in state.issues:
                return 404, {"message": "Not Found"}, {}
            if method == "POST":
                c = {"id": 1000 + len(state.comments[n]), "body": body["body"], "user": {"login": "github-actions[bot]"}}
                c["html_url"] = f"{self.server_url}/{full}/issues/{n}#issuecomment-{c['id']}"
                state.comments[n].append(c)
                return 201, c, {}
            per, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
            items = state.comments[n][(page - 1) * per: page * per]
            headers = {}
            if page * per < len(state.comments[n]):
                nxt = f"{self.api_url}/repos/{full}/issues/{n}/comments?per_page={per}&page={page + 1}"
                headers["Link"] = f'<{nxt}>; rel="next"'
            return 200, items, headers
        if rest == "/pulls" and method == "POST":
            for key in ("head", "base"):
                if not self.branch_tip(full, body[key]):
                    return 422, {"message": "Validation Failed", "errors": [{"field": key, "code": "invalid"}]}, {}
            number = 100 + len(state.pulls)
            pr = {**body, "number": number, "state": "open", "html_url": f"{self.server_url}/{full}/pull/{number}"}
            state.pulls.append(pr)
            return 201, pr, {}
        if rest == "/pulls" and method == "GET":
            wanted = query.get("state", ["open"])[0]
            return 200, [{**pr, "head": {"ref": pr["head"], "repo": {"full_name": full}}, "base": {"ref": pr["base"]}}
                         for pr in state.pulls if wanted == "all" or pr["state"] == wanted], {}
        if rest == "/branches" and method == "GET":
            out = subprocess.run(["git", "-C", str(self.bare(full)), "for-each-ref", "--format=%(refname:short) %(objectname)",
                                  "refs/heads"], capture_output=True, text=True).stdout.split("\n")
            return 200, [{"name": n, "commit": {"sha": s}} for n, s in (x.split() for x in out if x)], {}
        if (bm := re.match(r"^/(?:branches|git/ref/heads)/(.+)$", rest)) and method == "GET":
            tip = self.branch_tip(full, bm[1])
            return (200, {"name": bm[1], "commit": {"sha": tip}, "object": {"sha": tip}}, {}) if tip else \
                (404, {"message": "Branch not found"}, {})
        if (pm := re.match(r"^/collaborators/([^/]+)/permission$", rest)) and method == "GET":
            role = self.permissions.get(pm[1], "none")
            legacy = {"maintain": "write", "triage": "read"}.get(role, role)
            return 200, {"permission": legacy, "role_name": role, "user": {"login": pm[1]}}, {}
        return 404, {"message": f"fake GitHub has no {method} {path}"}, {}

    def git(self, handler, method: str, path: str, query: str, body: bytes, auth: bool | None):
        m = re.match(r"^/([^/]+/[^/]+?)\.git(/.*)$", path)
        state = self.repos.get(m[1]) if m else None
        if state is None:
            return handler._send(404, b"not found", {"Content-Type": "text/plain"})
        if auth is False or ((state.private or "receive-pack" in path + query) and not auth):
            return handler._send(401, b"auth required", {"WWW-Authenticate": 'Basic realm="fake"'})
        env = {"GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
               "QUERY_STRING": query, "REQUEST_METHOD": method, "REMOTE_USER": "x-access-token",
               "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "PATH": "/usr/bin:/bin"}
        for k, v in handler.headers.items():
            env["HTTP_" + k.upper().replace("-", "_")] = v
        out = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode().split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers[k] = v.strip()
        handler._send(status, payload, headers)


def _handler(gh: FakeGitHub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def _send(self, status: int, data: bytes, headers: dict) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

        def _dispatch(self, method: str):
            parts = urlsplit(self.path)
            body = self._body()
            gh.log.append({"method": method, "path": self.path, "headers": dict(self.headers.items())})
            auth = gh.authorized(self.headers)
            if not parts.path.startswith("/api/v3/"):
                return gh.git(self, method, parts.path, parts.query, body, auth)
            path = parts.path[len("/api/v3"):]
            if auth is False:
                return self._json(401, {"message": "Bad credentials"}, {})
            if rule := gh.injected(method, path):
                return self._json(rule.status, rule.body, rule.headers)
            payload = json.loads(body) if body else None
            self._json(*gh.api(method, path, parse_qs(parts.query), payload, auth))

        def _json(self, status, payload, headers):
            self._send(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers})

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

    return Handler


# ---- run folders as the pipeline leaves them (for tests that inject `solve`) -----------------------
FIX_DIFF = """diff --git a/calc/ops.py b/calc/ops.py
--- a/calc/ops.py
+++ b/calc/ops.py
@@ -1,6 +1,6 @@
 def add(a, b):
     \"\"\"Return the sum of a and b.\"\"\"
-    return a - b
+    return a + b
 
 
 def mul(a, b):
"""
REPRO = "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


class ScriptedSolve:
    """Stands in for agent.pipeline.solve: writes the real records of a finished run, no model involved.
    kind: 'selected' (confident), 'low' (selected, low confidence), 'abstained'."""

    def __init__(self, kind: str = "selected", confidence: float | None = None, leak: str = "",
                 diff: str = FIX_DIFF, files: tuple[str, ...] = ("calc/ops.py",)):
        self.kind, self.leak, self.diff, self.files = kind, leak, diff, list(files)
        self.confidence = confidence if confidence is not None else {"selected": 0.9, "low": 0.4}.get(kind, 0.1)
        self.calls: list[tuple] = []

    def __call__(self, issue, repo, run_dir, config):
        from agent.budget import LedgerState, StageSpend
        from agent.runfolder import RunFolder
        from agent.schema import (Candidate, Cell, Decision, ExecutionMatrix, RankedCandidate, Result,
                                  RewardScore, TestCase)
        self.calls.append((issue, Path(repo), Path(run_dir)))
        run = RunFolder(run_dir)
        good = Candidate(id="c1a2b3c", diff=self.diff, key="k1", samples=[0, 1, 3], files=self.files)
        bad = Candidate(id="c9d8e7f", diff=FIX_DIFF.replace("a + b", "a * b"), key="k2", samples=[2],
                        files=["calc/ops.py"])
        test = TestCase(id="t000", sample=0, path="tests/test_repro_add.py", content=REPRO + self.leak,
                        command="python -m pytest -q tests/test_repro_add.py", original_outcome="fail",
                        original_output="E   assert -1 == 5", kept=True, reason="fails on the original code")
        cells = [Cell(candidate="c1a2b3c", test="t000", outcome="pass"),
                 Cell(candidate="c9d8e7f", test="t000", outcome="fail", output_tail="E   assert 6 == 5"),
                 Cell(candidate="c1a2b3c", test="regression", outcome="pass"),
                 Cell(candidate="c9d8e7f", test="regression", outcome="fail", failed_tests=["tests/test_ops.py::test_mul"])]
        matrix = ExecutionMatrix(candidates=[good.id, bad.id], tests=["t000"], cells=cells,
                                 regression_command="python -m pytest -q tests/test_ops.py",
                                 baseline_regression=Cell(candidate="", test="regression", outcome="pass"))
        ranking = [RankedCandidate(candidate=good.id, score=0.9, tests_passed=1, tests_total=1, weighted_pass=1.0,
                                   regression_ok=True, reward=0.8, count=3),
                   RankedCandidate(candidate=bad.id, score=0.1, tests_passed=0, tests_total=1, weighted_pass=0.0,
                                   regression_ok=False, reward=0.2, count=1)]
        selected = self.kind != "abstained"
        decision = Decision(status="selected" if selected else "abstained", candidate=good.id if selected else None,
                            confidence=self.confidence, ranking=ranking, method="ranking",
                            diagnosis="Candidate c1a2b3c passes the reproduction test; ping @someone." if selected
                            else "No candidate passes the reproduction test on the original failure.")
        ledger = LedgerState(budget_usd=1.0, stages={
            "patch": StageSpend(calls=4, prompt_tokens=4000, completion_tokens=800, cost_usd=0.012),
            "test": StageSpend(calls=2, prompt_tokens=1500, completion_tokens=300, cost_usd=0.004)})
        run.write_json("issue.json", issue)
        run.write_json("03_patches/candidates.json", [good, bad])
        run.write_json("02_tests/tests.json", [test])
        run.write_json("04_execution/matrix.json", matrix)
        run.write_json(f"06_reward/{good.id}.json", RewardScore(candidate=good.id, scores=[0.8, 0.8], mean=0.8))
        run.write_json(f"06_reward/{bad.id}.json", RewardScore(candidate=bad.id, scores=[0.2, 0.2], mean=0.2))
        run.write_json("07_selection/decision.json", decision)
        run.write_json("ledger.json", ledger)
        result = Result(issue_id=issue.id, status=decision.status, final_diff=self.diff if selected else "",
                        candidate=decision.candidate, confidence=self.confidence, diagnosis=decision.diagnosis,
                        n_candidates=2, n_patch_samples=4, n_tests_kept=1, n_tests_written=1,
                        cost_usd=0.016, tokens=6600, duration_s=12.0)
        run.write_text("final.diff", result.final_diff)
        run.write_json("result.json", result)
        return result
