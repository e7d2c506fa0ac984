"""A whole-file answer that drops parts of the original lands as its definitions (agent/whole_merge.py)."""
from __future__ import annotations

import pytest

from agent.parsing import UnchangedError
from agent.stages.patch_edits import land_changes, parser_for
from agent.examples import source_dir
from agent.whole_merge import merge_whole_file

ORIGINAL = '''"""URL slugs from titles."""
from __future__ import annotations

import re


def slugify(text: str, sep: str = "-") -> str:
    """Accented letters keep their base letter."""
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", sep, text)
    return text.strip(sep).lower()


def unique_slug(text: str, taken: set[str]) -> str:
    base = slugify(text) or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
'''

# What the 1.5B model sent for slugify in the dev set: header replaced by the issue's import line, the fix
# made with a new import, and unique_slug left out.
TRUNCATED = '''from slugs import slugify
import re
import unicodedata


def slugify(text: str, sep: str = "-") -> str:
    """Accented letters keep their base letter."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", sep, text)
    return text.strip(sep).lower()
'''


def test_an_answer_that_keeps_everything_lands_as_sent_comments_and_all():
    answer = ORIGINAL.replace('    base = slugify(text) or "item"', '    base = slugify(text) or "item"  # fallback')
    assert merge_whole_file(ORIGINAL, answer, "slugs/slugify.py") == (answer, "whole_file")


def test_what_the_answer_left_out_stays_and_its_fix_and_new_import_land():
    new, rule = merge_whole_file(ORIGINAL, TRUNCATED, "slugs/slugify.py")
    assert rule == "whole_file:merged"
    assert 'unicodedata.normalize("NFKD", text)' in new
    assert "import unicodedata" in new
    assert "def unique_slug(text: str, taken: set[str]) -> str:" in new
    assert new.startswith('"""URL slugs from titles."""\nfrom __future__ import annotations\n')
    assert "from slugs import slugify" not in new          # the pasted self-import would be circular
    compile(new, "slugify.py", "exec")


def test_a_pasted_self_import_alone_is_left_out():
    answer = "from slugs.slugify import slugify, unique_slug\n" + ORIGINAL.replace("+ 1", "+ 2")
    new, rule = merge_whole_file(ORIGINAL, answer, "slugs/slugify.py")
    assert new == ORIGINAL.replace("+ 1", "+ 2") and rule == "whole_file:merged"


def test_an_answer_that_only_leaves_things_out_changes_nothing():
    answer = ORIGINAL[:ORIGINAL.index("def unique_slug")]
    assert merge_whole_file(ORIGINAL, answer, "slugs/slugify.py") == (ORIGINAL, "whole_file:merged")


def test_a_module_level_change_that_cannot_be_placed_lands_as_sent():
    original = ORIGINAL + "\nif re:\n    DEFAULT = 1\n"
    answer = original.replace("if re:", "if not re:").replace(ORIGINAL[ORIGINAL.index("def unique_slug"):], "")
    assert merge_whole_file(original, answer, "slugs/slugify.py") == (answer, "whole_file")


def test_unparsable_text_lands_as_sent_for_the_compile_check_to_refuse():
    assert merge_whole_file(ORIGINAL, "def broken(:\n", "x.py") == ("def broken(:\n", "whole_file")


def test_the_patch_stage_lands_the_merge_and_a_left_out_only_answer_is_a_no_op(tmp_path):
    from sandbox.local_sandbox import LocalSandbox
    import subprocess
    repo = tmp_path / "repo"
    (repo / "slugs").mkdir(parents=True)
    (repo / "slugs" / "__init__.py").write_text("from .slugify import slugify, unique_slug\n")
    (repo / "slugs" / "slugify.py").write_text(ORIGINAL)
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    known = {"slugs/__init__.py", "slugs/slugify.py"}
    reply = f"```python\n{TRUNCATED}```\n"
    with LocalSandbox(repo) as sb:
        diff, _, rules = land_changes(parser_for("whole_file", "slugs/slugify.py", len(ORIGINAL))(reply), sb, known)
    assert rules == ["whole_file:merged"]
    assert "-def unique_slug" not in diff and "+import unicodedata" in diff and "-from __future__" not in diff
    with LocalSandbox(repo) as sb:
        diff, _, _ = land_changes(parser_for("whole_file", "slugs/slugify.py", len(ORIGINAL), merge=False)(reply),
                                  sb, known)
    assert "-def unique_slug" in diff                       # the baseline lands the answer as sent
    only_left_out = "```python\n" + ORIGINAL[:ORIGINAL.index("def unique_slug")] + "```\n"
    with LocalSandbox(repo) as sb, pytest.raises(UnchangedError):
        land_changes(parser_for("whole_file", "slugs/slugify.py", len(ORIGINAL))(only_left_out), sb, known)


CART = (source_dir("cart") / "repo" / "shop" / "cart.py").read_text()     # the dev-set example's module

# What the 1.5B model sent for cart in train 8943466 (sample 7, shortened): the issue's example pasted above the
# class it calls (a NameError on import), the docstring, imports, LineItem and two methods left out. It landed as sent.
CART_ANSWER = '''from shop import Cart

a = Cart("ann")
b = Cart("bob")
print(b.total())  # 3.5, expected 0

# Fix: ensure the cart's items are properly initialized
class Cart:
    def __init__(self, customer: str, items=None):
        self.customer = customer
        self.items = items if items is not None else []

    def total(self) -> float:
        return round(sum(i.price * i.qty for i in self.items), 2)
'''


def test_the_issue_example_pasted_above_the_class_is_cut_and_what_was_left_out_stays():
    new, rule = merge_whole_file(CART, CART_ANSWER, "shop/cart.py")
    assert rule == "whole_file:merged"
    assert new == CART.replace("items=[]", "items=None").replace(
        "self.items = items\n", "self.items = items if items is not None else []\n")


def test_demo_code_after_a_complete_answer_is_cut():
    fixed = ORIGINAL.replace("+ 1", "+ 2")
    answer = fixed + ('\n\n@pytest.mark.slow\ndef test_slug():\n    assert slugify("A b") == "a-b"\n\n\ntest_slug()\n'
                      'EXAMPLE = "Hello World"\nprint(slugify(EXAMPLE))\nassert unique_slug("a", set()) == "a"\n'
                      'for t in ["x"]:\n    print(t)\n__all__ = ["slugify"]\n\nif __name__ == "__main__":\n    print(1)\n')
    new, rule = merge_whole_file(ORIGINAL, answer, "slugs/slugify.py")
    assert rule == "whole_file:demo-cut"
    assert new.rstrip("\n") == fixed.rstrip("\n")


def test_code_the_fix_needs_and_changed_module_statements_are_not_demo_code():
    original = ORIGINAL + "\n\nregister(slugify)\n"
    answer = original.replace("register(slugify)", 'register(slugify, name="slug")').replace(
        'base = slugify(text) or "item"', "base = slugify(text) or FALLBACK") + '\nFALLBACK = "item"\n'
    answer = answer.replace("import re\n", "import atexit\nimport re\n") + "atexit.register(print)\n" + \
        "\n\ndef _setup():\n    pass\n\n\n_setup()\n"
    new, rule = merge_whole_file(original, answer, "slugs/slugify.py")
    assert (new, rule) == (answer, "whole_file")   # a new constant a function reads, a changed call, a library set up
    tests = "def test_old():\n    assert True\n"
    answer = tests + "\n\ndef test_new():\n    assert 1\n"
    assert merge_whole_file(tests, answer, "tests/test_slug.py") == (answer, "whole_file")


def test_an_answer_that_is_the_original_plus_demo_code_is_a_no_op(tmp_path):
    from sandbox.local_sandbox import LocalSandbox
    import subprocess
    repo = tmp_path / "repo"
    (repo / "slugs").mkdir(parents=True)
    (repo / "slugs" / "slugify.py").write_text(ORIGINAL)
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    reply = "```python\n" + ORIGINAL + '\nprint(slugify("Hello World"))\n```\n'
    with LocalSandbox(repo) as sb, pytest.raises(UnchangedError, match="only adds code that runs an example"):
        land_changes(parser_for("whole_file", "slugs/slugify.py", len(ORIGINAL))(reply), sb, {"slugs/slugify.py"})
    dropped_too = "```python\n" + ORIGINAL[:ORIGINAL.index("def unique_slug")] + 'print(slugify("A"))\n```\n'
    with LocalSandbox(repo) as sb, pytest.raises(UnchangedError, match="only adds code that runs an example"):
        land_changes(parser_for("whole_file", "slugs/slugify.py", len(ORIGINAL))(dropped_too), sb, {"slugs/slugify.py"})
