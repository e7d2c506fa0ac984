"""Offline environment recipes: swebench's per-repo/version spec translated to pip on our base image.

Pure functions only (no Docker, no network): a recipe is data, its content hash is the image tag, so
one environment image serves every instance that shares the recipe, and a changed recipe rebuilds.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Callable

import yaml
from swebench.harness.constants import MAP_REPO_TO_ENV_YML_PATHS, MAP_REPO_TO_REQS_PATHS
from swebench.harness.test_spec.python import clean_requirements

# Bump when the Dockerfile templates below change meaning: every cached image becomes stale.
RECIPE_VERSION = 1
# Bump when the instance layer changes meaning (setup script, checkout): only instance images rebuild.
INSTANCE_VERSION = 2            # 2: tags reachable from base_commit are kept (setuptools_scm versions)
VENV = "/opt/testbed"           # the venv that stands in for the official `conda activate testbed`
PYENV_ROOT = "/root/.pyenv/versions"
WHEELHOUSE = "/opt/wheelhouse"  # build backends for the eval script's offline `pip install .`
ENV_REPO = "swe-agent/sweb.env"
INSTANCE_REPO = "swe-agent/sweb.eval"
LABEL_KIND = "swe-agent.sweb"   # label value: "env" | "instance"

# Conda names that differ on PyPI, and conda packages with no pip equivalent (non-Python libraries
# that pip wheels bundle themselves, or the interpreter / pip which the venv already has).
CONDA_TO_PIP = {"matplotlib-base": "matplotlib", "pytables": "tables", "msgpack-python": "msgpack",
                "pyqt": "PyQt5", "pillow": "Pillow"}
CONDA_ONLY = {"python", "pip", "hdf5", "libnetcdf", "cdms2", "iris", "pynio", "mkl", "blas",
              "libblas", "openblas", "compilers", "c-compiler", "cxx-compiler", "gcc", "make",
              "cmake", "ffmpeg", "graphviz", "nodejs", "tk", "libgdal", "proj", "geos", "gdal"}

# Packages whose releases since the official images were built (2024) break a repository's tests; the
# official images hold the older release, so the environment pins it first (later installs keep it).
# sphinx: docutils 0.22 (2025) removed docutils.utils.roman, which sphinx < 7.2's LaTeX writer imports.
# astropy: pyparsing 3.3 (2025) warns on its camelCase names, which matplotlib < 3.10 calls on import
# (`enablePackrat`); astropy's `filterwarnings = error` turns that into a collection error of every test module
# that imports matplotlib (astropy-8872: gold unresolved). The test extras pull matplotlib in (pytest-mpl).
DRIFT_PINS = {"sphinx-doc/sphinx": ("docutils<0.22",), "astropy/astropy": ("pyparsing<3.3",)}
# Environment variables per (repo, version), for the same reason. astropy 3.1 (Python 3.9, setuptools 68): since
# setuptools 60, `import distutils` serves setuptools' own copy, whose LooseVersion warns DeprecationWarning, and
# astropy 3.1's test helpers turn DeprecationWarnings into errors once its pytest header has run, so a test module
# that calls LooseVersion on import (units/tests/test_quantity.py) fails to collect (astropy-8872: gold unresolved,
# every PASS_TO_PASS test "failing"). The official labels show those modules collected: the stdlib distutils of
# Python 3.9, which never warns there, is what they ran with.
DRIFT_ENV = {("astropy/astropy", "3.1"): (("SETUPTOOLS_USE_DISTUTILS", "stdlib"),)}

ReadFile = Callable[[str], "str | None"]  # path in the repo at environment_setup_commit -> text


class RecipeError(ValueError):
    """The spec cannot be translated here (missing interpreter, requirements file not in mirror)."""


@dataclass(frozen=True)
class EnvRecipe:
    repo: str
    version: str
    python: str                          # full pyenv version copied into the image, e.g. "3.9.18"
    base_image: str
    conda_packages: tuple[str, ...] = ()  # translated conda list: installed one by one, best effort
    requirements: str = ""               # requirements text read from the mirror (strict)
    pip_packages: tuple[str, ...] = ()   # the spec's pip_packages, verbatim (strict)
    skipped: tuple[str, ...] = field(default=())  # conda-only bits we did not translate (recorded)
    env: tuple[tuple[str, str], ...] = ()        # ENV of the image (DRIFT_ENV)

    def digest(self) -> str:
        # The version label is left out: versions with the same spec share one image (requests 2.0-2.27).
        # An empty env is left out too, so recipes without one keep the tags their images were built under.
        content = {k: v for k, v in asdict(self).items() if k != "version" and not (k == "env" and not v)}
        payload = json.dumps({"v": RECIPE_VERSION, **content}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def tag(self) -> str:
        return f"{ENV_REPO}:{self.digest()[:20]}"


@dataclass(frozen=True)
class InstanceRecipe:
    instance_id: str
    repo: str
    base_commit: str
    env_tag: str
    pre_install: tuple[str, ...] = ()
    install: str = ""
    submodules: tuple[str, ...] = ()     # "path@commit" checked out from their own mirrors (astropy_helpers)

    def digest(self) -> str:
        content = {k: v for k, v in asdict(self).items() if k != "submodules" or v}  # none: tags as before
        payload = json.dumps({"v": RECIPE_VERSION, "iv": INSTANCE_VERSION, **content}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def tag(self) -> str:
        return f"{INSTANCE_REPO}.{self.instance_id.lower()}:{self.digest()[:20]}"


def pick_python(wanted: str, available: list[str]) -> str:
    """Newest installed pyenv version in the spec's minor series ("3.9" -> "3.9.18")."""
    series = [v for v in available if re.fullmatch(rf"{re.escape(wanted)}\.\d+", v)]
    if not series:
        raise RecipeError(f"python {wanted}: no interpreter under {PYENV_ROOT} "
                          f"(have {', '.join(sorted(available)) or 'none'})")
    return max(series, key=lambda v: tuple(int(p) for p in v.split(".")))


def conda_to_pip(spec: str) -> str | None:
    """`numpy=1.19` -> `numpy==1.19`; None when the package only exists on conda."""
    spec = spec.split("#")[0].strip()
    if not spec:
        return None
    name = re.split(r"[=<>!~ \[]", spec, maxsplit=1)[0].strip()
    rest = spec[len(name):].strip()
    if name.lower() in CONDA_ONLY:
        return None
    name = CONDA_TO_PIP.get(name.lower(), name)
    if re.fullmatch(r"=[^=<>].*", rest):   # conda's single '=' is a prefix pin: 1.19 means 1.19.*
        rest = "==" + rest[1:] + ("" if rest.endswith("*") else ".*")
    return name + rest


def translate_conda(specs: list[str]) -> tuple[list[str], list[str]]:
    """(pip requirements, skipped conda-only names)."""
    kept, skipped = [], []
    for spec in specs:
        pip = conda_to_pip(spec)
        (kept if pip else skipped).append(pip or spec.split("#")[0].strip())
    return kept, [s for s in skipped if s]


def requirements_from_mirror(repo: str, read: ReadFile) -> str:
    """swebench's get_requirements_by_commit, reading the mirror instead of raw.githubusercontent."""
    for req_path in MAP_REPO_TO_REQS_PATHS[repo]:
        text = read(req_path)
        if text is not None:
            break
    else:
        raise RecipeError(f"{repo}: none of {MAP_REPO_TO_REQS_PATHS[repo]} at environment_setup_commit")
    req_dir = "/".join(req_path.split("/")[:-1])
    exclude = lambda line: any(line.strip().startswith(x) for x in ["-e .", "#", ".[test"])  # noqa: E731
    original, additional = [], []
    for line in text.split("\n"):
        if line.strip().startswith("-r"):
            nested = read("/".join(p for p in (req_dir, line[2:].strip()) if p))
            additional += [x for x in (nested or "").split("\n") if not exclude(x)]
        elif not exclude(line):
            original.append(line)
    additional.append("\n".join(original))
    return clean_requirements("\n".join(additional))


def environment_yml_from_mirror(repo: str, read: ReadFile) -> tuple[list[str], list[str], list[str]]:
    """(conda dependencies, pip: dependencies, channels) of the repo's environment.yml."""
    for path in MAP_REPO_TO_ENV_YML_PATHS[repo]:
        text = read(path)
        if text is not None:
            break
    else:
        raise RecipeError(f"{repo}: none of {MAP_REPO_TO_ENV_YML_PATHS[repo]} at environment_setup_commit")
    doc = yaml.safe_load(text) or {}
    conda, pip = [], []
    for dep in doc.get("dependencies") or []:
        if isinstance(dep, dict):
            pip += [str(x) for x in dep.get("pip") or []]
        else:
            conda.append(str(dep))
    return conda, pip, list(doc.get("channels") or [])


def make_env_recipe(instance: dict, specs: dict, read: ReadFile, pythons: list[str],
                    base_image: str) -> EnvRecipe:
    """The spec's environment as pip steps. Order follows swebench: packages, then pip_packages."""
    pkgs = specs.get("packages", "")
    conda, requirements, skipped = [], "", []
    if pkgs == "requirements.txt":
        requirements = requirements_from_mirror(instance["repo"], read)
    elif pkgs == "environment.yml":
        conda_deps, pip_deps, _ = environment_yml_from_mirror(instance["repo"], read)
        conda, skipped = translate_conda(conda_deps)
        conda += pip_deps
    elif pkgs:
        conda, skipped = translate_conda(pkgs.split())
    return EnvRecipe(repo=instance["repo"], version=instance["version"],
                     python=pick_python(specs["python"], pythons), base_image=base_image,
                     conda_packages=tuple(conda), requirements=requirements,
                     pip_packages=tuple(specs.get("pip_packages", [])) + DRIFT_PINS.get(instance["repo"], ()),
                     skipped=tuple(skipped), env=DRIFT_ENV.get((instance["repo"], instance["version"]), ()))


# `tox --current-env` (sphinx) runs tests with `.tox/<env>/bin/python`, a symlink to the interpreter that
# runs tox. In the official conda env that is the env's own python; here it is the venv's python, and a
# symlink to it finds no pyvenv.cfg next to itself (Python looks beside the invoked path), so it starts as
# the bare pyenv interpreter without the environment's packages ("No module named pytest"). A .pth in the
# bare interpreter's site-packages adds the venv's: the venv itself does not read it (no system packages).
CURRENT_ENV_FIX = (
    "echo \"import site; site.addsitedir('$(python -c 'import sysconfig; print(sysconfig.get_path(\"purelib\"))')')\" "
    "> \"$(python -c 'import sys, sysconfig; print(sysconfig.get_path(\"purelib\", vars={\"base\": sys.base_prefix, "
    "\"platbase\": sys.base_prefix}))')/swe_agent_testbed_venv.pth\"")


# Repositories whose install compiles C/C++ extensions (the official images all carry build-essential).
# Only these get the compiler base image: ~250 MB more, shared by all their environments. ccache, found
# first on PATH as gcc/g++/cc/c++, keeps the objects of the instance build in the instance image, so the
# eval script's own `pip install -e .` (run again before every evaluation) compiles from the cache.
TOOLCHAIN_REPOS = frozenset({"astropy/astropy", "matplotlib/matplotlib", "scikit-learn/scikit-learn"})
TOOLCHAIN_PACKAGES = ("gcc", "g++", "make", "libc6-dev", "ccache")
# /usr/local/bin is not in every base image (the one made from the host's Debian packages has none). A base made
# on a host without ccache has none either: then the links are skipped and every evaluation compiles afresh.
CCACHE_LINKS = ("if [ -x /usr/bin/ccache ]; then mkdir -p /usr/local/bin && "
                "for c in gcc g++ cc c++; do ln -sf /usr/bin/ccache /usr/local/bin/$c; done; fi")


def toolchain_packages(have) -> tuple[str, ...]:
    """The compiler base's packages; ccache only speeds evaluations up, so a host without it (the base image is
    made from the host's Debian packages when there is no registry) builds without it rather than failing."""
    return tuple(p for p in TOOLCHAIN_PACKAGES if p != "ccache" or have(p))


# `apt-get update && apt-get install -y graphviz` (sphinx >= 7.2; django, matplotlib, pylint and pyvista ask for
# others): the instance build has no network, so the packages come into the base image from the host's Debian
# packages instead (as the compiler's do) and the apt-get parts of the command are dropped.
_APT = re.compile(r"^\s*(?:DEBIAN_FRONTEND=\S+\s+)?apt-get\s+(?P<args>.*)$")


def apt_packages(commands) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(packages the commands' `apt-get install` parts name, the commands without any apt-get part)."""
    packages: list[str] = []
    rest: list[str] = []
    for cmd in commands:
        keep = []
        for part in cmd.split("&&"):
            m = _APT.match(part)
            if m is None:
                if part.strip():
                    keep.append(part.strip())
                continue
            words = m.group("args").split()
            if "install" in words:
                packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
        if keep:
            rest.append(" && ".join(keep))
    return tuple(dict.fromkeys(packages)), tuple(rest)


def make_instance_recipe(instance: dict, specs: dict, env_tag: str, submodules: tuple[str, ...] = ()) -> InstanceRecipe:
    pre_install = apt_packages(specs.get("pre_install", []))[1]
    if "--current-env" in specs.get("test_cmd", ""):   # only these instances' layers change
        pre_install += (CURRENT_ENV_FIX,)
    if instance["repo"] in TOOLCHAIN_REPOS:
        pre_install = (CCACHE_LINKS, *pre_install)
    return InstanceRecipe(instance_id=instance["instance_id"], repo=instance["repo"],
                          base_commit=instance["base_commit"], env_tag=env_tag,
                          pre_install=pre_install, install=specs.get("install", ""), submodules=submodules)
