from versions import Version, max_satisfying, sort_versions


def test_build_metadata_without_prerelease():
    v = Version.parse("1.4.2+build.77")
    assert (v.major, v.minor, v.patch, v.prerelease, v.build) == (1, 4, 2, (), ("build", "77"))
    assert str(v) == "1.4.2+build.77"
    assert Version.parse("1.0.0+a") == Version.parse("1.0.0+b")


def test_build_metadata_in_lists():
    assert max_satisfying(["1.4.1", "1.4.2+build.77"], ">=1.0.0") == "1.4.2+build.77"
    assert sort_versions(["2.0.0+x", "1.0.0-rc.1+y", "1.0.0"]) == ["1.0.0-rc.1+y", "1.0.0", "2.0.0+x"]


def test_prerelease_with_build_still_works():
    v = Version.parse("1.0.0-rc.1+build.5")
    assert v.prerelease == ("rc", "1") and v.build == ("build", "5")
