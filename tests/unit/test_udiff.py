"""Unified diffs in a reply (agent/udiff.py) and their landing through any edit format: the embedded
model answered 13 patch turns of the test-split runs with a `git diff` in a ```python block."""
import pytest

from agent.editing import apply_search_replace
from agent.parsing import FormatError
from agent.stages.patch_edits import parser_for
from agent.udiff import parse_unified_diff

STATS = '''class MovingStats:
    def add(self, value):
        self._buf.append(float(value))

    def mean(self, last=None):
        values = self._buf.to_list() if last is None else self._buf.latest(last)
        return sum(values) / len(values) if values else None

    def minimum(self):
        return min(self._buf.to_list(), default=None)
'''

REPLY = '''telemetry/buffers.py
```python
diff --git a/telemetry/buffers.py b/telemetry/buffers.py
index 5bf98b5..5b44319 100644
--- a/telemetry/buffers.py
+++ b/telemetry/buffers.py
@@ -80,7 +80,10 @@ class MovingStats:
         self._buf.append(float(value))

     def mean(self, last=None):
-        values = self._buf.to_list() if last is None else self._buf.latest(last)
+        if last is None or last <= 0:
+            values = self._buf.to_list()
+        else:
+            values = self._buf.latest(last)
         return sum(values) / len(values) if values else None
```
'''


def test_a_hunk_is_a_search_replace_edit_whatever_its_line_numbers():
    [(e, creates)] = parse_unified_diff(REPLY)
    assert not creates and e.path == "telemetry/buffers.py"
    assert e.search.split("\n")[0] == "        self._buf.append(float(value))"
    assert "-" not in e.replace.split("\n")[3][:9] and "last <= 0" in e.replace
    new, rule = apply_search_replace(STATS, e)
    assert rule in ("exact", "whitespace") and "last <= 0" in new and "minimum" in new


def test_files_hunks_new_files_and_no_newline_markers():
    text = ("--- a/pkg/a.py\n+++ b/pkg/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n"
            "@@ -9 +9 @@\n-z = 0\n+z = 1\n\\ No newline at end of file\n"
            "--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+NEW = True\n")
    edits = parse_unified_diff(text)
    assert [(e.path, e.search, e.replace, new) for e, new in edits] == [
        ("pkg/a.py", "x = 1\ny = 2", "x = 1\ny = 3", False), ("pkg/a.py", "z = 0", "z = 1", False),
        ("pkg/new.py", "", "NEW = True", True)]
    # an empty old side of an existing file adds lines to it; it never creates the file
    [(e, new)] = parse_unified_diff("--- a/u.py\n+++ b/u.py\n@@ -1,0 +1,1 @@\n+import re\n")
    assert e.search == "" and not new


def test_bare_diffs_prose_crlf_and_header_lookalikes():
    bare = "Here is the fix:\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\nThis sets x to 2.\n"
    assert [(e.search, e.replace) for e, _ in parse_unified_diff(bare)] == [("x = 1", "x = 2")]
    assert [(e.search, e.replace) for e, _ in parse_unified_diff(bare.replace("\n", "\r\n"))] == [("x = 1", "x = 2")]
    # removed "-- x" and added "++ y" lines inside a hunk are not a file header
    inner = "```diff\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n keep\n```"
    [(e, _)] = parse_unified_diff(inner)
    assert (e.path, e.search, e.replace) == ("m.py", "-- x\nkeep", "++ y\nkeep")


@pytest.mark.parametrize("text", [
    "```python\ndef f():\n-    return 1\n+    return 2\n```",                       # no hunk header
    "```python\nimport os\n\ndef f():\n    pass\n@@ -1 +1 @@\n-a\n+b\n```",         # code before the first @@
    "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n same\n",                               # a hunk that changes nothing
    "plain prose, no diff at all",
])
def test_what_is_not_a_usable_diff_gives_no_edits(text):
    assert parse_unified_diff(text) == []


def test_every_format_lands_a_diff_reply_and_names_the_rule():
    for fmt in ("function", "search_replace", "whole_file"):
        [ch] = parser_for(fmt, "telemetry/buffers.py", len(STATS))(REPLY)
        new, rule = ch.land(STATS)
        assert rule.startswith("udiff:") and "last <= 0" in new and not ch.creates
    elsewhere = ("```diff\n--- a/telemetry/buffers.py\n+++ b/telemetry/buffers.py\n@@ -1,3 +1,3 @@\n"
                 " def unrelated(self, items):\n-    return sorted(items, key=str.lower)\n"
                 "+    return sorted(items)\n     # nothing like this is in the file\n```")
    [ch] = parser_for("function", "telemetry/buffers.py", len(STATS))(elsewhere)
    with pytest.raises(FormatError):         # a hunk whose lines are not in the file is refused as usual
        ch.land(STATS)
