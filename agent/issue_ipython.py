"""IPython sessions read as doctest sessions (pure): `In [2]: f(1)` / `   ...: more` / `Out[2]: 4` become
`>>> f(1)` / `... more` / `4`, and IPython's traceback (a dashed rule, `ValueError   Traceback (most recent
call last)`, frames separated by blank lines, the exception line last) becomes one block that ends in the
exception line. One output line per input line, so the issue's line numbers still point at the text."""
from __future__ import annotations

import re

_IN = re.compile(r"^\s*In \[\d*\]:\s?(.*)$")
_CONT = re.compile(r"^\s*\.\.\.+:\s?(.*)$")
_OUT = re.compile(r"^\s*Out\[\d*\]:\s?(.*)$")
_RULE = re.compile(r"^\s*-{20,}\s*$")
_TB_HEAD = re.compile(r"^\s*[A-Za-z_][\w.]*\s+Traceback \(most recent call last\)")


def ipython_to_doctest(raw: list[str]) -> list[str]:
    if not any(_IN.match(ln) for ln in raw):
        return raw
    out: list[str] = []
    in_tb = False
    for ln in raw:
        if m := _IN.match(ln):
            in_tb = False
            out.append(">>> " + m.group(1))
        elif (m := _CONT.match(ln)) and out and out[-1].startswith((">>>", "...")):
            out.append("... " + m.group(1))
        elif m := _OUT.match(ln):
            out.append(m.group(1) or "Out:")     # `Out[8]:` alone: the repr follows on the next lines
        elif _RULE.match(ln):
            in_tb = True
            out.append("Traceback (most recent call last):")
        elif _TB_HEAD.match(ln):
            in_tb = True
            out.append("  (IPython traceback)" if out and out[-1].startswith("Traceback") else
                       "Traceback (most recent call last):")
        elif in_tb and not ln.strip():
            out.append("  |")              # a blank line would end the call's shown output
        else:
            out.append(ln)
    return out
