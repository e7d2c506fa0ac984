"""agent/tidy.py: the original's comments and layout back on lines an answer did not really change."""
from __future__ import annotations

import ast

from agent.tidy import tidy

ORIGINAL = '''"""Stats."""


def median(values):
    # the middle value
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) // 2
'''


def test_comments_added_to_unchanged_lines_and_new_comment_lines_go_back():
    answer = ORIGINAL.replace("    mid = len(ordered) // 2\n", "    mid = len(ordered) // 2  # Corrected division\n") \
        .replace("    return (ordered[mid - 1] + ordered[mid]) // 2", "    # Fixed: true division\n"
                 "    return (ordered[mid - 1] + ordered[mid]) / 2  # mean of the middle two")
    assert tidy(ORIGINAL, answer) == ORIGINAL.replace("ordered[mid]) // 2\n", "ordered[mid]) / 2  # mean of the middle two\n")


def test_dropped_comments_blank_lines_and_respacing_come_back_real_changes_stay():
    answer = ORIGINAL.replace("    # the middle value\n", "").replace('"""Stats."""\n\n\n', '"""Stats."""\n') \
        .replace("ordered[mid - 1] + ordered[mid]) // 2", "ordered[mid-1]+ordered[mid])/2") \
        .replace("if len(ordered) % 2:", "if len(ordered)%2 == 1:")
    out = tidy(ORIGINAL, answer)
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(answer))
    assert "    # the middle value\n" in out and out.startswith('"""Stats."""\n\n\n')
    assert "if len(ordered)%2 == 1:" in out and "return (ordered[mid-1]+ordered[mid])/2" in out


def test_a_docstring_or_string_change_is_kept_and_broken_code_is_left_alone():
    answer = ORIGINAL.replace('"""Stats."""', '"""Statistics."""').replace("# the middle value", "# middle")
    assert tidy(ORIGINAL, answer) == ORIGINAL.replace('"""Stats."""', '"""Statistics."""')
    assert tidy(ORIGINAL, "def f(:\n") == "def f(:\n"
    assert tidy("def f(:\n", ORIGINAL) == ORIGINAL


def test_a_comment_reverted_inside_a_string_would_change_the_tree_so_it_stays():
    original = 's = """a\n# x\nb"""\n'
    answer = 's = """a\n# y\nb"""\n'
    assert tidy(original, answer) == answer


def test_a_large_rewrite_keeps_every_real_change_and_loses_the_comment_noise():
    """Hundreds of scattered real changes and one comment added: the comment goes, the changes stay (the
    pieces whose code is the same go back together; few parses however many lines changed)."""
    original = "\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(1500))
    answer = original.replace("return x + 7\n", "return x + 7  # note\n").replace("x + 1", "x - 1")
    out = tidy(original, answer)
    assert "# note" not in out and out.count("x - 1") == answer.count("x - 1") > 500
    assert ast.dump(ast.parse(out)) == ast.dump(ast.parse(answer))
