"""The Docker engine fixture (registered by tests/conftest.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def docker_client():
    """A client of the real engine; the tests that need it skip, clearly, only when none is reachable."""
    try:
        from sandbox.engine import EngineUnavailable, connect
    except ImportError as err:  # pragma: no cover
        pytest.skip(f"sandbox package unavailable: {err}")
    try:
        client = connect()
    except EngineUnavailable as err:
        pytest.skip(f"no Docker engine: {err}")
    yield client
    client.close()


@pytest.fixture(scope="module")
def slow_docker_client():
    """A client for image builds and long evaluations: a 20-minute API timeout instead of the default."""
    import docker
    try:
        client = docker.from_env(timeout=1200)
        client.ping()
    except Exception as err:  # noqa: BLE001
        pytest.skip(f"no Docker engine: {err}")
    yield client
    client.close()
