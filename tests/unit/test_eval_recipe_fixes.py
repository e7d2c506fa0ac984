"""Instance recipes that differ from swebench's for a reason here (pure): sphinx's `tox --current-env`
and the compiler repositories. Every other instance recipe must stay as it was (its cached image too)."""
from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS

from agent.evaluation import recipe


def _recipe(repo: str, version: str):
    row = {"instance_id": f"{repo.replace('/', '__')}-1", "repo": repo, "base_commit": "0" * 40}
    return recipe.make_instance_recipe(row, MAP_REPO_VERSION_TO_SPECS[repo][version], "env:tag")


def test_tox_current_env_gets_the_venv_packages_on_the_bare_interpreter():
    r = _recipe("sphinx-doc/sphinx", "3.3")
    assert r.pre_install[-1] == recipe.CURRENT_ENV_FIX and "site.addsitedir" in recipe.CURRENT_ENV_FIX
    assert r.pre_install[:-1] == tuple(MAP_REPO_VERSION_TO_SPECS["sphinx-doc/sphinx"]["3.3"]["pre_install"])


def test_compiler_repos_build_through_ccache_and_others_are_unchanged():
    r = _recipe("astropy/astropy", "5.1")
    assert r.pre_install[0] == recipe.CCACHE_LINKS and "ccache" in recipe.TOOLCHAIN_PACKAGES
    # a host without ccache (the base is made from its Debian packages) builds the compiler base without it
    assert recipe.toolchain_packages(lambda p: True) == recipe.TOOLCHAIN_PACKAGES
    assert recipe.toolchain_packages(lambda p: p != "ccache") == ("gcc", "g++", "make", "libc6-dev")
    for repo, version in (("pallets/flask", "2.3"), ("pytest-dev/pytest", "6.3"), ("sympy/sympy", "1.12")):
        r = _recipe(repo, version)
        assert r.pre_install == tuple(MAP_REPO_VERSION_TO_SPECS[repo][version].get("pre_install", []))


def test_apt_get_installs_become_base_image_packages_and_leave_the_instance_script():
    r = _recipe("sphinx-doc/sphinx", "7.2")          # `apt-get update && apt-get install -y graphviz`
    assert not any("apt-get" in c for c in r.pre_install)
    pkgs, rest = recipe.apt_packages(MAP_REPO_VERSION_TO_SPECS["sphinx-doc/sphinx"]["7.2"]["pre_install"])
    assert pkgs == ("graphviz",)
    assert "sed -i 's/pytest/pytest -rA/' tox.ini" in rest         # the other commands stay, in order
    # matplotlib's line: an environment variable, `-y` flags, upgrade and an empty `&& &&` part
    pkgs, rest = recipe.apt_packages(["apt-get -y update && apt-get -y upgrade && && apt-get install -y imagemagick ffmpeg",
                                      "DEBIAN_FRONTEND=noninteractive apt-get install -y texlive dvipng && echo done"])
    assert pkgs == ("imagemagick", "ffmpeg", "texlive", "dvipng") and rest == ("echo done",)
    assert recipe.apt_packages(["pip install apt-get-helper"]) == ((), ("pip install apt-get-helper",))
