"""Behaviour voting (differential testing), pure: probe scripts, their outputs, clusters.

A probe is a few statements near the issue's failing example whose results are printed, never
asserted: nobody has to know the right answer. The original code and every candidate run the same
probes; candidates with identical observable behaviour (values, exceptions, timeouts) form a
cluster, and a cluster's support is the number of independent patch samples behind it. Agreement
on behaviour, not on text (AlphaCode / CodeT). A candidate that behaves like the original code
cannot fix the issue.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, Field

from agent.schema import Behaviour, BehaviourCluster, Candidate

MARK = "\x1eswe-agent-probe "       # precedes each statement's output (never printed by code under test)
STATEMENT_TIMEOUT_S = 10.0          # an infinite loop is a behaviour ("TIMEOUT"), not a stuck run
OUTPUT_CAP = 2000                   # chars kept per statement: a print loop is cut at the same place every run
PROBE_FILE = "swe_agent_probe.py"   # written into the sandbox's repository root (fresh sandbox: never tracked)
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{4,}\b")


class Probe(BaseModel):
    id: str                          # "i000" (from the issue's checks) or "m000" (model sample 0)
    origin: Literal["issue", "model"]
    statements: list[str]            # top-level statements, each run on its own under a timeout


class ProbeRun(BaseModel):
    """One execution of every probe on one code version (a candidate or the original)."""
    candidate: str                   # candidate id, or "original" / "original#2"
    probes: str                      # key of the probe set (the script's hash)
    status: Literal["ok", "apply_failed", "timeout"] = "ok"
    outputs: dict[str, str] = Field(default_factory=dict)   # "<probe>:<i>" -> normalized output
    message: str = ""
    duration_s: float = 0.0


# ------------------------------------------------------------------ probe scripts
def split_statements(source: str) -> list[str]:
    """Top-level statements of a script (ValueError when it does not parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        raise ValueError(f"the script does not parse: {err}") from None
    return [ast.unparse(node) for node in tree.body]


def has_call(statements: list[str]) -> bool:
    return any(isinstance(n, ast.Call) for s in statements for n in ast.walk(ast.parse(s)))


def check_statements(setup: tuple[str, ...], call: str) -> list[str]:
    """An issue check as probe statements: its setup, then the call (its repr is displayed)."""
    return list(setup) + [call]


_SCRIPT = '''"""Probe inputs (swe-agent behaviour voting): every statement runs on its own; its output,
exception or timeout is what is compared between code versions."""
import json
import signal
import sys

_PROBES = json.loads({probes!r})
_MARK, _CAP, _LIMIT = {mark!r}, {cap}, {limit}


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


class _Capped:
    """stdout capped per statement: output cut at the same place whatever the timing."""

    def __init__(self, out):
        self.out, self.left = out, _CAP

    def write(self, text):
        part = text[:max(self.left, 0)]
        self.left -= len(text)
        return self.out.write(part) or len(text)

    def flush(self):
        self.out.flush()


signal.signal(signal.SIGALRM, _alarm)
_real = sys.stdout
for _pid, _stmts in _PROBES:
    _ns = {{"__name__": "__swe_agent_probe__"}}
    for _i, _src in enumerate(_stmts):
        _real.write(f"\\n{{_MARK}}{{_pid}}:{{_i}}\\n")
        _real.flush()
        sys.stdout = _Capped(_real)
        try:
            _code = compile(_src, f"<probe {{_pid}}:{{_i}}>", "single")   # "single": a bare call shows its repr
            signal.setitimer(signal.ITIMER_REAL, _LIMIT)
            try:
                exec(_code, _ns)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            _end = ""
        except _Timeout:
            _end = "TIMEOUT"
        except RecursionError:
            _end = "EXC RecursionError"      # its message varies with where the stack ran out
        except BaseException as _exc:        # SystemExit and KeyboardInterrupt are behaviours too
            _end = f"EXC {{type(_exc).__name__}}: {{(str(_exc).splitlines() or [''])[0][:200]}}"
        sys.stdout = _real                   # the outcome line is never cut by the cap
        _real.write(f"\\n{{_end}}\\n" if _end else "")
        _real.flush()
'''


def render_script(probes: list[Probe], timeout_s: float = STATEMENT_TIMEOUT_S) -> str:
    data = json.dumps([[p.id, p.statements] for p in probes])
    return _SCRIPT.format(probes=data, mark=MARK, cap=OUTPUT_CAP, limit=float(timeout_s))


def probes_key(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()[:10]


def run_command(path: str = PROBE_FILE) -> str:
    # Fixed hash seed: set and dict orders of strings must not differ between two runs of one code.
    return f"PYTHONHASHSEED=0 PYTHONUNBUFFERED=1 python {path}"


# ------------------------------------------------------------------ outputs
def normalize(text: str) -> str:
    """Memory addresses and trailing whitespace vary between runs of the same code."""
    text = _ADDRESS.sub("0x?", text)
    return "\n".join(ln.rstrip() for ln in text.split("\n")).strip("\n")


def parse_outputs(output: str, timed_out: bool = False) -> dict[str, str]:
    """"<probe>:<i>" -> normalized output of that statement ("" = what ran before the first statement)."""
    out: dict[str, list[str]] = {"": []}
    key = ""
    for line in output.split("\n"):     # not splitlines(): it splits on the mark's \x1e too
        if line.startswith(MARK):
            key = line[len(MARK):].strip()
            out[key] = []
        else:
            out[key].append(line)
    if timed_out:
        out[key].append("TIMEOUT (whole probe script)")
    return {k: normalize("\n".join(v)) for k, v in out.items()}


def unstable_keys(runs: list[dict[str, str]]) -> set[str]:
    """Statements whose output differs between runs of the same code (clock, randomness): not behaviour."""
    keys = set().union(*runs) if runs else set()
    return {k for k in keys if len({r.get(k) for r in runs}) > 1}


def signature(outputs: dict[str, str], ignore: set[str] = frozenset()) -> str:
    kept = sorted((k, v) for k, v in outputs.items() if k not in ignore)
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def failed_to_import(outputs: dict[str, str]) -> bool:
    """Every statement ended in an import or name error: the probe never reached the code under test."""
    errors = ("EXC ImportError", "EXC ModuleNotFoundError", "EXC NameError", "EXC SyntaxError")
    shown = [v for k, v in outputs.items() if k]
    return bool(shown) and all(v.startswith(errors) for v in shown)


_UNDEFINED = re.compile(r"EXC NameError: name '(\w+)' is not defined")


def reaches_nothing(statements: list[str], outputs: dict[str, str], probe_id: str) -> bool:
    """Every statement of the probe that calls something failed to import, or raised NameError on a name the
    script itself uses and never defined (`fetch_page(1)` where the issue only describes `fetch_page`; a helper
    the script defines around an undefined `rates_api`); working import lines do not count as reaching the code.
    A NameError raised inside the code under test names something the script does not use: behaviour. Also true
    when every statement of the probe failed to import (failed_to_import). The probe stage's one check. Pure."""
    if failed_to_import({k: v for k, v in outputs.items() if k.startswith(f"{probe_id}:")}):
        return True
    trees = [ast.parse(s) for s in statements]
    used = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}

    def unreached(out: str) -> bool:
        name = _UNDEFINED.match(out)
        return out.startswith(("EXC ImportError", "EXC ModuleNotFoundError", "EXC SyntaxError")) or \
            bool(name) and name.group(1) in used
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)     # their bodies' calls run later, if at all
    calls = [i for i, t in enumerate(trees) if not any(isinstance(n, defs) for n in t.body)
             and any(isinstance(n, ast.Call) for n in ast.walk(t))]
    return bool(calls) and all(unreached(outputs.get(f"{probe_id}:{i}", "")) for i in calls)


# ------------------------------------------------------------------ clusters
def _preview(outputs: dict[str, str], limit: int = 600) -> str:
    text = "\n".join(f"{k}: {v}" for k, v in sorted(outputs.items()) if k and v)
    return text[:limit]


def cluster(candidates: list[Candidate], runs: dict[str, ProbeRun], originals: list[ProbeRun],
            issue_ok: dict[str, bool]) -> Behaviour:
    """Clusters of identical behaviour. `runs`: candidate id -> its probe run (missing: not observed);
    `originals`: the original code run more than once (what differs between them is ignored);
    `issue_ok`: candidate id -> passes the issue's own checks (True when there are none)."""
    base = [o.outputs for o in originals if o.status == "ok"]
    ignore = unstable_keys(base)
    original = signature(base[0], ignore) if base else None
    sigs = {c.id: signature(runs[c.id].outputs, ignore) if c.id in runs and runs[c.id].status == "ok" else None
            for c in candidates}
    groups: dict[str, list[Candidate]] = {}
    for c in candidates:
        if sigs[c.id] is not None:
            groups.setdefault(sigs[c.id], []).append(c)
    clusters = [BehaviourCluster(signature=s, candidates=[c.id for c in members],
                                 support=len({i for c in members for i in c.samples}),
                                 changed=s != original, issue_ok=any(issue_ok.get(c.id, True) for c in members),
                                 preview=_preview(runs[members[0].id].outputs))
                for s, members in groups.items()]
    clusters.sort(key=lambda k: (-k.support, -len(k.candidates), k.signature))
    # Probes that no candidate's behaviour differs on did not reach the changed code: they say nothing.
    informative = original is not None and any(k.changed for k in clusters)
    unchanged = sorted(c for k in clusters if not k.changed for c in k.candidates) if informative else []
    best = next((k.signature for k in clusters if k.changed and k.issue_ok), None) if informative else None
    return Behaviour(original=original, signatures=sigs, clusters=clusters, unchanged=unchanged, best=best,
                     informative=informative, ignored=sorted(ignore))
