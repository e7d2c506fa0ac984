"""Executable expectations taken from the issue's own text: no model, no I/O.

A weak model invents expected values in its tests; the numbers an issue states are not invented.
Three shapes are read: interactive sessions (`>>> call` + shown output, corrected by "I expected X"
prose), code that shows a traceback (the exception must disappear), and prose or comments of the
form "`f(x)` returns A but should return B" / `print(f(x))  # A, expected B`. When a value cannot be
tied to exactly one call, no check is made: a wrong check vetoes a right patch.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from typing import Literal

from agent.issue_claims import approximate, close, prose_claims
from agent.issue_literals import INVALID, family, parse_value, same_value
from agent.issue_fragments import fragment_claims, output_call
from agent.issue_names import bind_from_issue, prose_setup, safe_code
from agent.issue_prose import (ordinal_pick, prose_exception, prose_raise_claims, prose_values, says_unchanged,
                                states)
from agent.issue_outputs import introduces_output, output_blocks, with_output
from agent.issue_code import parse_script, parse_session
from agent.issue_text import Block, Observation, block_statements, split_blocks, unprint
from agent.issue_traceback import prose_bindings, prose_call_error, runs_code, said_error, traceback_observation

Kind = Literal["equals", "not_raises", "raises_not", "contains"]


@dataclass(frozen=True)
class IssueCheck:
    setup: tuple[str, ...]          # statements run before the call (imports, assignments)
    call: str                       # the expression under test
    kind: Kind                      # equals: call == expected; not_raises: `raised` must disappear;
    #                                 raises_not: raises `expected_exception`, not `raised`;
    #                                 contains: str(call) holds every string of `expected` (agent/issue_fragments.py)
    expected: str | None = None     # repr of a validated literal (equals), of a tuple of str (contains)
    observed: str | None = None     # what the issue shows (the wrong value or the exception line)
    raised: str | None = None       # exception type name the issue shows
    expected_exception: str | None = None
    lines: tuple[int, ...] = ()     # 1-based lines of the issue text it came from
    source: str = "session"         # session | script | prose | prose_call | traceback_call
    where: tuple[str, str] | None = None   # (innermost function, message regex) the raised error must match
    own_modules_only: bool = False  # error shown as a lone line: only unmistakable unimported names (with_imports)
    tolerance: float | None = None  # equals within this much: a number stated as "about 343.6" (issue_claims.approximate)


@dataclass(frozen=True)
class ProseExpectation:
    """Values the prose states that no shown call could be tied to (the hook for a model-filled call)."""
    text: str
    values: tuple[str, ...]
    lines: tuple[int, ...] = field(default=())


def _value_src(atom: str, observed) -> str | None:
    """repr of the value an atom states; a bare word in backticks is a string when the shown value is one."""
    inner = atom[1:-1] if atom.startswith("`") else atom
    value = parse_value(inner, like=observed)
    if value is INVALID and atom.startswith("`") and isinstance(observed, str) and "`" not in inner:
        value = inner
    return None if value is INVALID else repr(value)


# ------------------------------------------------------------------ tying values to calls
def _fits(obs: Observation, atom: str) -> bool:
    src = _value_src(atom, obs.value)
    if obs.raised or obs.value is INVALID or src is None:
        return True                       # unknown: fits anything (makes ties ambiguous, never wrong)
    value = parse_value(src)
    return family(value) in ("?", family(obs.value)) and not same_value(value, obs.value)


def assign(observations: list[Observation], atoms: list[str]) -> dict[int, str]:
    """Observation index -> stated value. Equal counts pair in order; otherwise only when exactly
    one order-preserving assignment fits the shown values' types; else nothing (no guessing)."""
    n, m = len(observations), len(atoms)
    if m == 0 or m > n:
        return {}
    if m == n:
        return dict(enumerate(atoms))
    # ways[i][j]: assignments of atoms[j:] into observations[i:]; capped at 2 (we only need "unique").
    ways = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        ways[i][m] = 1
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = ways[i + 1][j + 1] if _fits(observations[i], atoms[j]) else 0
            ways[i][j] = min(2, take + ways[i + 1][j])
    if ways[0][0] != 1:
        return {}
    out, j = {}, 0
    for i in range(n):
        if j < m and _fits(observations[i], atoms[j]) and ways[i + 1][j + 1] == 1:
            out[i] = atoms[j]
            j += 1
    return out


# ------------------------------------------------------------------ checks
def _make(obs: Observation, expected: str | None, exp_exc: str | None, lines: tuple[int, ...],
          source: str) -> IssueCheck | None:
    if expected is not None:
        kind: Kind = "equals"
    elif exp_exc and exp_exc != obs.raised:      # also a call that returned: "it should raise `E`"
        kind = "raises_not"
    elif obs.raised and exp_exc != obs.raised:
        kind = "not_raises"
    else:
        return None
    if not all(safe_code(s) for s in obs.setup + (obs.call,)):
        return None
    return IssueCheck(setup=obs.setup, call=obs.call, kind=kind, expected=expected, observed=obs.observed,
                      raised=obs.raised, expected_exception=exp_exc if kind == "raises_not" else None,
                      lines=tuple(sorted(set(obs.lines + lines))), source=source)


def _prose_lines(block: Block | None) -> tuple[int, ...]:
    return tuple(block.lines) if block else ()


def _unchanged_value(obs: Observation) -> str | None:
    """The literal first argument of a one-argument call (as a prose atom), else None."""
    try:
        call = ast.parse(obs.call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call) or len(call.args) != 1 or call.keywords:
        return None
    try:
        value = ast.literal_eval(call.args[0])
    except ValueError:
        return None
    return f"`{value!r}`"


def _block_checks(obs: list[Observation], prose: Block | None, source: str) -> tuple[list[IssueCheck], set[int]]:
    text = prose.text if prose else ""
    atoms = prose_values(text)
    exp_exc = prose_exception(text)
    open_obs = [o for o in obs if o.expected is None]
    if not atoms and len(open_obs) == 1 and says_unchanged(text):
        atoms = [a for a in [_unchanged_value(open_obs[0])] if a]
    tied = assign(open_obs, atoms)
    if not tied and len(atoms) == 1 and (k := ordinal_pick(text, len(open_obs))) is not None:
        tied = {k: atoms[0]} if _fits(open_obs[k], atoms[0]) else {}    # "the first one should be B"
    used = set(tied.values())
    checks = []
    for o in obs:
        if o.expected is not None:
            src = _value_src(o.expected, o.value)
            check = _make(o, src, None, (), source) if src else _make(o, None, exp_exc, (), source)
        else:
            i = open_obs.index(o)
            src = _value_src(tied[i], o.value) if i in tied else None
            lines = _prose_lines(prose) if (src or exp_exc) else ()
            check = _make(o, src, exp_exc, lines, source)
        if check:
            checks.append(check)
    unused = {k for k, a in enumerate(atoms) if a not in used}
    return checks, unused


def _prose_calls(text: str, offset: int, imports: tuple[str, ...], statements: list[list[str]]) -> list[IssueCheck]:
    out = []
    claims = [(call, obs and approximate(obs)[0], *approximate(exp), None, line)
              for call, obs, exp, line in prose_claims(text)]
    claims += [(call, None, None, None, exc, line) for call, exc, line in prose_raise_claims(text)]
    for call, observed, expected, tol, exc, line in sorted(claims, key=lambda c: c[-1]):
        src = None
        if expected is not None:
            shown = parse_value(observed.strip("`")) if observed is not None else INVALID
            src = _value_src(expected, shown)
            if src is None or same_value(parse_value(src), shown) or close(parse_value(src), shown, tol):
                continue       # the issue's own shown value meets its expectation: states no bug
        setup = prose_setup(call, imports, statements)
        if all(safe_code(s) for s in setup + (call,)):
            out.append(IssueCheck(setup=setup, call=call, kind="equals" if src else "not_raises", expected=src, observed=
                                  observed or exc, raised=exc, lines=(offset + line,), source="prose", tolerance=tol))
    return out


def _walk(issue_text: str):
    """(checks, leftover prose expectations) over the whole issue."""
    blocks = split_blocks(issue_text)
    checks: list[IssueCheck] = []
    leftovers: list[ProseExpectation] = []
    imports = tuple(s for b in blocks if b.kind == "code" for s in b.imports())
    statements = [block_statements(b) for b in blocks if b.kind == "code"]
    returned: set[tuple[str, tuple[str, ...]]] = set()       # (call, setup) the issue shows returning a value
    for k, block in enumerate(blocks):
        if block.kind == "prose":
            continue
        after = blocks[k + 1] if k + 1 < len(blocks) and blocks[k + 1].kind == "prose" else None
        before = blocks[k - 1] if k > 0 and blocks[k - 1].kind == "prose" else None
        shown = error = None
        if block.is_traceback() or block.is_error_line():
            # One shown with the script that raised it belongs to that script (parse_script below).
            if any(runs_code(b) for b in blocks[max(0, k - 2):k]):
                continue
            found = traceback_observation(block, prose_bindings(issue_text)) or prose_call_error(block, before)
            obs, source = ([found] if found else []), "traceback"
        elif block.is_session():
            obs, source = parse_session(block), "session"
        else:
            # A traceback (or a lone exception line) in the next code block, prose between or not, belongs to this script.
            nxt = next((b for b in blocks[k + 1:k + 3] if b.kind == "code"), None)
            shown = nxt if nxt and (nxt.is_traceback() or nxt.is_error_line()) else None
            error = shown or said_error(after)      # or "… raises `E: msg`" said of the script just shown
            obs, source = parse_script(block, error), "script"
            # "I expected ..." may follow the error shown, or the output an "Output:" line introduces.
            past = shown or (nxt if nxt and introduces_output(after) else None)
            j = blocks.index(past) + 1 if past else len(blocks)
            if (not after or not states(after.text)) and j < len(blocks) and blocks[j].kind == "prose":
                after = blocks[j]
        if not obs:
            continue
        obs = [replace(o, setup=bind_from_issue(o.call, o.setup, imports)) for o in obs]
        returned |= {(o.call, o.setup) for o in obs if o.observed is not None and not o.raised}
        if len(obs) == 1 and obs[0].observed is None and obs[0].expected is None and not obs[0].raised:
            obs = [with_output(obs[0], *output_blocks(blocks, k))]
        prose = after if after and states(after.text) else before
        found, unused = _block_checks(obs, prose, source)
        if source == "script" and error is not None and error.is_error_line():
            found = [replace(c, own_modules_only=True) if c.raised else c for c in found]
        checks += found + _fragment_checks(obs, found, after or before, source)
        if unused and prose:
            atoms = prose_values(prose.text)
            leftovers.append(ProseExpectation(prose.text.strip(), tuple(atoms[i] for i in sorted(unused)),
                                              tuple(prose.lines)))
    for block in blocks:
        if block.kind == "prose":
            checks += _prose_calls(block.text, block.lines[0] - 1 if block.lines else 0, imports, statements)
    # An error the issue shows after one setup while the same call returns after another may be intended
    # (sklearn-10908: no vocabulary -> NotFittedError, as it should); the same setup both ways is a before/after.
    intended = [c for c in checks if c.kind == "not_raises" and any(r == c.call and u != c.setup for r, u in returned)]
    return _dedup([c for c in checks if c not in intended]), leftovers


def _fragment_checks(obs: list[Observation], found: list[IssueCheck], prose: Block | None,
                     source: str) -> list[IssueCheck]:
    """Calls no value check covers whose output the prose says should contain quoted pieces."""
    if prose is None or len(found) >= len(obs):
        return []
    code = "\n".join(dict.fromkeys(s for o in obs for s in o.setup + (o.call,)))   # statements, not comments
    claims = fragment_claims([o.call for o in obs], [o.observed for o in obs], code, prose.text)
    covered = {c.call for c in found}
    return [IssueCheck(setup=o.setup, call=f"str({output_call(o.call)})", kind="contains", expected=repr(claims[i]),
                       observed=o.observed, lines=tuple(sorted(set(o.lines + tuple(prose.lines)))), source=source)
            for i, o in enumerate(obs) if i in claims and o.call not in covered and not o.raised
            and (o.value is INVALID or isinstance(o.value, str)) and all(safe_code(s) for s in o.setup + (o.call,))]


def _dedup(checks: list[IssueCheck]) -> list[IssueCheck]:
    first: dict[tuple, IssueCheck] = {}
    for c in checks:
        first.setdefault((c.setup, c.call, c.kind, c.expected, c.expected_exception), c)
    return list(first.values())


def extract_checks(issue_text: str) -> list[IssueCheck]:
    """Every check the issue's own text supports; [] when it states nothing executable."""
    return _walk(issue_text or "")[0]


def checks_needing_call(issue_text: str) -> list[ProseExpectation]:
    """Stated values that no shown call could be tied to: a model may supply only the call."""
    return _walk(issue_text or "")[1]


def value_src(atom: str) -> str:
    """The repr of a value the issue states (a ProseExpectation atom); ValueError if it is none."""
    src = _value_src(atom, None)
    if src is None:
        raise ValueError(f"not a literal value: {atom!r}")
    return src


def check_from_code(code: str, expected: str | None, lines: tuple[int, ...] = (), error=None) -> IssueCheck:
    """A check from a model-written call (setup statements, then ONE expression as the last line) and
    the value the issue states: the model supplies the call only, never the expected value. With `error`
    (a ShownError of agent/issue_traceback.py) the issue states no value: the error it shows must disappear."""
    try:
        module = ast.parse(code)
    except SyntaxError as err:
        raise ValueError(f"the code does not parse (line {err.lineno}: {err.msg})") from None
    last = module.body[-1] if module.body else None
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        last = ast.Expr(last.value)          # `result = f(x)`: the value is the call's
    if not isinstance(last, ast.Expr):
        raise ValueError("the last line is not an expression")
    setup = tuple(ast.unparse(s) for s in module.body[:-1])
    call = ast.unparse(unprint(last.value)[0])
    if not all(safe_code(s) for s in setup + (call,)):
        raise ValueError("the code does more than compute a value")
    if error is not None:
        return IssueCheck(setup=setup, call=call, kind="not_raises", observed=error.line, raised=error.raised,
                          lines=error.lines, source="traceback_call", where=(error.frame, error.pattern))
    return IssueCheck(setup=setup, call=call, kind="equals", expected=expected, lines=tuple(lines),
                      source="prose_call")
