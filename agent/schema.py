"""Every record that crosses a stage or reaches disk. Validated on load."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from agent.timing import StageTime

Outcome = Literal["pass", "fail", "error", "timeout", "apply_failed"]


class Issue(BaseModel):
    id: str                         # "local-<hash>" or "owner/repo#N" or a SWE-bench instance id
    title: str = ""
    body: str                       # untrusted text: always quoted as data in prompts
    url: str | None = None
    labels: list[str] = Field(default_factory=list)
    comments: list[str] = Field(default_factory=list)


class RepoRef(BaseModel):
    path: str                       # host path of the git repository
    base_commit: str
    image: str | None = None        # sandbox image holding the repo at /repo


class Location(BaseModel):
    file: str
    symbol: str | None = None       # "Class.method" / "function" / None for whole file
    start_line: int | None = None
    end_line: int | None = None
    score: float = 0.0
    votes: int = 0


class Step(BaseModel):
    """One turn of a trajectory: what the model said and what running it showed."""
    reply: str
    command: str | None = None
    observation: str | None = None
    exit_code: int | None = None
    error: str | None = None        # format error fed back to the model
    temperature: float | None = None  # this turn's, when it differs from the trajectory's (a stuck greedy one)
    fresh: bool = False             # asked afresh: the first prompt and a note, not the conversation (retry_fresh)


class SpendRecord(BaseModel):
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class PatchAttempt(BaseModel):
    """One usable edit of a patch trajectory (the first answer or a revision): each is a candidate."""
    step: int                        # index of the step that produced it
    diff: str
    files_after: dict[str, str | None] = Field(default_factory=dict)
    rules: list[str] = Field(default_factory=list)      # how each edit landed ("exact", "fuzzy", "function:f" …)
    checks: dict[str, str] = Field(default_factory=dict)  # kept test id -> outcome in the sample's sandbox


class PatchOutput(BaseModel):
    """A patch trajectory's output: its final edit (None when it ended without one) and every usable
    edit, the first and each revision (each one is a candidate)."""
    diff: str | None = None
    files_after: dict[str, str | None] | None = None   # path -> content after the edit (None = deleted)
    attempts: list[PatchAttempt] = Field(default_factory=list)


# Trajectories written before `output` had one field per stage (only their stage's set).
_PATCH_FIELDS = ("diff", "files_after", "attempts")
_STAGE_FIELDS = ("locations", "test", "verdict", "probe")


class Trajectory(BaseModel):
    stage: str
    sample: int
    model: str = ""
    temperature: float = 0.0
    seed: int | None = None
    variant: dict = Field(default_factory=dict)          # prompt variant of this sample (edit format …)
    messages: list[dict] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    status: Literal["ok", "no_output", "error", "budget"] = "ok"
    error: str | None = None
    # An error a later call may not meet (the model failed every try of a call): the sample counts as failed in
    # this run but is not written, so a resume runs it again (agent/sampling.py). Never saved.
    retry_on_resume: bool = Field(False, exclude=True)
    spend: SpendRecord = Field(default_factory=SpendRecord)
    duration_s: float = 0.0
    # The stage's result, any JSON-able value: the loop's value unless the stage records more —
    # list[Location] (localize), PatchOutput (patch), TestCase (test), list[str] (probe statements),
    # a dict (reward / select verdicts). Read it typed with `output_as` / `patch`.
    output: Any = None

    @model_validator(mode="before")
    @classmethod
    def _stage_fields(cls, data: Any) -> Any:
        """Old run folders: the per-stage field that is set becomes `output`."""
        if not isinstance(data, dict) or not any(k in data for k in _PATCH_FIELDS + _STAGE_FIELDS):
            return data
        data = dict(data)
        old = {k: data.pop(k) for k in _PATCH_FIELDS + _STAGE_FIELDS if k in data}
        if data.get("output") is None:
            if old.get("diff") is not None or old.get("files_after") is not None or old.get("attempts"):
                data["output"] = {k: old.get(k) for k in _PATCH_FIELDS} | {"attempts": old.get("attempts") or []}
            else:
                data["output"] = next((old[k] for k in _STAGE_FIELDS if old.get(k) is not None), None)
        return data

    def output_as(self, kind: Any) -> Any:
        """`output` read as `kind` (a model, or a type such as list[Location]): JSON after a load,
        typed as the stage set it before. None when it is unset or not a `kind`."""
        if self.output is None:
            return None
        try:
            return _adapter(kind).validate_python(self.output)
        except ValidationError:
            return None

    @property
    def patch(self) -> PatchOutput:
        """A patch trajectory's output (empty when it has none)."""
        return self.output_as(PatchOutput) or PatchOutput()


class Candidate(BaseModel):
    id: str                          # "c" + short hash of the normalized key
    diff: str
    key: str                         # normalized form used for deduplication
    samples: list[int]               # patch samples that produced it
    files: list[str]
    mutants: list[str] = Field(default_factory=list)   # model-free repairs that produced it (their rules)

    @property
    def count(self) -> int:
        return len(self.samples)


class TestCase(BaseModel):
    __test__ = False                 # not a pytest class
    id: str                          # "t000"
    sample: int
    path: str                        # path inside the repository
    content: str
    command: str                     # how to run it from the repository root
    original_outcome: Outcome | None = None
    original_output: str = ""
    kept: bool = False
    reason: str = ""
    # "issue": built from the issue's own stated values (agent/issue_checks.py), not by a model.
    origin: Literal["model", "issue", "issue_value"] = "model"   # issue_value: the issue's value, a model's call
    # Issue checks: what the issue states (agent/issue_checks.py Kind): "equals", "contains" and "raises_not" state a
    # value, "not_raises" only that an error must disappear; "" for model tests and older run folders.
    check_kind: str = ""


class Cell(BaseModel):
    candidate: str
    test: str                        # a TestCase id, or "regression"
    outcome: Outcome
    duration_s: float = 0.0
    output_tail: str = ""
    failed_tests: list[str] = Field(default_factory=list)   # for the regression column
    origin: Literal["model", "issue", "issue_value"] = "model"   # the test's origin (issue checks veto)
    tampered: list[str] = Field(default_factory=list)       # test/config/CI files the candidate edits
    junit: dict[str, int] | None = None                     # tests/failures/errors/skipped from JUnit XML


class ExecutionMatrix(BaseModel):
    candidates: list[str]
    tests: list[str]
    cells: list[Cell]
    regression_command: str | None = None
    baseline_regression: Cell | None = None     # the repository's tests on the original code

    def get(self, candidate: str, test: str) -> Cell | None:
        for c in self.cells:
            if c.candidate == candidate and c.test == test:
                return c
        return None

    def passed(self, candidate: str, tests=None) -> list[str]:
        """Which of `tests` (default: the kept tests) the candidate passes, in their order."""
        return [t for t in (self.tests if tests is None else tests)
                if (cell := self.get(candidate, t)) is not None and cell.outcome == "pass"]


class RewardScore(BaseModel):
    candidate: str
    scores: list[float]              # each in [0, 1]; empty: no usable judgement (no verdict, not a 0)
    mean: float
    rationales: list[str] = Field(default_factory=list)


class RankedCandidate(BaseModel):
    candidate: str
    score: float
    tests_passed: int
    tests_total: int
    weighted_pass: float
    regression_ok: bool | None
    reward: float | None
    count: int
    support: int | None = None       # samples behind its behaviour cluster (None: no behaviour evidence)
    unchanged: bool = False          # behaves like the original code on the probes: cannot fix the issue
    # Its agreement (support, else count) over the distinct patch samples behind candidates that change
    # behaviour. Samples, not candidates: revisions give one sample several candidates (None: older runs).
    share: float | None = None
    cluster: str | None = None       # its behaviour signature (None: no behaviour evidence, or older runs)


class BehaviourCluster(BaseModel):
    signature: str                   # hash of the normalized probe outputs
    candidates: list[str]
    support: int                     # distinct patch samples behind its candidates
    changed: bool                    # differs from the original code's behaviour
    issue_ok: bool                   # a member passes every issue-grounded check (True when there are none)
    preview: str = ""                # the outputs, shortened (for people)


class Behaviour(BaseModel):
    """Behaviour voting over probe outputs (agent/behaviour.py): 04_execution/behaviour.json."""
    original: str | None             # the original code's signature (None: it could not be observed)
    signatures: dict[str, str | None] = Field(default_factory=dict)   # candidate -> signature (None: not observed)
    clusters: list[BehaviourCluster] = Field(default_factory=list)   # largest support first
    unchanged: list[str] = Field(default_factory=list)   # candidates behaving like the original code
    best: str | None = None          # largest changed cluster passing the issue's checks
    informative: bool = False        # some candidate changed behaviour (else the probes missed the change)
    ignored: list[str] = Field(default_factory=list)     # probe statements unstable on the original code

    def support(self, candidate: str) -> int | None:
        sig = self.signatures.get(candidate)
        return next((k.support for k in self.clusters if k.signature == sig), None) if sig else None


class Decision(BaseModel):
    status: Literal["selected", "abstained"]
    candidate: str | None = None
    confidence: float = 0.0
    ranking: list[RankedCandidate] = Field(default_factory=list)
    diagnosis: str = ""
    method: str = ""                 # "unanimous", "ranking", "selection_trajectory", …
    tests: list[str] = Field(default_factory=list)   # the kept tests it was decided on (resume: same evidence)


class StageSummary(BaseModel):
    samples: int = 0       # sample trajectories run (the patch stage: asked for over all rounds, at least)
    finished: int = 0      # of those, the ones that ended with an output (status "ok")
    failed: int = 0        # ended without one: no usable answer, a model or sandbox error, the budget
    spend: SpendRecord = Field(default_factory=SpendRecord)
    time: StageTime | None = None     # wall seconds split into model / sandbox / ours (agent/timing.py)


class Result(BaseModel):
    issue_id: str
    status: Literal["selected", "abstained", "budget_exhausted", "failed"]
    final_diff: str = ""
    candidate: str | None = None
    confidence: float = 0.0
    diagnosis: str = ""
    n_candidates: int = 0
    n_patch_samples: int = 0
    n_tests_kept: int = 0
    n_tests_written: int = 0
    stages: dict[str, StageSummary] = Field(default_factory=dict)
    cost_usd: float = 0.0
    tokens: int = 0
    duration_s: float = 0.0
    stopped_reason: str | None = None
    funnel: dict = Field(default_factory=dict)          # patch samples → parsed → applied → … (agent/funnel.py)
    rounds: list[dict] = Field(default_factory=list)    # escalation rounds: samples added, decision after
    time: StageTime | None = None    # the whole run: model / sandbox / our own seconds of duration_s


Trajectory.model_rebuild()


@lru_cache(maxsize=None)
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)
