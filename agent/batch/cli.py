"""`swe-agent bench`: thin glue from flags to the batch driver, and the final table."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from agent.interrupts import unwinding

app = typer.Typer(add_completion=False, help="Batch runs over a SWE-bench style dataset.")


@app.callback()
def _group() -> None:
    # Keeps `bench` a named subcommand even though it is the only one (`python -m agent.batch.cli bench`).
    pass


def _fail(msg: str, code: int = 2):
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def bench(
    dataset: Path = typer.Option(..., "--dataset", help="SWE-bench rows (.jsonl / .json, optionally .gz)."),
    instances: list[str] = typer.Option([], "--instances", "-i", help="Instance ids (repeat or comma-separate); default: all."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Batch folder (resumes when it exists). Default: runs/bench-<dataset>."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Instances at once (local executor; Ray: default = cluster CPUs / --num-cpus)."),
    executor: str = typer.Option("local", "--executor", help="local (threads) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray executor), e.g. 10.0.0.5:6379; default: auto."),
    num_cpus: float = typer.Option(1.0, "--num-cpus", help="CPUs Ray reserves per instance."),
    model: Optional[str] = typer.Option(None, "--model", help="Any litellm model string; default: the embedded local model."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Model server URL."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="NAME of the env var holding the model key."),
    model_name: Optional[str] = typer.Option(None, "--model-name", help="model_name_or_path in predictions.jsonl (default: --model)."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML run configuration (per instance)."),
    set_: list[str] = typer.Option([], "-c", "--set", help="Override a config key: -c patch.samples=8"),
    preset: Optional[str] = typer.Option(None, "--preset", help="small (default: local/small models) or strong (hosted models: multi-step, more samples)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Run seed of every instance (default 0): the same seed and model reproduce the same samples."),
    price_per_mtok: Optional[str] = typer.Option(None, "--price-per-mtok", help="IN,OUT: USD per million input/output tokens, for models litellm cannot price (needed with a USD cap)."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", help="Hard cost cap for the WHOLE batch."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Hard token cap for the WHOLE batch."),
    instance_budget_usd: Optional[float] = typer.Option(None, "--instance-budget-usd", help="Cost cap per instance."),
    instance_max_tokens: Optional[int] = typer.Option(None, "--instance-max-tokens", help="Token cap per instance."),
    mirrors: Optional[Path] = typer.Option(None, "--mirrors", help="Folder of bare git mirrors (owner+name); on every node."),
    evaluate: bool = typer.Option(True, "--eval/--no-eval", help="Grade the predictions after the run."),
    coverage: bool = typer.Option(False, "--coverage", help="Also grade every unique candidate (coverage = any resolves). Costs time."),
    eval_timeout: float = typer.Option(1800, "--eval-timeout", min=1, help="Seconds for one instance's tests."),
    model_free: bool = typer.Option(False, "--model-free", help="No model at all: the issue's own checks drive the "
                                    "one-token repair search (what the agent fixes without a model; spends nothing)."),
):
    """Run the pipeline on each instance, write predictions.jsonl + run folders, then evaluate. Resumable.
    Exit code 0 when every instance ran (selected, abstained, or left unstarted by the total budget), 1 when
    some ended in an error (listed; a rerun retries them), 2 on bad input or when the model became unreachable."""
    from agent.batch.runner import BenchOptions, load_rows, run_bench
    from agent.config import load_config

    ids = [i.strip() for item in instances for i in item.split(",") if i.strip()]
    try:
        cfg = load_config(config, set_, preset=preset, **{
            "model.name": model, "model.api_base": api_base, "model.api_key_env": api_key_env, "seed": seed,
            "model.price_per_mtok": price_per_mtok})
        rows = load_rows(dataset, ids)
    except (ValueError, OSError, KeyError) as err:
        _fail(f"{err}")
    if model_free:
        if model or api_base:
            _fail("--model-free and --model / --api-base contradict each other")
        from agent.model_free import MODEL, model_free_config
        cfg, model_name = model_free_config(cfg), model_name or MODEL
    elif problem := caps_problem(cfg, budget_usd, instance_budget_usd, max_tokens, instance_max_tokens):
        _fail(problem)
    if not rows:
        _fail(f"no instances in {dataset}")
    out = output or Path("runs") / f"bench-{dataset.name.split('.')[0]}"
    if out.exists() and not out.is_dir():
        _fail(f"--output {out} is a file, not a folder")
    if mirrors is not None and not mirrors.is_dir():
        _fail(f"--mirrors {mirrors} is not a folder (of bare git mirrors named owner+name)")
    log = lambda msg: typer.echo(msg, err=True)  # noqa: E731
    opts = BenchOptions(output=out, config=cfg, model_name=model_name or model or "swe-agent",
                        budget_usd=budget_usd, max_tokens=max_tokens, instance_budget_usd=instance_budget_usd,
                        instance_max_tokens=instance_max_tokens, mirror_root=str(mirrors.resolve()) if mirrors else None,
                        evaluate=evaluate, coverage=coverage, eval_timeout_s=eval_timeout, log=log)
    ex = _executor(executor, workers, address, num_cpus)
    # Running instances are not waited for (their threads are not joined): their sandboxes are removed and
    # their run folders resume on the next run.
    try:
        with unwinding(f"interrupted: finished instances are saved in {out}; rerun the same command to resume.",
                       reap=cfg.sandbox == "docker"):
            rows_out = run_bench(rows, opts, ex)
    finally:
        ex.close()
    from rich.console import Console
    Console(stderr=False).print(summary_table(rows_out))
    for line in error_lines(rows_out):
        typer.secho(f"error  {line}", fg=typer.colors.RED, err=True)
    typer.echo(f"batch folder: {out}\npredictions:  {out / 'predictions.jsonl'}", err=True)
    from agent.batch.folder import BatchFolder
    folder = BatchFolder(out)
    raise typer.Exit(exit_code([folder.status(r.instance_id) for r in rows_out]))


def _executor(kind: str, workers: int, address: str | None, num_cpus: float):
    if kind == "local":
        from agent.batch.executors import LocalExecutor
        return LocalExecutor(workers)
    if kind == "ray":
        try:
            from agent.batch.executors import RayExecutor
            # An explicit --workers caps concurrency below what the cluster could hold.
            return RayExecutor(address, num_cpus=num_cpus, workers=workers if workers > 1 else None)
        except ImportError:
            _fail("the ray executor needs ray: pip install 'swe-agent-tts[ray]'")
        except ConnectionError as err:
            _fail(f"cannot reach the Ray cluster at {address or 'auto'}: {err}")
    _fail(f"--executor must be local or ray, not {kind!r}")


def summary_table(rows):
    """One line per instance, the batch's totals as the caption (they must survive a narrow terminal)."""
    from rich.table import Table

    def mark(v):
        return "-" if v is None else ("yes" if v else "no")

    ran = [r for r in rows if r.status not in ("not_run", "error")]
    per = len(ran) or 1
    graded = any(r.resolved is not None for r in rows)
    parts = [f"{len(ran)}/{len(rows)} ran",
             f"resolved {sum(1 for r in rows if r.resolved)}/{len(rows)}" if graded else "not graded",
             f"coverage {sum(1 for r in rows if r.coverage)}/{len(rows)}" if any(r.coverage is not None for r in rows) else "",
             f"abstained {sum(1 for r in ran if r.abstained)}",
             f"errors {sum(1 for r in rows if r.status == 'error')}",
             f"not run {sum(1 for r in rows if r.status == 'not_run')}",
             f"total ${sum(r.cost_usd for r in rows):.4f}",
             f"per instance ${sum(r.cost_usd for r in ran) / per:.4f}, {sum(r.tokens for r in ran) // per} tok, "
             f"{sum(r.duration_s for r in ran) / per:.0f} s"]
    table = Table(title="swe-agent bench", caption=" · ".join(p for p in parts if p), caption_justify="left")
    for col, just in (("instance", "left"), ("status", "left"), ("resolved", "center"), ("coverage", "center"),
                      ("cost $", "right"), ("tokens", "right"), ("time s", "right")):
        table.add_column(col, justify=just, overflow="fold")
    for r in rows:
        table.add_row(r.instance_id, r.status, mark(r.resolved), mark(r.coverage), f"{r.cost_usd:.4f}",
                      str(r.tokens), f"{r.duration_s:.0f}")
    return table


def caps_problem(cfg, budget_usd, instance_budget_usd, max_tokens, instance_max_tokens) -> str | None:
    """Why a batch must not start, or None: the batch's caps bound each run as a run's own do, so an unpriced
    model under a USD cap, or a key variable that is not set, is refused before any image build or model call
    (as `solve` refuses them)."""
    from agent.model.pricing import config_problem, key_problem
    first = lambda *vs: next((v for v in vs if v is not None), None)  # noqa: E731
    caps = cfg.model_copy(update={"budget_usd": first(budget_usd, instance_budget_usd, cfg.budget_usd),
                                  "max_tokens": first(max_tokens, instance_max_tokens, cfg.max_tokens)})
    return config_problem(caps) or key_problem(cfg)


def exit_code(statuses) -> int:
    """The exit code of `bench` and `select` from the instances' statuses (None: not run; pure): 2 when the model
    could not be reached or refused (the batch stopped; rerun once it is back), 1 when an instance ended in
    another error, else 0 (instances a spent total budget left unstarted are the cap at work, as `solve` exits 0
    on a cap)."""
    if any(st is not None and st.model_unavailable for st in statuses):
        return 2
    return 1 if any(st is not None and st.status == "error" for st in statuses) else 0


def error_lines(rows) -> list[str]:
    return [f"{r.instance_id}: {r.error.splitlines()[0][:300]}" for r in rows if r.error]


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # `python -m agent.batch.cli bench …` (tests kill a batch midway)
    main()
