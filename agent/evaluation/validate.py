"""`validate`: the gold patch must resolve and an empty patch must not, per instance, here.

Anything else means the environment or the tests are broken on this machine; the table says why.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from swebench.harness.constants import KEY_INSTANCE_ID, LOG_REPORT, LOG_TEST_OUTPUT

from agent.evaluation import run_all, spec as specs
from agent.evaluation.dataset import gold_predictions
from agent.evaluation.run import log_dir_for

KINDS = (("gold", False), ("empty", True))
# What tests that need a network print in a container without one: failed DNS lookups (httpbin.org),
# or an unroutable address refused at once instead of timing out (requests' TARPIT connect-timeout tests).
_NO_NETWORK = ("Temporary failure in name resolution", "Name or service not known", "NameResolutionError",
               "[Errno 101] Network is unreachable")


def needs_internet(test_output: str) -> bool:
    return any(marker in test_output for marker in _NO_NETWORK)


def _opts(opts: run_all.EvalOptions, kind: str, empty: bool) -> run_all.EvalOptions:
    return run_all.EvalOptions(**{**asdict(opts), "run_id": f"{opts.run_id}-{kind}", "apply_empty": empty})


def _finished(row: dict, opts: run_all.EvalOptions) -> bool:
    """Both verdicts are on disk: nothing to build (the image may be gone or its recipe changed)."""
    return all((log_dir_for(opts.report_dir, f"{opts.run_id}-{kind}", pred) / LOG_REPORT).exists()
               for kind, empty in KINDS for pred in gold_predictions([row], empty=empty).values())


@dataclass
class Validation:
    instance_id: str
    env_built: bool
    gold_resolved: bool
    empty_unresolved: bool
    seconds: float
    build_s: float = 0.0
    reason: str = ""
    reused: bool = False         # both verdicts read from an earlier run's report.json
    env_s: float | None = None       # the environment image built in this run, seconds (None: it existed)
    instance_s: float | None = None  # the instance layer built in this run, seconds (None: it existed)
    env_mb: float | None = None      # environment image, MB (shared by the instances of one recipe)
    instance_mb: float | None = None  # the instance's own layers above it, MB

    @property
    def ok(self) -> bool:
        return self.env_built and self.gold_resolved and self.empty_unresolved


def _reason(v: Validation, gold, empty, build_error: str, gold_output: str = "", network: bool = False) -> str:
    if not v.env_built:
        return build_error
    parts = []
    if not v.gold_resolved and needs_internet(gold_output):
        parts.append("tests need the internet: DNS / connect failed even on the bridge network" if network else
                     "tests need a network (DNS / connect failed in the network-less container; the official "
                     "harness has one: see --network)")
    if not v.gold_resolved:
        parts.append(f"gold {gold.status}: {gold.reason}".strip(": "))
    if not v.empty_unresolved:
        parts.append(f"empty patch {empty.status}: {empty.reason or 'FAIL_TO_PASS already pass'}")
    return "; ".join(parts)


def validate(rows: list[dict], opts: run_all.EvalOptions, client=None, on_row=lambda v: None) -> list[Validation]:
    """One instance at a time end to end, so a long run reports progress and survives interruption
    (the logs of finished instances are reused on resume)."""
    client = client or run_all.docker_client(opts.timeout)
    out = []
    for row in rows:
        iid = row[KEY_INSTANCE_ID]
        start = time.monotonic()
        reused = _finished(row, opts)
        prep = ({iid: run_all.Prepared(row, spec=specs.offline_test_spec(row))} if reused
                else run_all.prepare(client, [row], opts))
        results = {kind: run_all.evaluate_all(client, prep, gold_predictions([row], empty=empty),
                                              _opts(opts, kind, empty))[iid] for kind, empty in KINDS}
        gold, empty = results["gold"], results["empty"]
        v = Validation(iid, env_built=not prep[iid].error, gold_resolved=gold.status == "resolved",
                       empty_unresolved=empty.status == "unresolved",
                       seconds=round(time.monotonic() - start, 1), build_s=round(prep[iid].build_s, 1),
                       reused=reused, **_build_facts(prep[iid].images))
        gold_log = log_dir_for(opts.report_dir, f"{opts.run_id}-gold", gold_predictions([row])[iid])
        out_path = gold_log / LOG_TEST_OUTPUT
        v.reason = _reason(v, gold, empty, prep[iid].error,
                           out_path.read_text(errors="replace") if out_path.exists() else "", opts.network)
        out.append(v)
        on_row(v)
    return out


def _build_facts(images) -> dict:
    if images is None:
        return {}
    r = lambda x: None if x is None else round(x, 1)  # noqa: E731
    return {"env_s": r(images.env_s), "instance_s": r(images.instance_s), "env_mb": images.env_mb,
            "instance_mb": images.instance_mb}


def _yn(flag: bool) -> str:
    return "yes" if flag else "**no**"


def to_markdown(rows: list[Validation]) -> str:
    lines = ["| instance | env built? | gold resolved? | empty unresolved? | seconds (build) | reason |",
             "|---|---|---|---|---|---|"]
    for v in rows:
        reason = v.reason.replace("|", "\\|").replace("\n", " ")[:300]
        secs = "reused" if v.reused else f"{v.seconds:.0f} ({v.build_s:.0f})"
        lines.append(f"| {v.instance_id} | {_yn(v.env_built)} | {_yn(v.gold_resolved)} | "
                     f"{_yn(v.empty_unresolved)} | {secs} | {reason} |")
    ok = sum(v.ok for v in rows)
    lines.append(f"\n{ok}/{len(rows)} instances valid here.\n")
    lines.append(per_repository(rows))
    return "\n".join(lines) + "\n"


def repository(instance_id: str) -> str:
    """owner/name of a SWE-bench instance id (`owner__name-123`)."""
    return instance_id.rsplit("-", 1)[0].replace("__", "/", 1)


def _median(xs: list[float]) -> str:
    xs = sorted(xs)
    if not xs:
        return "–"
    mid = len(xs) // 2
    return f"{(xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2):.0f}"


def per_repository(rows: list[Validation]) -> str:
    """Valid rows, build times and image sizes per repository. Build times count only images built in the
    run (an environment is built once per recipe, then reused); sizes: the environment image whole (shared
    by the instances of its recipe), the instance's own layers above it."""
    lines = ["| repository | instances | valid | env builds | env build s (median) | instance build s (median) | "
             "env image MB (max) | instance layers MB (median) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for repo in sorted({repository(v.instance_id) for v in rows}):
        group = [v for v in rows if repository(v.instance_id) == repo]
        envs = [v.env_s for v in group if v.env_s is not None]
        insts = [v.instance_s for v in group if v.instance_s is not None]
        env_mb = [v.env_mb for v in group if v.env_mb]
        inst_mb = [v.instance_mb for v in group if v.instance_mb]
        lines.append(f"| {repo} | {len(group)} | {sum(v.ok for v in group)} | {len(envs)} | {_median(envs)} | "
                     f"{_median(insts)} | {max(env_mb) if env_mb else '–'} | {_median(inst_mb)} |")
    return "\n".join(lines)


def earlier_rows(report_dir: Path, run_id: str) -> list[Validation]:
    """Rows an earlier call with this run id wrote (fields it did not know yet keep their defaults)."""
    path = report_dir / f"validation.{run_id}.json"
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text())
    except ValueError:
        return []
    known = set(Validation.__dataclass_fields__)
    return [Validation(**{k: v for k, v in r.items() if k in known}) for r in rows
            if isinstance(r, dict) and "instance_id" in r]


_COSTS = ("seconds", "build_s", "env_s", "instance_s", "env_mb", "instance_mb")


def _keep_costs(row: Validation, before: Validation | None) -> Validation:
    """A row whose verdicts were read back from disk (reused) keeps what building and running cost before."""
    if not row.reused or before is None or before.reused:
        return row
    return replace(row, **{k: getattr(before, k) for k in _COSTS})


def write(rows: list[Validation], report_dir: Path, run_id: str) -> tuple[Path, Path]:
    """The run id's table: rows of earlier calls with the same run id stay (one instance per call is how a
    long validation is spread over sessions); an instance validated again replaces its row."""
    report_dir.mkdir(parents=True, exist_ok=True)
    earlier = {v.instance_id: v for v in earlier_rows(report_dir, run_id)}
    fresh = {r.instance_id for r in rows}
    rows = [v for iid, v in earlier.items() if iid not in fresh] + [_keep_costs(v, earlier.get(v.instance_id)) for v in rows]
    md, js = report_dir / f"validation.{run_id}.md", report_dir / f"validation.{run_id}.json"
    for path, text in ((md, to_markdown(rows)), (js, json.dumps([asdict(v) for v in rows], indent=2))):
        tmp = path.with_name(path.name + ".tmp")  # atomic: a reader never sees half a table
        tmp.write_text(text)
        tmp.replace(path)
    return md, js
