"""`swe-agent solve` glue: inputs → pipeline → summary. No decisions here."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer

from agent.config import SolveConfig
from agent.repo_input import InputError, issue_from_file, open_repo
from agent.schema import Result


def default_output(issue_id: str, commit: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in issue_id)
    return Path("runs") / f"{safe}-{commit[:8]}"


def summary_text(result: Result, run_dir: Path) -> str:
    lines = [f"run folder : {run_dir}"]
    if result.status == "selected":
        lines.append(f"decision   : candidate {result.candidate} (confidence {result.confidence:.2f})")
    else:
        lines.append(f"decision   : {result.status.upper()} — no patch proposed (confidence {result.confidence:.2f})")
    lines.append(f"why        : {result.diagnosis}")
    lines.append(f"candidates : {result.n_candidates} unique from {result.n_patch_samples} patch samples")
    if result.funnel:
        from agent.funnel import funnel_line
        lines.append(f"funnel     : {funnel_line(result.funnel)}")
    if len(result.rounds) > 1:
        lines.append("escalation : " + "; ".join(f"round {r['round']} {r['patch_samples']} samples → {r['status']}"
                                                 for r in result.rounds))
    lines.append(f"tests      : {result.n_tests_kept} of {result.n_tests_written} reproduction tests kept "
                 "(kept = fails on the original code)")
    spend = ", ".join(f"{k} {v.spend.prompt_tokens + v.spend.completion_tokens} tok/${v.spend.cost_usd:.4f}"
                      for k, v in result.stages.items() if v.spend.calls)
    lines.append(f"spent      : ${result.cost_usd:.4f}, {result.tokens} tokens ({spend or 'nothing'})")
    lines.append(f"time       : {result.duration_s:.1f} s")
    if result.stopped_reason:
        lines.append(f"stopped    : {result.stopped_reason}")
    return "\n".join(lines)


def _run(issue, repo: Path, commit: str, cfg: SolveConfig, output: Path | None) -> tuple[Result, Path]:
    from agent.pipeline import RunMismatch, solve
    from agent.model.base import ModelError
    from sandbox.engine import EngineUnavailable

    from agent.runfolder import RunFolder, RunFolderBusy

    run_dir = output or default_output(issue.id, commit)
    try:
        with RunFolder(run_dir).lock():
            return solve(issue, repo, run_dir, cfg, commit=commit), run_dir
    except (KeyboardInterrupt, SystemExit) as err:   # Ctrl-C; SIGTERM (SystemExit while a model server runs)
        typer.secho(f"\ninterrupted: nothing finished is lost; rerun the same command (run folder {run_dir}) "
                    "to resume.", fg=typer.colors.YELLOW, err=True)
        # solve() has unwound (model server stopped, run folder consistent); model calls still in
        # flight in worker threads would hold the exit for minutes: leave without joining them.
        sys.stderr.flush()
        os._exit(130 if isinstance(err, KeyboardInterrupt) else 143)
    except (EngineUnavailable, RunMismatch, ModelError, InputError, RunFolderBusy) as err:
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


def solve_url(url: str, cfg: SolveConfig, *, output: Path | None, open_pr: bool, ref: str | None,
              json_out: bool, rate_limit: str = "wait") -> None:
    from agent.github.cli import solve_issue_url

    solve_issue_url(url, cfg, output=output, open_pr=open_pr, ref=ref, json_out=json_out, rate_limit=rate_limit)
