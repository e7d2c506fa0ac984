"""agent/covering_tests.py: which of a repository's own test files stage 4 runs for the touched modules.
The listings are shaped like real repositories' (file names from SWE-bench repositories)."""
from agent.covering_tests import is_pytest_module, name_level, on_path, regression_targets
from agent.stages.execute import regression_targets as reexported


def test_pytest_modules_only():
    assert is_pytest_module("sympy/core/tests/test_basic.py")
    assert is_pytest_module("tests/lint/unittest_lint.py")
    assert is_pytest_module("pkg/thing_test.py")
    # a source file whose folder says "test", a data file of a functional suite, a test helper
    assert not is_pytest_module("src/_pytest/logging.py")
    assert not is_pytest_module("tests/functional/a/arguments.py")
    assert not is_pytest_module("pylint/testutils/utils.py")
    assert not is_pytest_module("tests/roots/test-ext-autodoc/target/typehints.py")


def test_same_package_beats_a_namesake_elsewhere():
    listing = ["astropy/cosmology/tests/test_core.py", "astropy/io/fits/tests/test_core.py",
               "astropy/units/tests/test_core.py", "astropy/units/tests/test_units.py"]
    assert regression_targets(["astropy/units/core.py"], listing) == ["astropy/units/tests/test_core.py",
                                                                       "astropy/units/tests/test_units.py"]
    # a sibling package's test_core.py never stands for timeseries/core.py
    assert regression_targets(["astropy/timeseries/core.py"], listing) == []
    assert not on_path("astropy/cosmology/tests/test_core.py", "astropy/timeseries/core.py")


def test_layouts_of_real_projects():
    # pylint: tests/<subpackage>/ mirrors pylint/<subpackage>/ without the top-level name
    assert regression_targets(["pylint/lint/expand_modules.py"],
                              ["tests/lint/unittest_expand_modules.py", "tests/config/test_config.py",
                               "pylint/testutils/_run.py"]) == ["tests/lint/unittest_expand_modules.py"]
    # requests: one test module named after the package
    assert regression_targets(["requests/sessions.py"], ["test_requests.py", "requests/packages/x_test.py"]) \
        == ["test_requests.py"]
    # pytest: src/ layout, a test folder named after the module
    assert regression_targets(["src/_pytest/logging.py"],
                              ["testing/logging/test_fixture.py", "testing/test_collection.py"]) \
        == ["testing/logging/test_fixture.py"]
    # sphinx: package name (singular) + an abbreviation of the module
    assert name_level("tests/test_domain_py.py", "sphinx/domains/python.py") == 2
    # sympy: words of the module's name
    assert name_level("sympy/ntheory/tests/test_residue.py", "sympy/ntheory/residue_ntheory.py") == 2
    assert name_level("sympy/core/tests/test_basic.py", "sympy/core/basic.py") == 3


def test_exact_name_first_then_words_round_robin_and_cap():
    listing = ["pkg/tests/test_mod_extra.py", "pkg/tests/test_mod.py", "pkg/tests/test_other.py",
               "pkg/tests/test_util.py", "tests/test_pkg.py"]
    got = regression_targets(["pkg/mod.py", "pkg/util.py"], listing)
    assert got == ["pkg/tests/test_mod.py", "pkg/tests/test_util.py", "pkg/tests/test_mod_extra.py"]
    assert regression_targets(["pkg/mod.py", "pkg/util.py"], listing, limit=1) == ["pkg/tests/test_mod.py"]
    # the top-level package's test module only when nothing better matches
    assert regression_targets(["pkg/nothing.py"], listing) == ["tests/test_pkg.py"]


def test_never_the_touched_file_or_our_own_tests():
    listing = ["pkg/tests/test_mod.py", "tests/swe_agent_repro_1/test_mod.py"]
    assert regression_targets(["pkg/mod.py", "pkg/tests/test_mod.py"], listing) == []
    assert regression_targets(["README.md", "setup.cfg"], listing) == []
    assert reexported is regression_targets
