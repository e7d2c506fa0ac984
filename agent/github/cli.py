"""Glue for `swe-agent solve <issue URL>` and `swe-agent github action`. No decisions here."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from agent.config import SolveConfig

app = typer.Typer(no_args_is_help=True, add_completion=False, help="GitHub issue → pull request, and the Action bot.")


def solve_issue_url(url: str, cfg: SolveConfig, *, output: Path | None, open_pr: bool, ref: str | None,
                    json_out: bool, rate_limit: str = "wait", draft_below: float = 0.6, solve=None) -> None:
    from agent.github.errors import GitHubError
    from agent.github.flow import solve_github_issue
    from agent.github.urls import BadIssueURL
    from agent.runfolder import RunFolder
    from agent.summary import summary_text

    if rate_limit not in ("wait", "stop"):
        _fail(f"--rate-limit must be 'wait' or 'stop', not {rate_limit!r}")
    try:
        outcome = solve_github_issue(url, ref=ref, open_pr=open_pr, config=cfg, run_dir=output, solve=solve,
                                     rate_limit=rate_limit, draft_below=draft_below)
    except (BadIssueURL, GitHubError) as err:
        _fail(str(err))
    run_dir = Path(outcome.run_dir)
    result = RunFolder(run_dir).result()
    if result is None:
        _fail(f"{run_dir} holds no result.json")
    if json_out:
        typer.echo(json.dumps({"result": result.model_dump(mode="json"), "github": outcome.model_dump(mode="json")},
                              indent=2))
        return
    if result.final_diff and not open_pr:
        typer.echo(result.final_diff)
    typer.echo(summary_text(result, run_dir), err=True)
    if outcome.pr_url:
        typer.echo(f"pull request: {outcome.pr_url}{' (draft: low confidence)' if outcome.draft else ''}", err=True)
    elif outcome.comment_url:
        typer.echo(f"no fix proposed; diagnosis posted: {outcome.comment_url}", err=True)


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def action() -> None:
    """Run as the GitHub Action (reads GITHUB_* and INPUT_* from the environment)."""
    from agent.github.action import main
    main()
