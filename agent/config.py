"""Run configuration: one YAML file (or defaults) plus `-c key=value` overrides.

Defaults are sized for the embedded 1.5B model on 2 CPU cores: few steps per trajectory
(it loops as a free-form agent), short prompts, a handful of samples.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from agent.config_keys import unknown_keys
from agent.model.base import ModelConfig
from agent.registry import SANDBOX_BACKENDS, VERIFIERS


class StageConfig(BaseModel):
    samples: int = Field(2, ge=0)     # 0 skips the stage
    temperature: float = Field(0.8, ge=0.0, le=2.0)   # diversity is the point of sampling
    max_steps: int = Field(1, ge=1)   # >1 lets strong models read/run before answering
    model: ModelConfig | None = None  # per-stage override of the run's model
    # Per-call cap on this stage's answers (None: model.max_tokens). A small model that falls into a
    # repetition loop writes until the cap: at ~5 tokens/s on a CPU that is minutes per call.
    max_tokens: int | None = Field(None, ge=1)
    # A stuck greedy sample's later turns (agent/loop.py): None = the stage's temperature (0.7 when it is 0); 0 = never.
    retry_temperature: float | None = Field(None, ge=0.0, le=2.0)
    # After an unusable answer (no edit, a no-op, a cut-off block), ask again from the first prompt with the
    # feedback as a note, not in the conversation that shows the answer: a small model mostly copies it (agent/loop.py).
    retry_fresh: bool = False


class TestConfig(StageConfig):
    # Values the issue states in prose with no call shown: the model writes only the call (one greedy
    # answer each, at most this many); the expected value stays the (agent/stages/testgen.py).
    value_calls: int = Field(2, ge=0)
    # A traceback the issue shows with no call the text gives (and no kept issue check): the model writes only
    # the call that raises it, kept when it raises the shown error in the shown function (agent/issue_traceback.py).
    traceback_calls: int = Field(1, ge=0)
    # A model-written test that fails on its own missing or misplaced import gets the import and runs again
    # (agent/repro_imports.py). Off by default (replayed on the train split it kept 2 more of the 1.5B model's
    # tests, neither right); the strong preset turns it on.
    repair_imports: bool = False


EditFormat = Literal["auto", "search_replace", "function", "whole_file"]


class PatchConfig(StageConfig):
    samples: int = Field(4, ge=0)
    # Hotter than other stages: on the train split (S = 4) 1.2 gave 18 correct sampled samples of 66 against 15 at 0.8
    # (docs/measurements.md "Patch temperature"); a stuck greedy sample's later turns stay at 0.8, as measured.
    temperature: float = Field(1.2, ge=0.0, le=2.0)
    retry_temperature: float | None = Field(0.8, ge=0.0, le=2.0)
    # "auto" picks per model and file size (agent/editing.py choose_format); a list rotates formats
    # over samples (prompt diversity, as CodeMonkeys/Agentless vary prompts); each sample records its own.
    edit_format: EditFormat | list[EditFormat] = "auto"
    # Revision turns driven by the kept checks failing on the sample's edit (1.5B rarely recovers after 2; ~10 s each).
    max_revisions: int = Field(2, ge=0)
    # Which kept checks drive revisions: "issue" = the issue's own expectations when there are any
    # (model-written tests can assert invented values and would steer revisions wrong), "all" = every kept test.
    revise_with: Literal["issue", "all", "none"] = "issue"
    max_format_errors: int = Field(1, ge=0)   # a no-op or non-compiling edit gets one feedback turn, then fails
    retry_fresh: bool = True   # that turn asked afresh (StageConfig.retry_fresh): train, 17 edits of 38 against 10
    # Point samples at one suspect each (agent/focus.py): "alternate" = odd samples take the suspects (located
    # functions' helpers, then the functions) in turn; "rotate" = all but sample 0; "none" = none.
    focus: Literal["none", "alternate", "rotate"] = "alternate"
    # Show what the issue's own checks returned on the original code ("f(100) returned 148.0; the issue
    # expects 212.0") in every patch prompt. Off until the train-split A/B (scripts/bench_candidates.py) says.
    observed: bool = False
    # A sentence naming the wrong line before the code (true: all samples, "greedy": sample 0); docs/measurements.md.
    think: bool | Literal["greedy"] = False
    # Feedback to an answer with no usable edit names a function to rewrite (patch.py `pointer`); false: only a
    # function-format reply with no function. Off: on 3 train examples (S=2) it rescued 0 of 3 (measurements.md).
    pointer: bool = False
    # A whole file sent back unchanged: "again" = make a real change; "one_line" = the suspect's one wrong line as
    # SEARCH/REPLACE (train replay: 4 real edits of 39 against 7, none correct, 0.2x the time; docs/measurements.md).
    unchanged_ask: Literal["again", "one_line"] = "again"
    # Model-free one-token repairs of the suspects tried against the checks (agent/mutate.py); 0 = off.
    mutants: int = Field(60, ge=0)
    # Pieces (agent/pieces.py): one candidate per function an edit changed (the others put back); at most this many.
    pieces: int = Field(30, ge=0)
    # Cloze repair (agent/cloze.py): hide one line of a suspect function at a time and let the model fill it;
    # fills that change the code are tried like the mutants above. At most this many fills (model calls of
    # ~1 line each), 0 = off. "fim" = fill-in-the-middle (code models served raw), "chat" = any model,
    # "mixed" = rounds of both (agent/stages/patch_cloze.py ROUNDS); "auto" = mixed where fim works, else chat.
    # On by default (docs/measurements.md "Cloze repair"): it fixed instances no sample or mutant fixed; asked only
    # when no sample's edit passes the checks.
    cloze: int = Field(40, ge=0)
    cloze_mode: Literal["auto", "mixed", "fim", "chat"] = "auto"
    cloze_temperature: float = Field(0.8, ge=0.0, le=2.0)   # the fills' sampled rounds, as measured (not `temperature`)
    regenerate: int = Field(0, ge=0)   # suspect functions' tails written anew (agent/regenerate.py); 0 = off
    # Let issue checks that only say "the shown error must disappear" drive the searches above; passing tries are kept
    # only when they agree on what the calls return (patch_mutants.agreeing). "all": mutants, pieces and cloze
    # fills; "one_token": one-token mutants only (12 synth train instances: 3 fixed, no wrong one; cloze fills kept wrong
    # ones on dev train: measurements.md "Error-gone repairs", "Error-gone one-token repairs"); "off". true/false: all/off.
    mutants_error_gone: Literal["off", "one_token", "all"] = "one_token"

    @field_validator("mutants_error_gone", mode="before")
    @classmethod
    def _error_gone_bool(cls, v):
        return {True: "all", False: "off"}.get(v, v) if isinstance(v, bool) else v
    # A file located as a whole, in function-format prompts: "outline" = def/class headers only (measurements.md).
    function_excerpt: Literal["full", "outline"] = "outline"
    # Each shown file's module docstring (at most this many lines) heads its patch-prompt excerpt; 0 = none.
    module_doc: int = Field(0, ge=0)
    # Whole-file answers start with given text (agent/prefill.py): the fence, the first line, or up to the suspect.
    prefill: Literal["none", "fence", "line", "focus"] = "none"
    early_stop: bool = True           # stop sampling patches once evidence is decisive: this many samples agree on
    early_stop_agree: int = Field(3, ge=1)   # a candidate passing all kept tests


class ExecuteConfig(BaseModel):
    """Stage 4 (no model): what runs besides the kept tests."""
    regression: bool = True           # run the repository's own tests that cover touched files


class EscalateConfig(BaseModel):
    """Think longer only where the evidence is weak: before abstaining, sample more and decide again."""
    rounds: int = Field(1, ge=0)      # extra rounds at most (0 = abstain at once)
    patch_samples: int = Field(4, ge=0)   # added per round
    test_samples: int = Field(1, ge=0)    # added per round (only while no kept test exists)


class RewardConfig(StageConfig):
    # Who scores candidates: a name in agent/registry.py VERIFIERS or an import path to a
    # `factory(config) -> Verifier` (agent/stages/reward.py).
    # yes_no (one token, P(yes) from log probabilities) is the default: on the train split's labelled
    # candidates (scripts/bench_judge.py, embedded 1.5B) it separated right from wrong with AUC 0.68
    # (0.74 within instances) against llm_judge's 0.53 (0.49), in 0.11x the time. The strong preset
    # keeps llm_judge: hosted models may return no log probabilities, and their rationales are worth reading.
    verifier: str = "yes_no"

    @field_validator("verifier")
    @classmethod
    def _known_verifier(cls, v: str) -> str:
        return VERIFIERS.check(v)


class SelectConfig(StageConfig):
    """Stage 6: the selection trajectory's sampling, and how ranking weighs its signals and what a
    confidence means (agent/calibration.py)."""
    samples: int = Field(1, ge=0)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_steps: int = Field(2, ge=1)
    top_k: int = Field(3, ge=1)       # candidates shown to the selection trajectory
    abstain_below: float = Field(0.45, ge=0.0, le=1.0)   # below this confidence we abstain (a judge alone cannot reach it when kept tests all fail)
    # Overrides of agent.ranking.Weights fields, e.g. {reward: 0.05}; applied after the calibration file's.
    weights: dict[str, float] = Field(default_factory=dict)
    # A JSON written by scripts/bench_select.py --fit ("preset": agent/presets/calibration.json): fitted
    # weights, a confidence curve and its abstain threshold, which then replaces abstain_below.
    # None keeps the hand-set weights and raw confidence.
    calibration: str | None = None


# Keys that moved under the stage owning them. Old config files, saved run configs and `-c` keys
# keep loading: each old key is read as its new one (a DeprecationWarning names the new spelling).
# A renamed section renames every key below it: selection.weights.votes → select.weights.votes.
RENAMED = {
    "early_stop": "patch.early_stop",
    "early_stop_agree": "patch.early_stop_agree",
    "regression": "execute.regression",
    "top_k": "select.top_k",
    "abstain_below": "select.abstain_below",
    "selection": "select",            # selection.weights, selection.calibration
}


def upgrade_key(key: str) -> str:
    head, dot, rest = key.partition(".")
    new = RENAMED.get(head)
    if new is None:
        return key
    warnings.warn(f"config key {head!r} is deprecated; use {new!r}", DeprecationWarning, stacklevel=3)
    return new + dot + rest


def upgrade(data: dict) -> dict:
    """A config mapping with renamed keys moved to their new place (an old spelling wins over the
    default it lands on: whoever wrote it meant it)."""
    if not any(k in data for k in RENAMED):
        return data
    data = dict(data)
    for old in [k for k in data if k in RENAMED]:
        value = data.pop(old)
        new = upgrade_key(old)
        if isinstance(value, dict):      # a whole section: keep the new section's other keys
            for sub, v in value.items():
                _set_dotted(data, f"{new}.{sub}", v)
        else:
            _set_dotted(data, new, value)
    return data


class SolveConfig(BaseModel):
    model: ModelConfig = Field(default_factory=ModelConfig)
    seed: int | None = 0              # per-sample seeds derive from it (None: the provider's own randomness)
    localize: StageConfig = Field(default_factory=lambda: StageConfig(samples=1, temperature=0.3))
    patch: PatchConfig = Field(default_factory=PatchConfig)
    # A reproduction test is ~100-400 tokens; a small model can repeat ever longer asserts up to the cap (test split:
    # 4 x 1,024 tokens, 1,122 s). 768 stops it sooner; the cut-off file keeps its leading lines (cutoff.extract_test).
    test: TestConfig = Field(default_factory=lambda: TestConfig(samples=2, temperature=0.8, max_tokens=768))
    execute: ExecuteConfig = Field(default_factory=ExecuteConfig)
    reward: RewardConfig = Field(default_factory=lambda: RewardConfig(samples=2, temperature=0.5))
    select: SelectConfig = Field(default_factory=SelectConfig)
    # Probe inputs for behaviour voting (agent/behaviour.py): one model-written script besides the issue's
    # own calls; sample 0 is greedy, more samples widen the probes (all candidates run all of them).
    # A probe script is a few calls (~100-300 tokens): 512 stops a looping one early (parse_probe keeps what parses);
    # a refused script is asked afresh (train: 9 of 9 usable against 6 of 9 shown its answer, docs/reports/probe-retry).
    probe: StageConfig = Field(default_factory=lambda: StageConfig(samples=1, temperature=0.5, max_tokens=512, retry_fresh=True))
    budget_usd: float | None = Field(None, ge=0)   # 0 = spend nothing
    max_tokens: int | None = Field(None, ge=0)
    workers: int = Field(2, ge=1, le=64)   # parallel trajectories (0 would never finish a round); the local model serves ~1 at a time
    # Where code runs: "docker" (isolated), "local" (NO isolation), or an import path to a backend
    # factory (agent/registry.py SANDBOX_BACKENDS, agent/sandboxes.py).
    sandbox: str = "docker"
    exec_timeout_s: float = Field(120.0, gt=0)
    escalate: EscalateConfig = Field(default_factory=EscalateConfig)
    use_reward: bool = True
    use_probes: bool = True           # behaviour voting: cluster candidates by what they do on probe inputs
    use_selection_trajectory: bool = False   # on in presets/strong.yaml (docs/reports/select-trajectory)
    image: str | None = None          # a prebuilt image holding the repository (SWE-bench instance images)
    workdir: str = "/repo"            # where that image keeps the repository (SWE-bench: /testbed)
    pip: list[str] = Field(default_factory=list)   # extra requirements for the repository image
    install: list[str] = Field(default_factory=list)

    @field_validator("sandbox")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        return SANDBOX_BACKENDS.check(v)

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data):
        return upgrade(data) if isinstance(data, dict) else data


def _set_dotted(data: dict, key: str, value) -> None:
    parts = key.split(".")
    cur = data
    for p in parts[:-1]:
        # a copy along the path: the sections may be shared with a caller's mapping (or be models)
        section = cur.get(p)
        cur[p] = section.model_dump() if isinstance(section, BaseModel) else dict(section) if isinstance(section, dict) else {}
        cur = cur[p]
    cur[parts[-1]] = value


def _merge(into: dict, new: dict) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into[k] = v


PRESETS = ("small", "strong")


def preset_path(name: str) -> Path:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return Path(__file__).resolve().parent / "presets" / f"{name}.yaml"


def load_config(path: Path | None = None, overrides: list[str] | None = None, preset: str | None = None,
                **top) -> SolveConfig:
    """Defaults < preset < config file < -c overrides < explicit options."""
    # Start from the defaults so that setting one key of a stage keeps that stage's other defaults.
    try:
        return _load(path, overrides, preset, top)
    except yaml.YAMLError as err:   # a malformed file or -c value: a bad configuration, not a crash
        raise ValueError(f"not valid YAML: {' '.join(str(err).split())}") from None
    except ValidationError as err:  # one line per bad value: where, why, what was given
        raise ValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
                                   for e in err.errors())) from None


def _load(path: Path | None, overrides: list[str] | None, preset: str | None, top: dict) -> SolveConfig:
    data: dict = SolveConfig().model_dump()
    if preset:
        _merge(data, upgrade(yaml.safe_load(preset_path(preset).read_text()) or {}))
    if path:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a mapping of config keys")
        _merge(data, upgrade(loaded))
    for item in overrides or []:
        if "=" not in item:
            raise ValueError(f"override {item!r} is not of the form key=value")
        k, v = item.split("=", 1)
        _set_dotted(data, upgrade_key(k.strip()), yaml.safe_load(v))
    for k, v in top.items():
        if v is not None:
            _set_dotted(data, upgrade_key(k), v)
    if unknown := unknown_keys(data, SolveConfig):
        raise ValueError("unknown config key" + ("s" if len(unknown) > 1 else "") + ": " + ", ".join(unknown))
    return SolveConfig.model_validate(data)
