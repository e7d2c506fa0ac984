"""Which suspect function each patch sample is pointed at (agent/focus.py)."""
from textwrap import dedent

import pytest

from agent.focus import Target, callees, focus_of, focus_targets
from agent.schema import Location

CALENDAR = dedent('''
    import itertools


    def parse_time(text):
        return int(text[:2]) * 60 + int(text[3:])


    def _overlaps(a_start, a_end, b_start, b_end):
        return a_start <= b_end and b_start <= a_end


    class RoomCalendar:
        def _room_bookings(self, room):
            return sorted(b for b in self.bookings if b.room == room)

        def is_free(self, room, start, end):
            s, e = parse_time(start), parse_time(end)
            return not any(_overlaps(s, e, b.start, b.end) for b in self._room_bookings(room))

        def book(self, room, start, end):
            if not self.is_free(room, start, end):
                raise ValueError(room)
            return sorted([1, 2])
''')


def test_callees_resolve_module_functions_and_own_methods_in_call_order():
    assert callees(CALENDAR, "RoomCalendar.is_free") == ["parse_time", "_overlaps", "RoomCalendar._room_bookings"]
    assert callees(CALENDAR, "RoomCalendar.book") == ["RoomCalendar.is_free"]   # builtins are not suspects
    assert callees(CALENDAR, "nowhere") == [] and callees("def (:", "f") == []


def test_targets_put_each_located_functions_helpers_before_it():
    locs = [Location(file="rooms/cal.py", symbol="RoomCalendar.is_free"), Location(file="rooms/cal.py"),
            Location(file="rooms/cal.py", symbol="RoomCalendar"),            # a class adds nothing
            Location(file="rooms/cal.py", symbol="RoomCalendar.book"),
            Location(file="other.py", symbol="f")]                           # source not given
    targets = focus_targets(locs, {"rooms/cal.py": CALENDAR})
    assert [t.qualname for t in targets] == ["parse_time", "_overlaps", "RoomCalendar._room_bookings",
                                             "RoomCalendar.is_free", "RoomCalendar.book"]
    assert targets[1] == Target("rooms/cal.py", "_overlaps", called_by="RoomCalendar.is_free")
    assert targets[3].called_by == "" and targets[3].name == "is_free"
    assert len(focus_targets(locs, {"rooms/cal.py": CALENDAR}, limit=2)) == 2


def test_test_functions_are_never_suspects():
    """Localization ranks test functions that call the buggy code; a fix may not edit them."""
    test_src = "from rooms.cal import parse_time\n\n\ndef helper():\n    return 1\n\n\n" \
               "def test_parse():\n    assert parse_time('10:00') == helper() * 600\n"
    locs = [Location(file="tests/test_cal.py", symbol="test_parse"), Location(file="rooms/cal.py", symbol="parse_time"),
            Location(file="test_top.py", symbol="test_parse"), Location(file="rooms/conftest.py", symbol="helper")]
    sources = {"rooms/cal.py": CALENDAR, "tests/test_cal.py": test_src, "test_top.py": test_src,
               "rooms/conftest.py": test_src}
    assert focus_targets(locs, sources) == [Target("rooms/cal.py", "parse_time")]


def test_focus_modes_keep_sample_zero_free_and_cycle_the_suspects():
    ts = [Target("m.py", n) for n in ("a", "b", "c")]
    assert [focus_of(i, ts, "none") for i in range(3)] == [None] * 3
    assert [t and t.qualname for t in (focus_of(i, ts, "alternate") for i in range(8))] == \
        [None, "a", None, "b", None, "c", None, "a"]
    assert [t and t.qualname for t in (focus_of(i, ts, "rotate") for i in range(5))] == [None, "a", "b", "c", "a"]
    assert focus_of(1, [], "rotate") is None
    # A free sample is free whatever the suspects (the candidate bench shares these samples).
    from agent.focus import chooses_freely
    for mode in ("none", "alternate", "rotate"):
        assert [chooses_freely(i, mode) for i in range(6)] == [focus_of(i, ts, mode) is None for i in range(6)]


def test_no_function_feedback_names_one_to_rewrite():
    from agent.parsing import CutOffError, FormatError, NoFunctionError
    from agent.stages.patch import pointer
    from agent.stages.patch_edits import parser_for
    locs = [Location(file="m/cal.py"), Location(file="m/cal.py", symbol="RoomCalendar"),
            Location(file="m/cal.py", symbol="RoomCalendar.is_free")]
    errors = []
    for reply in ("I think the bug is in is_free.", "m/cal.py\n```python\nx = 1\n", "m/cal.py\n```python\nprint(1)\n```"):
        with pytest.raises(FormatError) as info:
            parser_for("function", "m/cal.py", 100)(reply)
        errors.append(type(info.value))
    assert errors == [NoFunctionError, CutOffError, NoFunctionError]  # no block / cut off / no definition
    no_function = NoFunctionError("none")
    assert pointer("function", no_function, None, [], locs) == \
        (" For example, answer with m/cal.py and the whole corrected `def is_free(...)`.", "RoomCalendar.is_free")
    overlaps = Target("m/cal.py", "_overlaps", called_by="RoomCalendar.is_free")
    assert pointer("function", no_function, overlaps, [], locs) == \
        (" Answer with m/cal.py and the whole corrected `def _overlaps(...)`.", "_overlaps")
    # A free sample (no focus of its own) is pointed at the first suspect, not the named function.
    assert "`def _overlaps(...)`" in pointer("function", no_function, None, [overlaps], locs)[0]
    assert pointer("search_replace", no_function, None, [overlaps], locs) == ("", "")
    assert pointer("function", FormatError("syntax error"), None, [overlaps], locs) == ("", "")
    assert pointer("function", no_function, None, [], locs[:2]) == ("", "")
    # patch.pointer off: only a reply with no function is pointed, at a located function, not a suspect.
    assert pointer("function", no_function, None, [overlaps], locs, full=False)[1] == "RoomCalendar.is_free"
    from agent.parsing import UnchangedError
    assert pointer("function", UnchangedError("same"), None, [overlaps], locs, full=False) == ("", "")


def test_a_copied_module_gets_feedback_that_names_a_suspect():
    """The 1.5B model, asked for one function of a 122-line module with no suspect named, copies the
    module unchanged (seen on the train split's function-format samples): the feedback must name a
    function to rewrite, or the next turn repeats the copy."""
    from agent.parsing import UnchangedError
    from agent.splice import splice_function
    from agent.stages.patch import pointer
    from agent.stages.patch_edits import parser_for
    module = ("def _overlaps(a, b, c, d):\n    return a <= d and c <= b\n\n\n"
              "class RoomCalendar:\n    def is_free(self, s, e):\n        return not _overlaps(s, e, 1, 2)\n")
    reply = "m/cal.py\n```python\n" + module + "```\n"
    (change,) = parser_for("function", "m/cal.py", len(module))(reply)
    with pytest.raises(UnchangedError) as info:
        change.land(module)
    targets = [Target("m/cal.py", "_overlaps", called_by="RoomCalendar.is_free"), Target("m/cal.py", "RoomCalendar.is_free")]
    text, name = pointer("function", info.value, None, targets, [])
    assert name == "_overlaps" and "`def _overlaps(...)`" in text
    # The whole-file format: an unchanged file is told where to look, in that format's words.
    text, name = pointer("whole_file", UnchangedError("Your edit does not change the code."), None, targets, [])
    assert name == "_overlaps" and text.startswith(" Look again at `def _overlaps` in m/cal.py")
    assert splice_function(module, "def _overlaps(a, b, c, d):\n    return a < d and c < b\n", "m/cal.py")[1] == \
        "function:_overlaps"


def test_an_unchanged_whole_file_can_be_asked_for_its_one_wrong_line():
    """patch.unchanged_ask "one_line": a whole file copied unchanged is asked for one SEARCH/REPLACE line of a
    suspect of the file it rewrote: the sample's own, else a located function there, else a helper there."""
    from agent.parsing import FormatError, UnchangedError
    from agent.stages.patch import pointer
    same = UnchangedError("Your edit does not change the code.")
    locs = [Location(file="m/cal.py", symbol="RoomCalendar.is_free"), Location(file="m/other.py", symbol="g")]
    targets = [Target("m/cal.py", "_overlaps", called_by="RoomCalendar.is_free"), Target("m/cal.py", "RoomCalendar.is_free"),
               Target("m/util.py", "clamp", called_by="RoomCalendar.is_free")]
    text, name = pointer("whole_file", same, None, targets, locs, full=False, one_line_file="m/cal.py")
    assert name == "" and "Find the line of `RoomCalendar.is_free`" in text and "m/cal.py\n<<<<<<< SEARCH" in text
    text, _ = pointer("whole_file", same, targets[0], targets, locs, full=False, one_line_file="m/cal.py")
    assert "Find the line of `_overlaps`" in text
    text, _ = pointer("whole_file", same, targets[2], targets, locs, full=False, one_line_file="m/util.py")
    assert "Find the line of `clamp`" in text and "m/util.py\n<<<<<<< SEARCH" in text
    # "again" (no one_line_file), another error, or another format: as before
    assert pointer("whole_file", same, None, targets, locs, full=False) == ("", "")
    assert pointer("whole_file", FormatError("syntax"), None, targets, locs, full=False, one_line_file="m/cal.py") == ("", "")
    assert pointer("search_replace", same, None, targets, locs, full=False, one_line_file="m/cal.py") == ("", "")
    # The answer asked for lands in the whole-file format, fenced as ```python or not.
    from agent.stages.patch_edits import parser_for
    module = "def _overlaps(a, b, c, d):\n    return a <= d and c <= b\n"
    block = "m/cal.py\n<<<<<<< SEARCH\n    return a <= d and c <= b\n=======\n    return a < d and c < b\n>>>>>>> REPLACE\n"
    for reply in (block, f"```python\n{block}```", f"```\n{block.split(chr(10), 1)[1]}```"):
        (change,) = parser_for("whole_file", "m/cal.py", len(module))(reply)
        assert change.path == "m/cal.py" and change.land(module) == (module.replace("<=", "<"), "exact")


def _tenant_repo():
    """A package whose bug sits in a helper module the located method imports (configmerge's shape)."""
    tenants = dedent('''
        from dataclasses import dataclass
        from . import util
        from .layers import get_path, merge_layers as merge
        import json


        class Registry:
            def config_for(self, name):
                return merge([DEFAULTS, self._tenants[name]])

            def limit(self, name, what):
                return util.as_int(get_path(self.config_for(name), what))
    ''')
    layers = "def merge_layers(layers, out={}):\n    return out\n\n\ndef get_path(d, p):\n    return d[p]\n\n\nclass Layer:\n    pass\n"
    util = "def as_int(v):\n    return int(v)\n"
    return {"cfg/tenants.py": tenants, "cfg/layers.py": layers, "cfg/util.py": util, "cfg/__init__.py": ""}


def test_imports_resolve_to_repository_files_only():
    from agent.focus import imported_names, module_file
    files = _tenant_repo()
    known = set(files) | {"src/pkg/core.py", "tests/test_cfg.py"}
    assert module_file("layers", 1, "cfg/tenants.py", known) == "cfg/layers.py"
    assert module_file(None, 1, "cfg/tenants.py", known) == "cfg/__init__.py"
    assert module_file("cfg.util", 0, "x.py", known) == "cfg/util.py"
    assert module_file("pkg.core", 0, "x.py", known) == "src/pkg/core.py"          # src layout
    assert module_file("json", 0, "cfg/tenants.py", known) is None                   # stdlib
    assert module_file("x", 3, "cfg/tenants.py", known) is None                      # above the root
    names = imported_names(files["cfg/tenants.py"], "cfg/tenants.py", known)
    assert names == {"util": ("cfg/util.py", ""), "get_path": ("cfg/layers.py", "get_path"),
                     "merge": ("cfg/layers.py", "merge_layers")}


def test_helper_module_functions_are_suspects_and_shown_after_their_caller():
    from agent.focus import helper_files, imported_callees, with_helpers
    files = _tenant_repo()
    src = files["cfg/tenants.py"]
    assert imported_callees(src, "cfg/tenants.py", "Registry.limit", files) == [
        ("cfg/util.py", "as_int"), ("cfg/layers.py", "get_path")]                  # in the order calls start
    locs = [Location(file="cfg/tenants.py", symbol="Registry.config_for"),
            Location(file="cfg/tenants.py", symbol="Registry.limit")]
    located = {"cfg/tenants.py": src}
    assert helper_files(locs, located, files) == ["cfg/layers.py", "cfg/util.py"]
    assert helper_files(locs, {**located, "cfg/layers.py": ""}, files) == ["cfg/util.py"]   # already read
    sources = {**located, "cfg/layers.py": files["cfg/layers.py"], "cfg/util.py": files["cfg/util.py"]}
    targets = focus_targets(locs, sources)
    assert targets[0] == Target("cfg/layers.py", "merge_layers", called_by="Registry.config_for")
    assert [(t.path, t.qualname) for t in targets] == [
        ("cfg/layers.py", "merge_layers"), ("cfg/tenants.py", "Registry.config_for"),
        ("cfg/util.py", "as_int"), ("cfg/layers.py", "get_path"), ("cfg/tenants.py", "Registry.limit")]
    # a helper file not read (not in sources) adds nothing; neither does a class called like a function
    assert [t.qualname for t in focus_targets(locs, located)] == ["Registry.config_for", "Registry.limit"]
    shown = with_helpers(locs, targets)
    assert [(l.file, l.symbol) for l in shown] == [
        ("cfg/tenants.py", "Registry.config_for"), ("cfg/layers.py", "merge_layers"),
        ("cfg/tenants.py", "Registry.limit"), ("cfg/util.py", "as_int"), ("cfg/layers.py", "get_path")]
