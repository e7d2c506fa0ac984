"""`swe-agent solve` glue: inputs → pipeline → summary. No decisions here."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import typer

from agent.config import SolveConfig
from agent.interrupts import unwinding
from agent.repo_input import InputError, issue_from_file, open_repo
from agent.runfolder import default_output
from agent.schema import Result
from agent.summary import summary_text


def _run(issue, repo: Path, commit: str, cfg: SolveConfig, output: Path | None) -> tuple[Result, Path]:
    from agent.pipeline import RunMismatch, solve
    from agent.model.base import ModelError
    from sandbox.engine import EngineUnavailable

    from agent.runfolder import RunFolder, RunFolderBusy, RunFolderLayoutError

    run_dir = output or default_output(issue.id, commit)
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"--output {run_dir} is a file, not a folder: choose a folder for the run")
    # solve() unwinds first (model server stopped, run folder consistent); model calls still in flight in
    # worker threads would hold the exit for minutes: leave without joining them, their sandboxes removed.
    interrupted = f"interrupted: nothing finished is lost; rerun the same command (run folder {run_dir}) to resume."
    try:
        with unwinding(interrupted, reap=cfg.sandbox == "docker"), RunFolder(run_dir).lock():
            return solve(issue, repo, run_dir, cfg, commit=commit), run_dir
    except (EngineUnavailable, RunMismatch, ModelError, InputError, RunFolderBusy,
            RunFolderLayoutError) as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)


def solve_local(issue_file: Path, repo_path: Path, cfg: SolveConfig, *, output: Path | None, apply: bool,
                allow_dirty: bool, json_out: bool) -> Result:
    repo, commit = open_repo(repo_path, allow_dirty=allow_dirty)
    issue = issue_from_file(issue_file)
    result, run_dir = _run(issue, Path(repo.working_tree_dir), commit, cfg, output)
    _report(result, run_dir, json_out)
    if apply and result.final_diff:
        proc = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], input=result.final_diff, text=True,
                              cwd=repo.working_tree_dir, capture_output=True)
        if proc.returncode != 0:
            raise InputError(f"the chosen diff does not apply to {repo_path} (changed since?): {proc.stderr.strip()}"
                             f" — it is saved in {run_dir / 'final.diff'}")
        typer.secho(f"applied to {repo_path}", fg=typer.colors.GREEN, err=True)
    return result


def _report(result: Result, run_dir: Path, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
        return
    if result.final_diff:
        typer.echo(result.final_diff)
    typer.echo(summary_text(result, run_dir), err=True)
