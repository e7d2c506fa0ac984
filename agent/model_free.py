"""The configuration of a run with no model at all (pure): what `select --model-free` and `bench --model-free` run.

Every model stage is off: localization by the repository map and BM25, tests are the issue's own checks, behaviour
comes from the issue's calls, no judge and no selection trajectory, no patch samples and no cloze fills. What is
left is the model-free repair search (one-token mutants, agent/stages/patch_mutants.py) and the execution evidence:
a baseline of what the agent fixes without a model, and a run that cannot spend anything."""
from __future__ import annotations

from agent.config import SolveConfig

MODEL = "model-free/none"    # a name no provider serves: a model call would fail loudly instead of spending


def model_free_config(config: SolveConfig, patch_samples: int = 0) -> SolveConfig:
    """`patch_samples`: samples whose patches are on disk already (select's prediction files), 0 for bench."""
    return config.model_copy(update={
        "localize": config.localize.model_copy(update={"samples": 0}),
        "test": config.test.model_copy(update={"samples": 0}),
        "probe": config.probe.model_copy(update={"samples": 0}),
        "patch": config.patch.model_copy(update={"samples": patch_samples, "cloze": 0, "early_stop": False}),
        "escalate": config.escalate.model_copy(update={"rounds": 0}),
        "use_reward": False, "use_selection_trajectory": False,
        "model": config.model.model_copy(update={"name": MODEL, "mock_response": None, "api_base": None})})
