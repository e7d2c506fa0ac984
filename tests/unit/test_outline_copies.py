"""Function-format replies that copy an outline ("..." for the bodies left out): the definitions the model
wrote out land, the elided ones are placeholders and never replace real code (agent/splice.py
fill_elisions, agent/ast_splice.py is_placeholder)."""
import ast

import pytest

from agent.parsing import IdenticalError
from agent.splice import fill_elisions, parse_function_rewrite, splice_function

STORE = '''import math


class OutOfStock(ValueError):
    pass


class Store:
    """Stock per SKU."""

    def add(self, sku: str, qty: int) -> None:
        self.items[sku] = self.items.get(sku, 0) + qty

    def report(self, limit: int = 10,
               sort: bool = True) -> list[str]:
        return [s for s in self.items
                if self.items[s] < limit]

    def total(self) -> int:
        """All units."""
        return sum(self.items.values())
'''


def reply(body: str) -> str:
    return "stock/store.py\n```python\n" + body + "\n```"


def test_an_outline_copy_with_one_definition_written_out_lands_that_definition_only():
    # as the 1.5B model sends it: "..." at column 0 under every header, a multi-line header, and the
    # last header without a body (the block ends there)
    body = ('class OutOfStock(ValueError):\n...\nclass Store:\n...\n    def add(self, sku: str, qty: int) -> None:\n...\n'
            '    def report(self, limit: int = 10,\n               sort: bool = True) -> list[str]:\n'
            '        return [s for s in self.items\n                if self.items[s] <= limit]\n...\n'
            '    def total(self) -> int:')
    [edit] = parse_function_rewrite(reply(body))
    ast.parse(edit.source)
    new, rule = splice_function(STORE, edit.source, edit.path)
    assert rule == "function:Store.report"
    assert new == STORE.replace("self.items[s] < limit", "self.items[s] <= limit")


def test_placeholders_alone_change_nothing_and_real_ellipsis_bodies_are_kept():
    body = 'class Store:\n    def add(self, sku: str, qty: int) -> None:\n        ...\n    def total(self) -> int:\n        """All units."""\n        ...'
    [edit] = parse_function_rewrite(reply(body))
    with pytest.raises(IdenticalError):
        splice_function(STORE, edit.source, edit.path)
    # Source that parses as sent is never rewritten: a Protocol's `...` bodies stay what they are.
    proto = "class P(Protocol):\n    def f(self) -> int:\n        ...\n"
    assert fill_elisions(proto) == proto
    # A "..." that follows a statement (not a header) is dropped, not made part of the body above it.
    assert fill_elisions("def f():\n    return 1\n...\ndef g():\n...") == "def f():\n    return 1\ndef g():\n    ..."
