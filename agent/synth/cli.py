"""`swe-agent synth` and `swe-agent synth-mirrors`: thin glue from flags to agent.synth.runner."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from agent.interrupts import leaving_at_once


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def synth(
    repo: Optional[Path] = typer.Option(None, "--repo", help="Project: a git repository, a plain directory or an sdist (.tar.gz)."),
    mirror: Optional[Path] = typer.Option(None, "--mirror", help="Or a bare git mirror (use with --commit)."),
    commit: Optional[str] = typer.Option(None, "--commit", help="Commit / ref in --repo or --mirror (default: a git repo's HEAD)."),
    n: int = typer.Option(100, "-n", help="Validated instances wanted."),
    output: Path = typer.Option(Path("tasks.jsonl"), "--output", "-o", help="SWE-bench rows (.jsonl); <project>.bundle and <output>.synth/ go next to it."),
    name: Optional[str] = typer.Option(None, "--name", help="Project name (repo becomes synth/<name>); default: the folder name."),
    version: str = typer.Option("0", "--version", help="Project version (the rows' `version`)."),
    python: str = typer.Option("3.11", "--python", help="Python minor version of the sandbox."),
    pip: list[str] = typer.Option([], "--pip", help="Extra pip requirement for the tests (repeat), e.g. --pip wcwidth==0.2.13."),
    test_cmd: Optional[str] = typer.Option(None, "--test-cmd", help="pytest command with -rA (default: pytest -rA -p no:cacheprovider)."),
    workers: int = typer.Option(2, "--workers", "-w", min=1, help="Sandboxes at once."),
    seed: int = typer.Option(0, "--seed", help="Order in which mutants are tried."),
    max_tries: Optional[int] = typer.Option(None, "--max-tries", min=1, help="Stop after this many mutants."),
    per_function: int = typer.Option(2, "--per-function", help="Kept bugs per function at most."),
    timeout: float = typer.Option(300, "--timeout", min=1, help="Seconds for one run of the suite."),
    origin: str = typer.Option("", "--origin", help="Provenance recorded in each row, e.g. 'pypi sdist toolz==1.2.0'."),
    model: Optional[str] = typer.Option(None, "--model", help="litellm model: rewrites issues (and writes --llm-mutants bugs)."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="Model server URL."),
    llm_mutants: int = typer.Option(0, "--llm-mutants", help="Model-written bugs to try (needs --model)."),
):
    """Synthesize SWE-bench instances: plant AST bugs the project's tests catch, emit rows + a git bundle."""
    from agent.synth.recipe import SynthEnv
    from agent.synth.runner import SynthOptions

    if (repo is None) == (mirror is None):
        _fail("give exactly one of --repo PATH or --mirror DIR")
    if n < 1 or per_function < 1:
        _fail("-n and --per-function must be at least 1")
    source = repo or mirror
    if not source.exists():
        _fail(f"{source} does not exist")
    is_git = source.is_dir() and ((source / ".git").exists() or (source / "objects").is_dir())
    ref = commit or ("HEAD" if is_git else None)
    if source.is_dir() and not is_git and not any((source / f).is_file() for f in ("setup.py", "pyproject.toml")):
        _fail(f"{source} has no setup.py or pyproject.toml: synth installs the project with `pip install -e .`, "
              "so it needs an installable Python project")
    project = name or source.resolve().name.split(".tar")[0]
    env = SynthEnv(python=python, pip_packages=SynthEnv().pip_packages + list(pip),
                   **({"test_cmd": test_cmd} if test_cmd else {}))
    llm = None
    if model:
        from agent.model.base import ModelConfig
        from agent.model.client import LiteLLMModel
        llm = LiteLLMModel(ModelConfig(name=model, api_base=api_base, temperature=0.3))
    opts = SynthOptions(project=project, version=version, source=source, ref=ref, n=n, output=output,
                        env=env, workers=workers, seed=seed, max_tries=max_tries, per_function=per_function,
                        timeout_s=timeout, origin=origin, model=llm, llm_mutants=llm_mutants,
                        log=lambda msg: typer.echo(msg, err=True))
    from agent.evaluation.run_all import docker_client
    client = docker_client(timeout)
    try:
        with leaving_at_once("interrupted: verdicts so far are saved; rerun the same command to resume."):
            summary = _with_progress(opts, client)
    except Exception as err:  # noqa: BLE001
        lines = str(err).splitlines() or [""]
        if len(lines) > 30:   # a failed image build carries its whole log: its head and its end say why
            lines = lines[:1] + [f"[... {len(lines) - 26} lines; the whole log is under {opts.folder}/logs ...]"] \
                + lines[-25:]
        _fail(f"{type(err).__name__}: " + "\n".join(lines))
    finally:
        client.close()
    _print_summary(summary, output)


def _with_progress(opts, client) -> dict:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from agent.synth.runner import synthesize
    counts = {"kept": 0, "tried": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("kept", total=opts.n)

        def on_record(rec: dict) -> None:
            counts["tried"] += 1
            counts["kept"] += rec["reason"] == "kept"
            bar.update(task, completed=min(counts["kept"], opts.n),
                       description=f"kept (tried {counts['tried']})")
        return synthesize(opts, client, progress=on_record)


def _print_summary(s: dict, output: Path) -> None:
    from rich.console import Console
    from rich.table import Table
    t = Table(title=f"swe-agent synth: {s['project']} {s['version']}",
              caption=f"{s['rows']} rows -> {output} · {s['seconds']:.0f} s total"
                      + (f" · {s['seconds_per_row']:.1f} s per row" if s.get("seconds_per_row") else ""),
              caption_justify="left")
    for col in ("mutation", "tried", "kept"):
        t.add_column(col, justify="left" if col == "mutation" else "right")
    for kind, c in s["by_kind"].items():
        t.add_row(kind, str(c["tried"]), str(c["kept"]))
    t.add_row("all", str(s["tried"]), str(s["kept"]))
    Console(stderr=True).print(t)
    dropped = ", ".join(f"{k} {v}" for k, v in s["dropped"].items()) or "none"
    typer.echo(f"baseline passing tests: {s['baseline_passing']} · candidates: {s['candidates']} · dropped: {dropped}",
               err=True)


def synth_mirrors(
    bundles: list[Path] = typer.Argument(..., help="Bundles written by `swe-agent synth` (or folders of them)."),
    output: Path = typer.Option(Path("mirrors"), "--output", "-o", help="Mirror folder for --mirrors / --repo-mirror."),
):
    """Unpack synth bundles into bare git mirrors (synth+<project>/) that bench and eval read."""
    from agent.synth.gitrepo import GitError, unbundle
    missing = [str(b) for b in bundles if not b.exists()]
    if missing:
        _fail(f"no such bundle or folder: {', '.join(missing)}")
    files = [f for b in bundles for f in (sorted(b.glob("*.bundle")) if b.is_dir() else [b])]
    if not files:
        _fail("no .bundle files given")
    for f in files:   # <project>.bundle -> synth+<project>/ (agent.evaluation.mirror's owner+name rule)
        try:
            typer.echo(f"{f} -> {unbundle(f, output / f'synth+{f.stem}')}")
        except GitError as err:
            _fail(f"{f} is not a git bundle `swe-agent synth` wrote: {err}")
