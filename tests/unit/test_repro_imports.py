"""A model-written reproduction test's missing or misplaced import, repaired from its own failure (no model)."""
from __future__ import annotations

from agent.repro_imports import repair_imports
from agent.stdlib_imports import stdlib_import

DEFS = {"Item": ["stock.warehouse"], "Warehouse": ["stock.warehouse"], "full_name": ["addressbook.names"],
        "RoomCalendar": ["booking.calendar"], "merge": ["toolz.dicttoolz", "toolz.curried.exceptions"],
        "twice": ["a.one", "b.two"]}
MODULES = frozenset({"stock", "stock.warehouse", "addressbook", "addressbook.names", "booking", "booking.calendar"})

# What pytest printed for the 1.5B model's tests in the dev set (inventory, contacts, booking, isotime, bytesize).
NAME_ERROR = """F
=================================== FAILURES ===================================
test_swe_agent_repro_001.py:7: in test_reorder_report_missing_items
    warehouse.add_item(Item("TAP-02", "Packing tape", 36, reorder_point=35))
                       ^^^^
E   NameError: name '{}' is not defined
"""
IMPORT_ERROR = """==================================== ERRORS ====================================
test_swe_agent_repro_000.py:2: in <module>
    from {1} import Contact, {0}
E   ImportError: cannot import name '{0}' from '{1}' (/repo/{1}/__init__.py)
"""


def fix(content: str, output: str):
    return repair_imports(content, output, DEFS, MODULES, stdlib_import)


def test_a_repository_name_used_without_import_gets_it_from_its_one_module():
    test = "import pytest\nfrom stock.warehouse import Warehouse\n\n\ndef test_x():\n    Item('a')\n"
    new, done = fix(test, NAME_ERROR.format("Item"))
    assert new == ("import pytest\nfrom stock.warehouse import Warehouse\nfrom stock.warehouse import Item\n\n\n"
                   "def test_x():\n    Item('a')\n")
    assert done == "added `from stock.warehouse import Item`"


def test_standard_library_names_and_usual_aliases():
    test = "def test_x():\n    assert 1\n"
    assert fix(test, NAME_ERROR.format("pytest"))[0].startswith("import pytest\n")
    assert fix(test, NAME_ERROR.format("json"))[0].startswith("import json\n")
    assert fix(test, NAME_ERROR.format("dt"))[0].startswith("import datetime as dt\n")
    assert fix(test, NAME_ERROR.format("defaultdict"))[0].startswith("from collections import defaultdict\n")
    assert fix(test, NAME_ERROR.format("stock"))[0].startswith("import stock\n")


def test_a_name_imported_from_the_package_instead_of_its_module_is_moved():
    test = "import pytest\nfrom addressbook import Contact, full_name\n\n\ndef test_x():\n    full_name('a', None)\n"
    new, done = fix(test, IMPORT_ERROR.format("full_name", "addressbook"))
    assert new.split("\n")[:3] == ["import pytest", "from addressbook import Contact",
                                   "from addressbook.names import full_name"]
    assert done == "imported `full_name` from `addressbook.names`, not `addressbook`"
    # The standard library's `calendar` shadowing the repository's module of the same last name:
    stdlib = "from calendar import RoomCalendar\n"
    out = "E   ImportError: cannot import name 'RoomCalendar' from 'calendar' (/usr/lib/python3.11/calendar.py)\n"
    assert fix(stdlib, out)[0] == "from booking.calendar import RoomCalendar\n"


def test_nothing_is_guessed():
    test = "from stock import Queue\n\n\ndef test_x():\n    twice()\n"
    assert fix(test, NAME_ERROR.format("twice")) is None                # two modules at the same depth
    assert fix(test, NAME_ERROR.format("nowhere_defined")) is None
    assert fix(test, IMPORT_ERROR.format("Queue", "stock")) is None      # the name is defined nowhere
    assert fix("from stock.warehouse import Item\nItem\n", NAME_ERROR.format("Item")) is None   # already there
    assert fix("def broken(:\n", NAME_ERROR.format("Item")) is None
    assert fix(test, "E   AssertionError: assert 1 == 2\n") is None
    # of several modules, the one nearest the top when it is alone at its depth
    assert fix("merge({})\n", NAME_ERROR.format("merge"))[0].startswith("from toolz.dicttoolz import merge\n")
