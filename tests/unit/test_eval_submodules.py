"""Submodules from local mirrors (astropy < 4 builds need astropy_helpers, which its setup.py would clone from
GitHub): real git repositories made in the test, a bare mirror per upstream as the fetch tool lays them out."""
import hashlib
import json
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from agent.evaluation import build, mirror, recipe


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), "-c", "user.email=t@t", "-c", "user.name=t",
                           "-c", "protocol.file.allow=always", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def _repo(path: Path, files: dict[str, str]) -> str:
    path.mkdir(parents=True)
    _git(path, "init", "-q")
    for name, text in files.items():
        (path / name).write_text(text)
    _git(path, "add", "-A")
    _git(path, "commit", "-qm", "c")
    return _git(path, "rev-parse", "HEAD")


@pytest.fixture
def mirrors(tmp_path):
    """(mirror root, superproject mirror, helper commit, superproject commit)."""
    helper_commit = _repo(tmp_path / "w/helpers", {"ah.py": "VERSION = 1\n"})
    (tmp_path / "w/helpers/ah.py").write_text("VERSION = 2\n")     # a later commit the superproject does not record
    _git(tmp_path / "w/helpers", "commit", "-qam", "later")
    root = tmp_path / "mirrors"
    _git(tmp_path, "clone", "-q", "--bare", str(tmp_path / "w/helpers"), str(root / "acme+acme-helpers/repo"))
    _repo(tmp_path / "w/app", {"setup.py": "print('app')\n"})
    app = tmp_path / "w/app"
    _git(app, "submodule", "add", "-q", str(root / "acme+acme-helpers/repo"), "acme_helpers")
    _git(app / "acme_helpers", "checkout", "-q", helper_commit)
    _git(app, "config", "-f", ".gitmodules", "submodule.acme_helpers.url", "https://github.com/acme/acme-helpers.git")
    _git(app, "add", "-A")
    _git(app, "commit", "-qm", "helpers")
    _git(tmp_path, "clone", "-q", "--bare", str(app), str(root / "acme+app/repo"))
    return root, root / "acme+app/repo", helper_commit, _git(app, "rev-parse", "HEAD")


def test_submodule_urls_name_their_github_repository():
    for url in ("https://github.com/astropy/astropy-helpers.git", "git@github.com:astropy/astropy-helpers.git",
                "https://github.com/astropy/astropy-helpers", "git://github.com/astropy/astropy-helpers.git/"):
        assert mirror.repo_of_url(url, "astropy/astropy") == "astropy/astropy-helpers"
    assert mirror.repo_of_url("../astropy-helpers.git", "astropy/astropy") == "astropy/astropy-helpers"
    assert mirror.repo_of_url("https://gitlab.com/a/b.git", "astropy/astropy") is None


def test_submodules_are_checked_out_at_the_recorded_commit_from_their_mirror(mirrors, tmp_path):
    root, app_mirror, helper_commit, app_commit = mirrors
    subs = mirror.submodules(app_mirror, app_commit, "acme/app")
    assert [(s.path, s.commit, s.repo) for s in subs] == [("acme_helpers", helper_commit, "acme/acme-helpers")]
    dest = tmp_path / "testbed"
    mirror.checkout(app_mirror, app_commit, dest)
    assert not (dest / "acme_helpers/ah.py").exists()            # what the build had before: an empty directory
    assert mirror.fill_submodules(root, dest, subs) == []
    assert (dest / "acme_helpers/ah.py").read_text() == "VERSION = 1\n"
    # initialized and up to date, as `git submodule update --init` leaves it (setup scripts ask git about it)
    status = subprocess.run(["git", "-C", str(dest), "submodule", "status"], capture_output=True, text=True).stdout
    assert status.startswith(f" {helper_commit} acme_helpers")     # not "-" (uninitialized) nor "+" (other commit)
    assert _git(dest, "status", "--porcelain") == ""
    # no path of this machine is left in the configuration the image carries
    assert _git(dest, "config", "submodule.acme_helpers.url") == "https://github.com/acme/acme-helpers.git"
    assert _git(dest / "acme_helpers", "remote", "get-url", "origin") == "https://github.com/acme/acme-helpers.git"


def test_a_submodule_without_a_mirror_is_named_and_nothing_else_changes(mirrors, tmp_path):
    root, app_mirror, _, app_commit = mirrors
    dest = tmp_path / "testbed"
    mirror.checkout(app_mirror, app_commit, dest)
    subs = mirror.submodules(app_mirror, app_commit, "acme/app")
    assert mirror.fill_submodules(tmp_path / "elsewhere", dest, subs) == ["acme_helpers (acme/acme-helpers)"]
    assert not (dest / "acme_helpers/ah.py").exists()


def test_repositories_without_submodules_keep_their_instance_image_tags():
    row = {"instance_id": "acme__app-1", "repo": "pallets/flask", "base_commit": "0" * 40}
    specs = {"install": "pip install -e ."}
    plain = recipe.make_instance_recipe(row, specs, "env:tag")
    assert plain.submodules == ()
    with_subs = recipe.make_instance_recipe(row, specs, "env:tag", ("astropy_helpers@" + "7" * 40,))
    assert with_subs.tag != plain.tag
    # the digest of a recipe without submodules is the one computed before the field existed
    old = {k: v for k, v in asdict(plain).items() if k != "submodules"}
    payload = json.dumps({"v": recipe.RECIPE_VERSION, "iv": recipe.INSTANCE_VERSION, **old}, sort_keys=True)
    assert plain.digest() == hashlib.sha256(payload.encode()).hexdigest()


def test_a_failed_build_names_the_submodules_that_had_no_mirror():
    err = build.EnvBuildError("RUN /bin/bash /root/setup_repo.sh", None, "Could not resolve host: github.com", "img:1")
    assert build.naming_missing(err, [], "/m") is err
    named = build.naming_missing(err, ["astropy_helpers (astropy/astropy-helpers)"], "/m")
    assert "submodules with no mirror under /m: astropy_helpers (astropy/astropy-helpers)" in str(named)
    assert "astropy_helpers" in named.reason and named.tail == err.tail
