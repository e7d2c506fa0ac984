"""`swe-agent show RUN_DIR [--open]`: the typer command the main CLI mounts (`app.command()(show)`)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def show(
    run_dir: Path = typer.Argument(..., help="A run folder (RUN/) or a batch folder (BATCH/ with instances/)."),
    open_: bool = typer.Option(False, "--open", help="Open the report in the default browser."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Where to write the HTML. Default: RUN_DIR/report.html."),
) -> Path:
    """Write a self-contained HTML report: trajectories, candidates, the evidence grid, the verdict, costs."""
    from agent.report.render import write_report

    if not run_dir.is_dir():
        typer.secho(f"error: {run_dir} is not a folder", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if not any((run_dir / name).exists() for name in ("instances", "issue.json", "result.json")):
        typer.secho(f"error: {run_dir} is neither a run folder (issue.json) nor a batch folder (instances/)",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if output is not None and output.is_dir():
        typer.secho(f"error: --output {output} is a folder: name the HTML file to write", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    out = write_report(run_dir, output)
    typer.echo(str(out))
    if open_:
        import webbrowser
        webbrowser.open(out.resolve().as_uri())
    return out


app = typer.Typer(add_completion=False)
app.command()(show)
