"""`swe-agent sandbox ...`: housekeeping for the Docker sandboxes."""
from __future__ import annotations

from typing import Optional

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Docker sandboxes: base image, cleanup.")


def _client():
    from sandbox.engine import EngineUnavailable, connect
    try:
        return connect()
    except EngineUnavailable as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(2)


@app.command()
def gc(run: Optional[str] = typer.Option(None, "--run", help="Everything of this run id (even if it is still running)."),
       images: bool = typer.Option(False, "--images", help="Also remove cached repository images."),
       dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be removed.")):
    """Remove containers and temporary (fork) images of runs that died; live runs' are kept."""
    from sandbox import gc as gc_mod
    client = _client()
    out = gc_mod.collect(client, run_id=run, images=images, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for c in out.containers:
        typer.echo(f"{verb} container {c}")
    for i in out.images:
        typer.echo(f"{verb} image {i}")
    typer.echo(f"{verb} {len(out.containers)} container(s), {len(out.images)} image(s)")


@app.command("build-base")
def build_base():
    """Build (or find) the local base image from this host's Debian packages; prints its tag."""
    import time

    from sandbox.images import ensure_base_image
    t0 = time.monotonic()
    tag = ensure_base_image(_client())
    typer.echo(tag)
    typer.secho(f"base image ready in {time.monotonic() - t0:.1f}s", err=True)


if __name__ == "__main__":  # `python -m sandbox.cli build-base` (used by scripts/setup_engine.sh)
    app()
