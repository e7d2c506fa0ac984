"""Fixtures for the sandbox tests (registered by tests/conftest.py) and the tiny repository they use.

They build on `docker_client` (tests/support/engine.py; skips when no engine is reachable).
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

CALC = "def add(a, b):\n    return a - b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


@pytest.fixture
def venv_python_first(monkeypatch):
    """Local sandboxes run the caller's `python`: make it this test run's interpreter (it has pytest),
    as an activated virtualenv would, not a version manager's shim found later on PATH."""
    monkeypatch.setenv("PATH", f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")


def make_git_repo(root: Path) -> Path:
    """A tiny real repository with a bug (add subtracts) and a failing test."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TEST_CALC)
    (root / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (root / "run.sh").chmod(0o755)
    (root / ".gitignore").write_text("*.log\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    return root


@pytest.fixture(scope="session")
def sandbox_git_repo(tmp_path_factory) -> Path:
    return make_git_repo(tmp_path_factory.mktemp("sbrepo") / "repo")


@pytest.fixture(scope="session")
def repo_image(docker_client, sandbox_git_repo) -> str:
    from sandbox.images import RepoRecipe, ensure_repo_image
    return ensure_repo_image(docker_client, RepoRecipe(repo_path=str(sandbox_git_repo)))


@pytest.fixture(scope="session")
def sandbox_run_id() -> str:
    """A run id of this test session: gc tests only ever touch their own labels."""
    return f"pytest-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def docker_sandbox(docker_client, repo_image, sandbox_run_id):
    from sandbox.docker_sandbox import DockerSandbox
    with DockerSandbox.start(repo_image, client=docker_client, labels={"swe-agent.run": sandbox_run_id}) as sb:
        yield sb
