"""The command-line options every dev-set benchmark shares: where results go and which examples run."""
from __future__ import annotations

import argparse
from pathlib import Path

from agent.examples import list_examples
from agent.examples.split import split_of


def add_devset_args(p: argparse.ArgumentParser, split: str) -> None:
    """--out, --examples and --split (default `split`)."""
    p.add_argument("--out", type=Path, required=True, help="results + run folders (rerun to resume)")
    p.add_argument("--examples", default="", help="comma-separated names (default: all of --split)")
    p.add_argument("--split", choices=["train", "test", "all"], default=split,
                   help="dev-set split (docs/devset.md); tune on train, report test")


def chosen_examples(p: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The names --examples gives, else every example of --split; an unknown name is a usage error."""
    names = [n.strip() for n in args.examples.split(",") if n.strip()] or [
        n for n in list_examples() if args.split == "all" or split_of(n) == args.split]
    unknown = sorted(set(names) - set(list_examples()))
    if unknown:
        p.error(f"unknown examples {unknown}; choose from {list_examples()}")
    return names
