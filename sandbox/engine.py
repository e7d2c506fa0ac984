"""Connect to a Docker engine, or explain how to get one."""
from __future__ import annotations

import docker

HOW_TO_FIX = (
    "No Docker engine is reachable. Either\n"
    "  - run `sudo bash scripts/setup_engine.sh` (Debian/Ubuntu: installs docker.io, starts dockerd, "
    "builds the base image), or\n"
    "  - start Docker Desktop / `dockerd` yourself (and check DOCKER_HOST and socket permissions), or\n"
    "  - use `--sandbox local` (runs commands directly on this machine: NO isolation)."
)


class EngineUnavailable(RuntimeError):
    """No Docker engine answered; the message says how to get one."""


def connect(timeout: float = 120.0) -> docker.DockerClient:
    """A client of the engine named by the environment (DOCKER_HOST or the default socket).

    `timeout` is the HTTP timeout of one API call; builds and commits can be slow on busy machines.
    """
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as err:  # DockerException, connection refused, permission denied, missing socket...
        raise EngineUnavailable(f"{HOW_TO_FIX}\n(cause: {err})") from err
    return client
