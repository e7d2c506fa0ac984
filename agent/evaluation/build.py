"""Build (or reuse) the offline environment + instance images with the Docker SDK.

Builds are serialized by one lock (2 cores: parallel pip builds only thrash), and skipped when the
content-addressed tag exists. A failure says which step, which package, and the tail of the log.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import docker

from sandbox.images import BUILD_LIMITS, image_exists  # noqa: E402  (image_exists re-exported: evaluation.batch and tests use it)
from agent.evaluation import custom, dockerfiles, gc, mirror
from agent.evaluation.recipe import (PYENV_ROOT, TOOLCHAIN_REPOS, EnvRecipe, InstanceRecipe, RecipeError, apt_packages,
                                     make_env_recipe, make_instance_recipe, toolchain_packages)

_BUILD_LOCK = threading.Lock()
_PKG_PATTERNS = [
    r"No matching distribution found for ([^\s]+)",
    r"Could not find a version that satisfies the requirement ([^\s]+)",
    r"Failed building wheel for ([^\s]+)",
    r"Failed to build ([^\s]+)",
    r"error: subprocess-exited-with-error.*?Getting requirements to build wheel.*?for ([^\s]+)",
    r"Running setup\.py install for ([^\s]+)\.\.\. error",
    r"Max retries exceeded with url: \S*/([^/\s]+?)(?:\.whl|\.tar\.gz)?\s",  # network: name the file
]


class EnvBuildError(RuntimeError):
    def __init__(self, step: str, package: str | None, tail: str, image: str):
        self.step, self.package, self.tail, self.image = step, package, tail, image
        pkg = f" (package: {package})" if package else ""
        super().__init__(f"building {image} failed at `{step}`{pkg}\n{tail}")

    @property
    def reason(self) -> str:
        pkg = f" [{self.package}]" if self.package else ""
        return f"env build failed at `{self.step[:120]}`{pkg}"


@dataclass
class Images:
    env: str
    instance: str
    env_recipe: EnvRecipe
    built_s: float = 0.0
    env_s: float | None = None      # seconds building the environment image now (None: it existed)
    instance_s: float | None = None  # seconds building the instance layer now (None: it existed)
    env_mb: float = 0.0             # the environment image (base + interpreter + requirements)
    instance_mb: float = 0.0        # the instance image's own layers above its environment (repo + install)


def naming_missing(err: EnvBuildError, missing: list[str], mirror_root) -> EnvBuildError:
    """The build error, naming the submodules that had no mirror (the likely cause: a setup.py cloning one)."""
    if not missing:
        return err
    why = f"submodules with no mirror under {mirror_root}: {', '.join(missing)}"
    return EnvBuildError(err.step, f"{why}; {err.package}" if err.package else why, err.tail, err.image)


def guess_package(log: str) -> str | None:
    for pat in _PKG_PATTERNS:
        found = re.findall(pat, log, flags=re.S)
        if found:
            return found[-1].strip("'\"")
    return None


def _build(client: docker.DockerClient, context: Path, tag: str, log_path: Path | None) -> None:
    lines: list[str] = []
    step = "?"
    error = None
    # `nice` on our process does not reach build steps (dockerd runs them): a quarter of the default
    # cpu shares keeps a long pip build from starving other containers on the shared cores. Setup
    # code of the repository runs here: the bridge network and the sandboxes' build memory limit.
    for chunk in client.api.build(path=str(context), tag=tag, rm=True, forcerm=True, decode=True,
                                  network_mode="bridge", container_limits={**BUILD_LIMITS, "cpushares": 256}):
        text = chunk.get("stream") or chunk.get("status") or ""
        if text.startswith("Step "):
            step = text.split(" : ", 1)[-1].strip()
        lines.append(text)
        if "error" in chunk:
            error = chunk["error"]
    log = "".join(lines)
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(log + (f"\nERROR: {error}\n" if error else ""))
    if error:
        tail = "\n".join(log.splitlines()[-30:] + [error])
        raise EnvBuildError(step, guess_package(log), tail, tag)


def _slim_python(folder: str, names: list[str]) -> set[str]:
    """Leave out of the copied interpreter what no venv uses: packages installed into the host's pyenv
    interpreter itself (the venv does not see them; here they were 685 of 964 MB) and the static libpython."""
    if Path(folder).name == "site-packages":
        return set(names)
    return {n for n in names if n.startswith("libpython") and n.endswith(".a")}


def installed_pythons() -> list[str]:
    root = Path(PYENV_ROOT)
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def base_image(client: docker.DockerClient, extra_packages: tuple[str, ...] = ()) -> str:
    # The sandbox package owns the base image (SWE_AGENT_BASE_IMAGE overrides it there).
    from sandbox.images import ensure_base_image
    return ensure_base_image(client, extra_packages)


def plan(instance: dict, mirror_root: str | Path | None, base: str,
         specs: dict | None = None) -> tuple[EnvRecipe, InstanceRecipe, list[mirror.Submodule]]:
    """Recipes for an instance (`specs`: its swebench spec, when the caller has it already) and the submodules its
    base commit records (read once: the recipe names them, the instance build checks them out); raises
    RecipeError / MirrorError when it cannot be built offline."""
    git_dir = mirror.find_mirror(mirror_root, instance["repo"])
    if git_dir is None:
        raise RecipeError(f"no mirror of {instance['repo']} under {mirror_root} (owner+name or owner__name)")
    specs = specs if specs is not None else custom.specs_for(instance)
    commit = instance.get("environment_setup_commit") or instance["base_commit"]
    env = make_env_recipe(instance, specs, lambda p: mirror.read_file_at(git_dir, commit, p),
                          installed_pythons(), base)
    subs = mirror.submodules(git_dir, instance["base_commit"], instance["repo"])
    return env, make_instance_recipe(instance, specs, env.tag, tuple(f"{s.path}@{s.commit}" for s in subs)), subs


def ensure_images(client: docker.DockerClient, instance: dict, mirror_root: str | Path | None,
                  log_dir: Path | None = None, base: str | None = None) -> Images:
    """Environment image (shared per recipe) + thin instance layer; reused when the tags exist."""
    specs = custom.specs_for(instance)
    extra = apt_packages(specs.get("pre_install", []))[0]
    if instance["repo"] in TOOLCHAIN_REPOS:
        from sandbox.rootfs import host_has
        extra = toolchain_packages(host_has) + extra
    if extra:       # from the host's Debian packages; a missing one is named with its `apt-get install` line
        base = base_image(client, tuple(dict.fromkeys(extra)))
    env, inst, subs = plan(instance, mirror_root, base or base_image(client), specs)
    start = time.monotonic()
    env_s = instance_s = None
    with _BUILD_LOCK:
        if not image_exists(client, env.tag):
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="sweb-env-") as tmp:
                ctx = Path(tmp)
                shutil.copytree(f"{PYENV_ROOT}/{env.python}", ctx / "python", symlinks=True, ignore=_slim_python)
                (ctx / "Dockerfile").write_text(dockerfiles.env_dockerfile(env))
                (ctx / "activate").write_text(dockerfiles.CONDA_SHIM)
                (ctx / "requirements.txt").write_text(env.requirements)
                _build(client, ctx, env.tag, log_dir / "env_build.log" if log_dir else None)
            env_s = time.monotonic() - t0
        if not image_exists(client, inst.tag):
            t0 = time.monotonic()
            git_dir = mirror.find_mirror(mirror_root, instance["repo"])
            with tempfile.TemporaryDirectory(prefix="sweb-inst-") as tmp:
                ctx = Path(tmp)
                mirror.checkout(git_dir, inst.base_commit, ctx / "testbed")
                missing = mirror.fill_submodules(mirror_root, ctx / "testbed", subs)
                (ctx / "Dockerfile").write_text(dockerfiles.instance_dockerfile(inst))
                (ctx / "setup_repo.sh").write_text(dockerfiles.setup_repo_script(inst))
                (ctx / "build_reqs.py").write_text(dockerfiles.BUILD_REQS_PY)
                try:
                    _build(client, ctx, inst.tag, log_dir / "instance_build.log" if log_dir else None)
                except EnvBuildError as err:   # a submodule the build wanted may be the cause: say which
                    raise naming_missing(err, missing, mirror_root) from err
            instance_s = time.monotonic() - t0
    gc.touch(env.tag, inst.tag)   # last use, for `gc-eval --max-disk` (least recently used go first)
    env_b, inst_b = image_bytes(client, env.tag), image_bytes(client, inst.tag)
    return Images(env=env.tag, instance=inst.tag, env_recipe=env, built_s=time.monotonic() - start,
                  env_s=env_s, instance_s=instance_s, env_mb=round(env_b / 1e6, 1),
                  instance_mb=round(max(inst_b - env_b, 0) / 1e6, 1))


def image_bytes(client: docker.DockerClient, tag: str) -> int:
    """An image's size with every layer it stands on (0 when it is gone)."""
    try:
        return int(client.images.get(tag).attrs.get("Size") or 0)
    except docker.errors.ImageNotFound:
        return 0


def disk_usage(client: docker.DockerClient) -> dict:
    """Bytes held by our SWE-bench images; shared layers (base, env) are counted once."""
    rows = [i for i in client.df().get("Images", []) if (i.get("Labels") or {}).get("swe-agent.sweb")]
    unique = sum(max(i["Size"] - max(i.get("SharedSize", 0), 0), 0) for i in rows)
    shared = max((max(i.get("SharedSize", 0), 0) for i in rows), default=0)
    return {"images": len(rows), "bytes_unique": unique, "bytes_shared_max": shared,
            "bytes_total_estimate": unique + shared}
