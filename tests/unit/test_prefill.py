"""Assistant prefill of whole-file answers (agent/prefill.py): where the prefix ends, and how a reply joins it."""
from __future__ import annotations

from agent.prefill import FENCE, answer_prefix, joined

MODULE = '''"""Doc."""
import os

LIMIT = 3


@cache
@other(1)
def helper(x):
    return x


class Box:
    size = 1

    def grow(self):
        return self.size + 1

    @property
    def area(self):
        return self.size ** 2
'''


def lines_before(text: str) -> int:
    return (text[len(FENCE):]).count("\n")


def test_none_and_no_text_give_nothing():
    assert answer_prefix("none", MODULE, ["helper"]) == ""
    assert answer_prefix("focus", "", ["helper"]) == ""


def test_the_fence_and_the_first_line():
    assert answer_prefix("fence", MODULE, []) == FENCE
    assert answer_prefix("line", MODULE, ["Box.grow"]) == FENCE + '"""Doc."""\n'


def test_focus_stops_before_the_named_function_and_its_decorators():
    prefix = answer_prefix("focus", MODULE, ["helper"])
    assert prefix.endswith("LIMIT = 3\n\n\n") and "@cache" not in prefix
    assert MODULE.startswith(prefix[len(FENCE):])


def test_focus_on_a_method_keeps_the_class_header_and_the_earlier_methods():
    prefix = answer_prefix("focus", MODULE, ["Box.area"])
    assert prefix.endswith("        return self.size + 1\n\n") and "@property" not in prefix
    assert answer_prefix("focus", MODULE, ["Box.area", "Box.grow"]).endswith("    size = 1\n\n")  # the earliest
    assert answer_prefix("focus", MODULE, ["Box"]).endswith("    return x\n\n\n")   # a located class


def test_focus_without_a_known_name_stops_at_the_first_definition():
    assert answer_prefix("focus", MODULE, ["missing", "os.path"]) == answer_prefix("focus", MODULE, ["helper"])
    assert answer_prefix("focus", MODULE, []) == answer_prefix("focus", MODULE, ["helper"])


def test_focus_on_a_module_that_does_not_parse_or_has_no_definition_keeps_the_first_line():
    assert answer_prefix("focus", "def broken(:\n    pass\n", ["broken"]) == FENCE + "def broken(:\n"
    assert answer_prefix("focus", "X = 1\nY = 2\n", []) == FENCE + "X = 1\n"
    assert lines_before(answer_prefix("focus", "def f():\n    pass\n", ["f"])) == 0   # the fence alone


def test_a_reply_joins_its_prefix_once():
    prefix = FENCE + "import os\n"
    assert joined(prefix, "X = 1\n```") == prefix + "X = 1\n```"          # a continuation
    assert joined(prefix, prefix + "X = 1\n```") == prefix + "X = 1\n```"  # a server that repeats the prefix
    assert joined(prefix, "```python\nimport sys\n```") == "```python\nimport sys\n```"  # a provider ignored it
    assert joined("", "anything") == "anything"
