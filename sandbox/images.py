"""Images without a registry: a base image made from the host's packages, and repository images on top.

Tags are content-addressed (a hash of everything that decides the content), so an existing tag means
"already built" and is reused; this also makes concurrent runs share one build.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

import docker
from pydantic import BaseModel, Field, model_validator

from sandbox import rootfs

RECIPE_VERSION = "2"  # bump when the Dockerfiles below change meaning
LABELS = {"swe-agent.managed": "1"}
SANDBOX_UID = 1000   # the user commands run as in repository images (owns /repo, /opt/venv, its home)
VENV_PATH = "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA = "/etc/ssl/certs/ca-certificates.crt"

# pip/requests/openssl all read the system bundle (it holds the host's proxy CA). Debian's
# /etc/profile resets PATH for `bash -l`, so the venv goes first again from /etc/profile.d.
# Debian makes the stdlib's .pyc in postinst (not in dpkg's file lists): compile them, or every
# Python start recompiles the stdlib (pytest took seconds). Sandboxes commit as a fixed identity so `git commit` works inside them.
# Commands run as `sandbox` (uid 1000), which owns the venv (chown in the same layer: no copy of it).
BASE_DOCKERFILE = """\
FROM {rootfs}
ENV PATH={path} LANG=C.UTF-8 PIP_CERT={ca} SSL_CERT_FILE={ca} REQUESTS_CA_BUNDLE={ca} \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
RUN ldconfig && python3 -m venv /opt/venv && /opt/venv/bin/pip install -q pytest \\
 && echo 'sandbox:x:{uid}:{uid}::/home/sandbox:/bin/bash' >> /etc/passwd \\
 && echo 'sandbox:x:{uid}:' >> /etc/group && mkdir -p /home/sandbox /repo \\
 && chown -R {uid}:{uid} /opt/venv /home/sandbox /repo \\
 && python3 -m compileall -q -j0 /usr/lib/python3* >/dev/null \\
 && echo 'export PATH=/opt/venv/bin:$PATH' > /etc/profile.d/00-venv.sh \\
 && git config --system user.name swe-agent && git config --system user.email swe-agent@localhost \\
 && git config --system --add safe.directory '*' && git config --system advice.detachedHead false \\
 && python --version && pytest --version && git --version && patch --version >/dev/null
WORKDIR /repo
"""

_LOCK = threading.Lock()


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


class _BuildLock:
    """One build per tag across threads and processes (a second caller then finds the tag)."""

    def __init__(self, tag: str):
        name = hashlib.sha256(tag.encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"swe-agent-build-{name}.lock"

    def __enter__(self):
        _LOCK.acquire()
        self.fh = open(self.path, "w")
        fcntl.flock(self.fh, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        self.fh.close()
        _LOCK.release()


# Install steps run the repository's own setup code: the bridge (not the host's network namespace,
# where 127.0.0.1 services such as the model server live) and the sandboxes' memory limit.
BUILD_LIMITS = {"memory": 4 * 1024**3, "memswap": 4 * 1024**3, "cpushares": 512}


def _build(client: docker.DockerClient, context: Path, tag: str, labels: dict[str, str]) -> None:
    try:
        client.images.build(path=str(context), tag=tag, rm=True, forcerm=True, network_mode="bridge",
                            container_limits=BUILD_LIMITS, labels={**LABELS, **labels})
    except docker.errors.BuildError as err:
        log = "".join(c.get("stream", "") for c in err.build_log if isinstance(c, dict))
        tail = "\n".join(log.splitlines()[-25:])
        raise docker.errors.BuildError(f"building {tag} failed: {err.msg}\n{tail}", err.build_log) from None


def base_tag(extra_packages: tuple[str, ...] = ()) -> tuple[str, str, dict]:
    """(base tag, rootfs tag, packages). The rootfs code is part of its recipe: changing how the
    tarball is made changes the tag; changing only the Dockerfile reuses the imported rootfs."""
    pkgs = rootfs.closure(tuple(extra_packages))
    root = hashlib.sha256((rootfs.recipe_digest(pkgs) + Path(rootfs.__file__).read_text()).encode()).hexdigest()
    base = hashlib.sha256((RECIPE_VERSION + BASE_DOCKERFILE + root).encode()).hexdigest()
    return f"swe-agent/base:{base[:16]}", f"swe-agent/rootfs:{root[:16]}", pkgs


def ensure_base_image(client: docker.DockerClient, extra_packages: tuple[str, ...] = ()) -> str:
    """Tag of the local base image (Debian + python3 + venv at /opt/venv with pytest, git, patch, CAs).

    Built from the host's own Debian packages (no registry needed); ~20 s the first time, instant
    after. SWE_AGENT_BASE_IMAGE overrides it (any image with those tools, e.g. on non-Debian hosts).
    """
    if os.environ.get("SWE_AGENT_BASE_IMAGE"):
        return os.environ["SWE_AGENT_BASE_IMAGE"]
    tag, root_tag, pkgs = base_tag(tuple(extra_packages))
    if image_exists(client, tag):
        return tag
    with _BuildLock(tag):
        if image_exists(client, tag):
            return tag
        with tempfile.TemporaryDirectory(prefix="swe-agent-base-") as tmp:
            if not image_exists(client, root_tag):
                tar_path = Path(tmp) / "rootfs.tar"
                with open(tar_path, "wb") as out:
                    rootfs.write_tarball(pkgs, out)
                repo, _, version = root_tag.partition(":")
                client.api.import_image(src=str(tar_path), repository=repo, tag=version,
                                        changes=['LABEL swe-agent.managed=1 swe-agent.kind=rootfs',
                                                 'CMD ["/bin/bash"]'])
                tar_path.unlink()
            (Path(tmp) / "Dockerfile").write_text(BASE_DOCKERFILE.format(rootfs=root_tag, path=VENV_PATH, ca=CA,
                                                                          uid=SANDBOX_UID))
            _build(client, Path(tmp), tag, {"swe-agent.kind": "base"})
    return tag


class RepoRecipe(BaseModel):
    """A repository at a commit plus how to install it. Everything here is part of the image tag."""
    repo_path: str | None = None        # a local git repository...
    git_url: str | None = None          # ...or anything `git fetch` understands (needs network at build)
    commit: str = "HEAD"                # resolved to a full sha before hashing
    python: str | None = None           # interpreter in the image to rebuild /opt/venv with (None: base's)
    pip: list[str] = Field(default_factory=list)       # `pip install` arguments, one list item each
    install: list[str] = Field(default_factory=list)   # shell commands run in /repo (e.g. "pip install -e .")

    @model_validator(mode="after")
    def _one_source(self):
        if bool(self.repo_path) == bool(self.git_url):
            raise ValueError("RepoRecipe needs exactly one of repo_path or git_url")
        return self


def _git(*args: str, cwd: str | Path | None = None) -> str:
    res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {res.stderr.strip()}")
    return res.stdout.strip()


def repo_tag(recipe: RepoRecipe, base: str) -> tuple[str, str]:
    """(tag, full commit sha) for a recipe on a base image."""
    commit = recipe.commit
    if recipe.repo_path:
        commit = _git("rev-parse", "--verify", f"{recipe.commit}^{{commit}}", cwd=recipe.repo_path)
    source = recipe.git_url or "local"  # a local path's location does not change the content
    key = json.dumps([RECIPE_VERSION, base, source, commit, recipe.python, recipe.pip, recipe.install])
    return f"swe-agent/repo:{hashlib.sha256(key.encode()).hexdigest()[:16]}", commit


def _repo_dockerfile(base: str, recipe: RepoRecipe) -> str:
    # Owned by the sandbox user and installed as it: commands can edit the tree and pip install.
    uid = f"{SANDBOX_UID}:{SANDBOX_UID}"
    lines = [f"FROM {base}", f"COPY --chown={uid} repo /repo", "WORKDIR /repo", f"USER {uid}"]
    if recipe.python:
        lines.append(f"RUN {recipe.python} -m venv --clear /opt/venv && pip install -q pytest")
    if recipe.pip:
        lines.append("RUN pip install -q " + " ".join(json.dumps(p) for p in recipe.pip))
    lines += [f"RUN {cmd}" for cmd in recipe.install]
    # Whatever installing left in the tree (egg-info, build dirs) is not the agent's change.
    lines.append("RUN git ls-files -o --exclude-standard >> .git/info/exclude && git update-index -q --refresh"
                 " && test -z \"$(git status --porcelain --untracked-files=no)\" || "
                 "(echo 'install commands modified tracked files:' && git status --short && exit 1)")
    return "\n".join(lines) + "\n"


def ensure_repo_image(client: docker.DockerClient, recipe: RepoRecipe, base: str | None = None) -> str:
    """Tag of an image with the recipe's repository at /repo (HEAD = commit, clean tree); built once."""
    base = base or ensure_base_image(client)
    tag, commit = repo_tag(recipe, base)
    if image_exists(client, tag):
        return tag
    with _BuildLock(tag):
        if image_exists(client, tag):
            return tag
        with tempfile.TemporaryDirectory(prefix="swe-agent-repo-") as tmp:
            dest = Path(tmp) / "repo"
            url = recipe.git_url or Path(recipe.repo_path).resolve().as_uri()
            _git("init", "-q", str(dest))
            # Only the one commit: images stay small and the build context is quick to send.
            _git("fetch", "-q", "--depth", "1", url, commit, cwd=dest)
            _git("checkout", "-q", "--detach", "FETCH_HEAD", cwd=dest)
            (Path(tmp) / "Dockerfile").write_text(_repo_dockerfile(base, recipe))
            _build(client, Path(tmp), tag, {"swe-agent.kind": "repo", "swe-agent.commit": commit,
                                            "swe-agent.user": f"{SANDBOX_UID}:{SANDBOX_UID}"})
    return tag


def ensure_pip_image(client: docker.DockerClient, image: str, pip: list[str]) -> str:
    """`image` plus pip requirements (e.g. pytest where a SWE-bench environment lacks it: sympy's runs
    its own bin/test). The index is allowed for this one step (the offline environments set
    PIP_NO_INDEX). pip leaves a requirement the image already satisfies alone, so an editable install
    of the same package (pytest's own testbed) is not replaced. Built once per image and list."""
    key = json.dumps([RECIPE_VERSION, client.images.get(image).id, sorted(pip)])
    tag = f"swe-agent/pip:{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    if image_exists(client, tag):
        return tag
    with _BuildLock(tag):
        if not image_exists(client, tag):
            with tempfile.TemporaryDirectory(prefix="swe-agent-pip-") as tmp:
                (Path(tmp) / "Dockerfile").write_text(
                    f"FROM {image}\nRUN PIP_NO_INDEX=0 python -m pip install -q " + " ".join(json.dumps(p) for p in pip) + "\n")
                _build(client, Path(tmp), tag, {"swe-agent.kind": "pip"})
    return tag
