"""`swe-agent select`: thin glue from flags to agent/ensemble/run.py."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from agent.ensemble.methods import BASE, parts


def _fail(msg: str, code: int = 2):
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def select_cmd(
    ctx: typer.Context,
    dataset: Path = typer.Option(..., "--dataset", help="SWE-bench rows (.jsonl / .json, optionally .gz)."),
    predictions: list[Path] = typer.Option(..., "--predictions", help="Prediction files (official format), one per system: --predictions A.jsonl B.jsonl …"),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder (resumes when it exists)."),
    method: list[str] = typer.Option(["pipeline"], "--method", "-m", help=f"Selection method(s), repeatable: {', '.join(BASE)}, a chain A+B (A's choice, else B's: pipeline+majority never abstains) or a tie-break A:B (majority:consensus). The first one writes predictions.jsonl."),
    model_free: bool = typer.Option(False, "--model-free", help="No model at all: stages 3–6 use only the issue's own checks, behaviour probes and the repository's tests."),
    repo_mirror: Optional[Path] = typer.Option(None, "--repo-mirror", "--mirrors", help="Folder of bare git mirrors (owner+name)."),
    instances: list[str] = typer.Option([], "--instances", "-i", help="Instance ids (repeat or comma-separate); default: all in the prediction files."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Instances at once."),
    executor: str = typer.Option("local", "--executor", help="local (threads) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray executor)."),
    model: Optional[str] = typer.Option(None, "--model", help="Any litellm model string; default: the embedded local model."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Model server URL."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="NAME of the env var holding the model key."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML run configuration (per instance)."),
    set_: list[str] = typer.Option([], "-c", "--set", help="Override a config key: -c exec_timeout_s=60"),
    preset: Optional[str] = typer.Option(None, "--preset", help="small (default: local/small models) or strong (hosted models: more samples, the selection trajectory's own tests)."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", help="Hard cost cap for the WHOLE batch."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Hard token cap for the WHOLE batch."),
    instance_budget_usd: Optional[float] = typer.Option(None, "--instance-budget-usd", help="Cost cap per instance."),
    seed: int = typer.Option(0, "--seed", help="Seed of tie-breaks and of the random method."),
):
    """Choose among other systems' SWE-bench predictions: union of their patches per instance, then
    reproduction tests, execution matrix, reward and selection as in `solve`. Resumable."""
    from agent.batch.cli import _executor
    from agent.batch.runner import load_rows
    from agent.config import load_config
    from agent.ensemble.run import SelectOptions, run_select
    from agent.ensemble.sources import SourceMismatch
    from agent.interrupts import unwinding

    # `--predictions A B C`: click takes A, the rest arrive as extra arguments.
    files = list(predictions) + [Path(a) for a in ctx.args]
    for f in files:
        if not f.is_file():
            _fail(f"no prediction file {f}")
    for m in method:
        try:
            parts(m)
        except ValueError as err:
            _fail(str(err))
    if model_free and model and any("pipeline" in parts(m) for m in method):
        _fail("--model-free and --model contradict each other")
    ids = [i.strip() for item in instances for i in item.split(",") if i.strip()]
    try:
        cfg = load_config(config, set_, preset=preset, **{"model.name": model, "model.api_base": api_base,
                                                           "model.api_key_env": api_key_env})
        rows = load_rows(dataset, ids)
    except (ValueError, OSError, KeyError) as err:
        _fail(f"{err}")
    if not model_free:     # as `bench` and `solve`: refused before any image build or model call
        from agent.batch.cli import caps_problem
        if problem := caps_problem(cfg, budget_usd, instance_budget_usd, max_tokens, None):
            _fail(problem)
    if output.exists() and not output.is_dir():
        _fail(f"-o {output} is a file, not a folder")
    if repo_mirror is not None and not repo_mirror.is_dir():
        _fail(f"--repo-mirror {repo_mirror} is not a folder (of bare git mirrors named owner+name)")
    from agent.ensemble.sources import load_sources
    try:
        load_sources(files)          # read once up front: a bad file is refused before any folder is written
    except (ValueError, OSError) as err:
        _fail(f"bad prediction file: {err}")
    log = lambda msg: typer.echo(msg, err=True)  # noqa: E731
    if model_free and parts(method[0])[-1] == "pipeline":
        log("note: without a model, stage 6 abstains wherever no issue check was validated (most SWE-bench issues); "
            "predictions.jsonl takes the first --method: put `-m pipeline-top` (the same ranking, never abstaining) or "
            "`-m regression` first to submit")
    opts = SelectOptions(output=output, config=cfg, methods=list(dict.fromkeys(method)),
                         mirror_root=str(repo_mirror.resolve()) if repo_mirror else None, model_free=model_free, seed=seed,
                         budget_usd=budget_usd, max_tokens=max_tokens, instance_budget_usd=instance_budget_usd,
                         log=log)
    ex = _executor(executor, workers, address, 1.0)
    try:
        with unwinding(f"interrupted: finished instances are saved in {output}; rerun the same command to resume.",
                       reap=cfg.sandbox == "docker"):
            selections = run_select(rows, files, opts, ex)
    except SourceMismatch as err:
        _fail(str(err))
    finally:
        ex.close()
    for m in opts.methods:
        chosen = sum(1 for s in selections.values() if s.methods[m].candidate)
        typer.echo(f"{m}: {chosen}/{len(selections)} instance(s) with a chosen patch -> "
                   f"{output / f'predictions-{m}.jsonl'}")
    from agent.batch.cli import exit_code
    from agent.batch.folder import BatchFolder
    folder = BatchFolder(output)
    raise typer.Exit(exit_code([folder.status(iid) for iid in selections]))
