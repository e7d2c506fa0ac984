import pytest

from versions import Constraint, Version, max_satisfying, sort_versions


def test_parse_and_str():
    v = Version.parse("v1.4.0-rc.1+exp.sha.5114f85")
    assert (v.major, v.minor, v.patch, v.prerelease) == (1, 4, 0, ("rc", "1"))
    assert str(Version.parse("2.0.1")) == "2.0.1"


def test_invalid():
    for bad in ("1.2", "1.02.3", "a.b.c", "1.2.3-"):
        with pytest.raises(ValueError):
            Version.parse(bad)


def test_precedence():
    assert sort_versions(["1.0.0", "1.0.0-rc.1", "1.0.0-alpha", "0.9.10", "0.9.9"]) == [
        "0.9.9", "0.9.10", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0"]


def test_bump():
    assert str(Version.parse("1.4.2").bump("minor")) == "1.5.0"
    assert str(Version.parse("1.0.1-rc.1").bump("patch")) == "1.0.1"


def test_constraints():
    assert Constraint.parse("^1.2.3").allows(Version.parse("1.9.0"))
    assert not Constraint.parse("~1.2.3").allows(Version.parse("1.3.0"))
    assert max_satisfying(["1.2.0", "1.5.0", "2.0.0"], ">=1.0.0, <2.0.0") == "1.5.0"
