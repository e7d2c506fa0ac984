"""Hand-written unified diffs: a new file, a one-line change, and the right fix of the calc repository."""
from __future__ import annotations


def new_file(path: str, *lines: str) -> str:
    body = "".join(f"+{ln}\n" for ln in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n{body}")


def change(path: str, old: str, new: str, context: str = "") -> str:
    ctx = f" {context}\n" if context else ""
    n = 2 if context else 1
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1,{n} +1,{n} @@\n{ctx}-{old}\n+{new}\n"


FIX = change("calc/ops.py", "    return a - b", "    return a + b")
