"""`swe-agent config show`: the effective configuration a solve would run with, as YAML."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

import typer
import yaml

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("show")
def show(config: Optional[Path] = typer.Option(None, "--config", help="YAML run configuration."),
         set_: list[str] = typer.Option([], "-c", "--set", help="Override a config key: -c patch.samples=8"),
         preset: Optional[str] = typer.Option(None, "--preset", help="small or strong.")):
    """Print the effective config (defaults < preset < --config < -c), old key spellings upgraded."""
    from agent.config import load_config
    try:
        with warnings.catch_warnings(record=True) as renamed:
            warnings.simplefilter("always", DeprecationWarning)
            cfg = load_config(config, set_, preset=preset)
    except (ValueError, OSError) as err:
        typer.secho(f"error: bad configuration: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    for w in renamed:      # old spellings still load; say the new ones
        typer.secho(f"note: {w.message}", fg=typer.colors.YELLOW, err=True)
    typer.echo(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False).rstrip())
