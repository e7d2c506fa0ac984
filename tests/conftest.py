import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402

# tests/data holds other projects' repositories (their own test suites are data here, not tests).
collect_ignore_glob = ["data/*"]


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


from conftest_model import embedded_model  # noqa: E402,F401  one real llama.cpp server per session
