"""Typer commands `eval`, `validate`, `gc` (mounted at top level by agent/cli.py)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from agent.interrupts import leaving_at_once

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="SWE-bench: build environments offline, evaluate predictions with the official grading.")
console = Console(stderr=True)

DATASET = typer.Option(..., "--dataset", help="SWE-bench rows: .jsonl, .jsonl.gz or .json.")
INSTANCES = typer.Option([], "--instances", "-i", help="Only these instance ids (repeat the option or comma-separate).")
MIRROR = typer.Option(None, "--repo-mirror", help="Directory of bare git mirrors named owner+name or owner__name.")
REPORT_DIR = typer.Option(Path("."), "--report-dir", help="Where the report JSON and logs/ go.")
TIMEOUT = typer.Option(1800.0, "--timeout", min=1, help="Seconds for one instance's eval script.")
NETWORK = typer.Option(False, "--network", help="Give eval containers the bridge network, as the official "
                       "harness does (tests that call e.g. httpbin.org). Off by default: verdicts must not "
                       "depend on the internet.")


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _bytes(size: str) -> int:
    """"50G" -> 50e9; units K, M, G, T (powers of 1000, as docker prints sizes), optional trailing B."""
    import re
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*", size.upper())
    if not m:
        raise ValueError(size)
    return int(float(m.group(1)) * 1000 ** " KMGT".index(m.group(2) or " "))


def _rows(dataset: Path, instances: list[str]) -> list[dict]:
    from agent.evaluation.dataset import load_dataset
    ids = [i.strip() for item in instances for i in item.split(",") if i.strip()]   # -i a,b as bench and select take it
    if instances and not ids:
        _fail("-i/--instances names no instance id")
    try:
        return load_dataset(dataset, ids or None)
    except (OSError, KeyError, ValueError) as err:
        _fail(f"cannot load dataset {dataset}: {err}")


def _mirror_required(online: bool, mirror: Optional[Path]) -> None:
    if not online and mirror is None:
        _fail("offline environments need --repo-mirror DIR (no GitHub here); or pass --online")
    if mirror is not None and not mirror.is_dir():
        _fail(f"--repo-mirror {mirror} is not a folder (of bare git mirrors named owner+name)")


def _folder_ok(path: Path, option: str) -> None:
    """Refused before any build or grading: a file where a folder must go would fail only at the very end."""
    if path.exists() and not path.is_dir():
        _fail(f"{option} {path} is a file, not a folder")


@app.command("eval")
def eval_cmd(
    dataset: Path = DATASET,
    predictions: Path = typer.Option(..., "--predictions", help="jsonl/json: instance_id, model_name_or_path, model_patch."),
    instances: list[str] = INSTANCES,
    workers: int = typer.Option(1, "--workers", min=1, help="Instances evaluated at once (image builds stay serialized)."),
    repo_mirror: Optional[Path] = MIRROR,
    run_id: str = typer.Option(None, "--run-id", help="Names the report and the log folder; default: a timestamp."),
    report_dir: Path = REPORT_DIR,
    timeout: float = TIMEOUT,
    online: bool = typer.Option(False, "--online", help="Official prebuilt images from Docker Hub (needs a registry)."),
    network: bool = NETWORK,
):
    """Evaluate predictions: apply each patch, run the official eval script with no network, grade officially."""
    from agent.evaluation.run_all import EvalOptions, run_eval
    from agent.evaluation.dataset import load_predictions

    _folder_ok(report_dir, "--report-dir")
    rows = _rows(dataset, instances)
    try:
        preds = load_predictions(predictions)
    except (OSError, ValueError) as err:
        _fail(f"cannot load predictions {predictions}: {err}")
    _mirror_required(online, repo_mirror)      # after the inputs: a missing file is named before a missing mirror
    known = {r["instance_id"] for r in rows}
    if preds and not known & set(preds):
        _fail(f"none of the {len(preds)} prediction(s) in {predictions} is an instance of {dataset}"
              + (" (or of the -i selection)" if instances else ""))
    if unknown := sorted(set(preds) - known):
        console.print(f"[yellow]{len(unknown)} prediction(s) for instances not in the dataset or -i ignored: "
                      f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}[/yellow]")
    preds = {k: v for k, v in preds.items() if k in known}
    opts = EvalOptions(run_id=run_id or time.strftime("%Y%m%d-%H%M%S"), report_dir=report_dir,
                       workers=workers, mirror_root=repo_mirror, timeout=timeout, online=online,
                       network=network)
    with leaving_at_once("interrupted: the report is written at the end; the instances printed above are graded, "
                         "rerun the same command to grade them all."):
        results, report, path, _ = run_eval(
            rows, preds, opts, on_result=lambda r: console.print(f"{r.instance_id}: {r.status} {r.reason[:100]}"))
    table = Table("instance", "status", "reason")
    for r in results.values():
        table.add_row(r.instance_id, r.status, r.reason[:120])
    console.print(table)
    console.print(f"resolved {report['resolved_instances']}/{report['total_instances']}, "
                  f"unresolved {report['unresolved_instances']}, empty {report['empty_patch_instances']}, "
                  f"error {report['error_instances']} -> {path}")


@app.command("validate")
def validate_cmd(
    dataset: Path = DATASET,
    instances: list[str] = INSTANCES,
    repo_mirror: Optional[Path] = MIRROR,
    run_id: str = typer.Option("validate", "--run-id"),
    report_dir: Path = REPORT_DIR,
    timeout: float = TIMEOUT,
    online: bool = typer.Option(False, "--online", help="Official prebuilt images (needs a registry)."),
    network: bool = NETWORK,
):
    """Check each instance here: gold patch resolves, empty patch does not; table of broken ones with reasons."""
    from agent.evaluation import validate as val
    from agent.evaluation.run_all import EvalOptions

    _mirror_required(online, repo_mirror)
    _folder_ok(report_dir, "--report-dir")
    rows = _rows(dataset, instances)
    opts = EvalOptions(run_id=run_id, report_dir=report_dir, mirror_root=repo_mirror, timeout=timeout,
                       online=online, network=network)
    done: list = []

    def on_row(v) -> None:  # the table is rewritten after every row: an interrupted run keeps its rows
        done.append(v)
        val.write(done, report_dir, run_id)
        console.print(f"{v.instance_id}: {'ok' if v.ok else 'BROKEN'} {v.seconds:.0f}s {v.reason[:120]}")

    with leaving_at_once(f"interrupted: the rows validated so far are in {report_dir}; rerun with -i to do the rest."):
        results = val.validate(rows, opts, on_row=on_row)
    md, _ = val.write(results, report_dir, run_id)
    print(val.to_markdown([v for v in results if not v.ok]) if any(not v.ok for v in results)
          else f"all {len(results)} instances valid")
    console.print(f"table: {md}")
    raise typer.Exit(0 if all(v.ok for v in results) else 1)


@app.command("gc")
def gc_cmd(
    keep_env: bool = typer.Option(False, "--keep-env", help="Keep the shared environment images."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show disk use."),
    only: Optional[str] = typer.Option(None, "--only", help="Only objects that also carry this label (key=value)."),
    max_disk: Optional[str] = typer.Option(None, "--max-disk", help="Instead of removing everything, remove least "
                                           "recently used instance images (then unused environments) until "
                                           "SWE-bench images hold at most this much, e.g. 50G or 800M."),
):
    """Remove SWE-bench eval containers and images (instance layers, then environments)."""
    from agent.evaluation import build, gc
    from agent.evaluation.run_all import docker_client

    limit = None
    if max_disk is not None:      # checked first, dry run or not: an empty or bad size must never mean "no cap"
        try:
            limit = _bytes(max_disk)
        except ValueError:
            _fail(f"--max-disk {max_disk!r}: expected a size such as 50G, 800M or 1000000")
    client = docker_client(600)
    use = build.disk_usage(client)
    console.print(f"{use['images']} images, ~{use['bytes_total_estimate'] / 1e9:.2f} GB "
                  f"(unique {use['bytes_unique'] / 1e9:.2f} GB + shared)")
    if dry_run:
        for repo, row in sorted(gc.by_repo(gc.ours(client, only)).items()):
            console.print(f"  {repo}: {row['instances']} instance images, {row['instance_bytes'] / 1e6:.0f} MB of their own; "
                          f"{row['envs']} environment images, {row['env_bytes'] / 1e6:.0f} MB (with the base image)")
    if limit is not None and not dry_run:
        removed = gc.cap(client, limit, only=only)
        console.print(f"removed {len(removed)} images (least recently used first): {', '.join(removed) or '-'}")
    elif not dry_run:
        removed = gc.collect(client, env_images=not keep_env, only=only)
        console.print(f"removed {removed['containers']} containers, {removed['images']} images")
