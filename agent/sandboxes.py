"""Where a run's sandboxes come from: one repository image, one copy-on-write container per use."""
from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Callable

from agent.config import SolveConfig
from agent.registry import SANDBOX_BACKENDS


def default_install(files: set[str]) -> list[str]:
    """Install commands a Python repository most likely needs (pure). Users override with `install`."""
    if "pyproject.toml" in files or "setup.py" in files:
        return ["pip install -e ."]
    if "requirements.txt" in files:
        return ["pip install -r requirements.txt"]
    return []


def sandbox_factory(config: SolveConfig, repo: Path, commit: str, *, run_id: str,
                    stack: ExitStack) -> Callable[[], object]:
    """The backend named by `config.sandbox` (a registered name or an import path, agent/registry.py).
    A backend is `factory(config, repo, commit, *, run_id, stack) -> (() -> Sandbox)`: it prepares
    once (images, clients; cleanup goes on `stack`) and returns what opens one fresh sandbox."""
    backend = SANDBOX_BACKENDS.resolve(config.sandbox)
    return backend(config, repo, commit, run_id=run_id, stack=stack)


def local_backend(config: SolveConfig, repo: Path, commit: str, *, run_id: str,
                  stack: ExitStack) -> Callable[[], object]:
    """A git worktree per sandbox: NO isolation (tests, trusted local use)."""
    from sandbox.local_sandbox import LocalSandbox
    return lambda: LocalSandbox(repo, commit=commit)


def docker_backend(config: SolveConfig, repo: Path, commit: str, *, run_id: str,
                   stack: ExitStack) -> Callable[[], object]:
    """A repository image built once (or `config.image`), one copy-on-write container per sandbox."""
    from sandbox.docker_sandbox import DockerSandbox
    from sandbox.engine import connect
    from sandbox.images import RepoRecipe, ensure_repo_image

    client = connect()
    stack.callback(client.close)
    from sandbox.gc import reap_orphans
    reap_orphans(client)   # containers of runs killed with SIGKILL (they could not clean up)
    labels = {"swe-agent.run": run_id}
    if config.image:
        image = config.image
        if config.pip:   # extra requirements on top of a prebuilt image
            from sandbox.images import ensure_pip_image
            image = ensure_pip_image(client, image, list(config.pip))
        return lambda: DockerSandbox.start(image, client=client, labels=labels, workdir=config.workdir)
    from agent.repo_input import tracked_files
    install = config.install or default_install(set(tracked_files(Path(repo), commit)))
    image = ensure_repo_image(client, RepoRecipe(repo_path=str(repo), commit=commit, pip=list(config.pip),
                                                 install=install))
    return lambda: DockerSandbox.start(image, client=client, labels=labels)
