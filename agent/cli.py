"""`swe-agent`: thin typer glue over the pipeline and its tools."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Repair issues by sampling many candidate patches and letting execution evidence pick.")


def _fail(msg: str, code: int = 2) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def solve(
    issue: str = typer.Argument(..., help="A GitHub issue URL, or a file with the issue text (then --repo is required)."),
    repo: Optional[Path] = typer.Option(None, "--repo", help="Git repository to fix (any commit; HEAD is used)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Run folder (resumes when it exists). Default: runs/<issue>-<commit>."),
    apply: bool = typer.Option(False, "--apply", help="Write the chosen diff into --repo."),
    model: Optional[str] = typer.Option(None, "--model", help="Any litellm model string; default: the embedded local model."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Model server URL (OpenAI-compatible servers, proxies)."),
    api_key_env: Optional[str] = typer.Option(None, "--api-key-env", help="NAME of the env var holding the model key."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML run configuration."),
    set_: list[str] = typer.Option([], "-c", "--set", help="Override a config key: -c patch.samples=8"),
    preset: Optional[str] = typer.Option(None, "--preset", help="small (default: local/small models) or strong (hosted models: multi-step, more samples)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Run seed (default 0): the same seed and model reproduce the same samples."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Patch samples (shortcut for -c patch.samples=N)."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", help="Hard cost cap for the whole run."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Hard token cap for the whole run."),
    price_per_mtok: Optional[str] = typer.Option(None, "--price-per-mtok", help="IN,OUT: USD per million input/output tokens, for models litellm cannot price (needed with --budget-usd)."),
    sandbox: Optional[str] = typer.Option(None, "--sandbox", help="docker (default, isolated), local (NO isolation), or an import path to a backend factory."),
    allow_dirty: bool = typer.Option(False, "--allow-dirty", help="Use HEAD even if the work tree has changes."),
    open_pr: bool = typer.Option(False, "--open-pr", help="(GitHub issues) push a branch and open a PR with the evidence."),
    ref: Optional[str] = typer.Option(None, "--ref", help="(GitHub issues) branch or commit to clone."),
    rate_limit: str = typer.Option("wait", "--rate-limit", help="(GitHub issues) on API rate limit: wait (up to 15 min) or stop."),
    json_out: bool = typer.Option(False, "--json", help="Print result.json instead of the summary."),
):
    """Solve one issue: localize, sample patches and tests, run them, vote, select (or abstain)."""
    from agent.config import load_config
    from agent.repo_input import InputError

    try:
        cfg = load_config(config, set_, preset=preset, **{"model.name": model, "model.api_base": api_base,
                                           "model.api_key_env": api_key_env, "patch.samples": samples, "seed": seed,
                                           "budget_usd": budget_usd, "max_tokens": max_tokens, "sandbox": sandbox,
                                           "model.price_per_mtok": price_per_mtok})
    except (ValueError, OSError) as err:
        _fail(f"bad configuration: {err}")
    from agent.model.pricing import config_problem, key_problem
    if problem := config_problem(cfg) or key_problem(cfg):   # before any clone, image build or model call
        _fail(problem)
    if issue.startswith(("http://", "https://")):
        from agent.github.cli import solve_issue_url
        return solve_issue_url(issue, cfg, output=output, open_pr=open_pr, ref=ref, json_out=json_out,
                               rate_limit=rate_limit)
    if repo is None:
        _fail("a local issue file needs --repo PATH (the git repository to fix)")
    from agent.solve_cli import solve_local
    try:
        solve_local(Path(issue), repo, cfg, output=output, apply=apply, allow_dirty=allow_dirty, json_out=json_out)
    except InputError as err:
        _fail(str(err))


@app.command()
def example(name: Optional[str] = typer.Argument(None, help="Example name; default: the bundled demo."),
            dest: Path = typer.Option(Path("swe-agent-example"), "--dest", help="Where to create it."),
            list_: bool = typer.Option(False, "--list", help="List the bundled examples.")):
    """Create a bundled example (a tiny git repository with a real bug + its issue text)."""
    from agent import examples
    if list_:
        for n in examples.list_examples():
            typer.echo(n)
        return
    try:
        ex = examples.materialize(name or examples.DEFAULT_EXAMPLE, dest)
    except (FileExistsError, KeyError, ValueError) as err:   # never overwrite a changed copy; unknown name
        _fail(str(err).strip("'\""))
    typer.echo(f"repository: {ex.repo}\nissue:      {ex.issue}")
    typer.echo(f"try: swe-agent solve {ex.issue} --repo {ex.repo}")


from agent.report.cli import show as _show  # noqa: E402  (imports only typer until it runs)

app.command("show", help="Write a self-contained HTML report of a run or batch folder.")(_show)

from sandbox.cli import app as _sandbox_app  # noqa: E402
from agent.model.cli import app as _model_app  # noqa: E402

from agent.evaluation.cli import eval_cmd as _eval, gc_cmd as _gc_eval, validate_cmd as _validate  # noqa: E402

app.command("eval", help="Evaluate predictions exactly as the official SWE-bench harness does (offline-capable).")(_eval)
app.command("validate", help="Check SWE-bench environments: gold patch must resolve, empty patch must not.")(_validate)
app.command("gc-eval", help="Remove SWE-bench environment/instance images (shows disk use).")(_gc_eval)
from agent.synth.cli import synth as _synth, synth_mirrors as _synth_mirrors  # noqa: E402

app.command("synth", help="Synthesize SWE-bench instances from a repository's own tests (AST bugs the suite catches).")(_synth)
app.command("synth-mirrors", help="Unpack synth bundles into the git mirrors bench/eval read.")(_synth_mirrors)
from agent.batch.cli import bench as _bench  # noqa: E402

app.command("bench", help="Run the pipeline on a dataset (SWE-bench or local), write predictions, evaluate; resumable.")(_bench)
from agent.ensemble.cli import select_cmd as _select  # noqa: E402

app.command("select", context_settings={"allow_extra_args": True, "ignore_unknown_options": False},
            help="Choose among other systems' SWE-bench predictions with execution evidence; resumable.")(_select)
from agent.github.cli import app as _github_app  # noqa: E402
from agent.config_cli import app as _config_app  # noqa: E402

app.add_typer(_github_app, name="github", help="GitHub Action entry point (`swe-agent github action`).")
app.add_typer(_sandbox_app, name="sandbox", help="Docker sandboxes: build the base image, remove leftovers (gc).")
app.add_typer(_model_app, name="model", help="The embedded local model: install weights, serve.")
app.add_typer(_config_app, name="config", help="Run configuration: `swe-agent config show` prints the effective one.")


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # `python -m agent.cli …` (used by tests that kill a run midway)
    main()
