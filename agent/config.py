"""Run configuration: one YAML file (or defaults) plus `-c key=value` overrides.

Defaults are sized for the embedded 1.5B model on 2 CPU cores: few steps per trajectory
(it loops as a free-form agent), short prompts, a handful of samples.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from agent.model.base import ModelConfig


class StageConfig(BaseModel):
    samples: int = 2
    temperature: float = 0.8          # diversity is the point of sampling
    max_steps: int = 1                # >1 lets strong models read/run before answering
    model: ModelConfig | None = None  # per-stage override of the run's model


class SolveConfig(BaseModel):
    model: ModelConfig = Field(default_factory=ModelConfig)
    localize: StageConfig = Field(default_factory=lambda: StageConfig(samples=1, temperature=0.3))
    patch: StageConfig = Field(default_factory=lambda: StageConfig(samples=4, temperature=0.8))
    test: StageConfig = Field(default_factory=lambda: StageConfig(samples=2, temperature=0.8))
    reward: StageConfig = Field(default_factory=lambda: StageConfig(samples=2, temperature=0.5))
    select: StageConfig = Field(default_factory=lambda: StageConfig(samples=1, temperature=0.0, max_steps=2))
    budget_usd: float | None = None
    max_tokens: int | None = None
    workers: int = 2                  # parallel trajectories; the local model serves ~1 at a time anyway
    sandbox: Literal["docker", "local"] = "docker"
    exec_timeout_s: float = 120.0
    regression: bool = True           # run the repository's own tests that cover touched files
    early_stop: bool = True           # stop sampling patches once evidence is decisive
    early_stop_agree: int = 3         # … i.e. this many samples agree on a candidate passing all kept tests
    top_k: int = 3                    # candidates shown to the selection trajectory
    abstain_below: float = 0.45       # below this confidence we abstain (a judge alone cannot reach it when kept tests all fail)
    use_reward: bool = True
    use_selection_trajectory: bool = True
    image: str | None = None          # a prebuilt image holding the repository (SWE-bench instance images)
    workdir: str = "/repo"            # where that image keeps the repository (SWE-bench: /testbed)
    pip: list[str] = Field(default_factory=list)   # extra requirements for the repository image
    install: list[str] = Field(default_factory=list)


def _set_dotted(data: dict, key: str, value) -> None:
    parts = key.split(".")
    cur = data
    for p in parts[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[parts[-1]] = value


def _merge(into: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


def load_config(path: Path | None = None, overrides: list[str] | None = None, **top) -> SolveConfig:
    # Start from the defaults so that setting one key of a stage keeps that stage's other defaults.
    data: dict = SolveConfig().model_dump()
    if path:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a mapping of config keys")
        _merge(data, loaded)
    for item in overrides or []:
        if "=" not in item:
            raise ValueError(f"override {item!r} is not of the form key=value")
        k, v = item.split("=", 1)
        _set_dotted(data, k.strip(), yaml.safe_load(v))
    for k, v in top.items():
        if v is not None:
            _set_dotted(data, k, v)
    return SolveConfig.model_validate(data)
