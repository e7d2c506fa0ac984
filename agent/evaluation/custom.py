"""Specs of repositories swebench does not know (the in-repo CI dataset, private benchmarks).

A dataset row may carry `env_spec`: the keys of a swebench MAP_REPO_VERSION_TO_SPECS entry (python,
pip_packages, packages, pre_install, install, test_cmd, ...) plus `log_parser`, the name of a swebench
parser. swebench's script builders and its grading look these up in module-level maps keyed by repo,
so the spec is registered there (that is how swebench itself is extended); a repository swebench
ships a spec for is never overridden.
"""
from __future__ import annotations

import json
import threading

from swebench.harness.constants import MAP_REPO_TO_EXT, MAP_REPO_VERSION_TO_SPECS
from swebench.harness.log_parsers import MAP_REPO_TO_PARSER
from swebench.harness.log_parsers.python import parse_log_pytest, parse_log_pytest_v2

PARSERS = {"pytest": parse_log_pytest, "pytest_v2": parse_log_pytest_v2}
SPEC_COLUMN = "env_spec"
_OFFICIAL = frozenset(MAP_REPO_VERSION_TO_SPECS)
_LOCK = threading.Lock()


def specs_for(instance: dict) -> dict:
    """The spec for the row's repo and version: the row's own `env_spec` if it has one, else swebench's."""
    repo, version = instance["repo"], instance["version"]
    custom = instance.get(SPEC_COLUMN)
    if not custom:
        return MAP_REPO_VERSION_TO_SPECS[repo][version]
    custom = json.loads(custom) if isinstance(custom, str) else dict(custom)
    if repo in _OFFICIAL:
        raise ValueError(f"{repo} has an official swebench spec; a row's {SPEC_COLUMN} may not replace it")
    parser = custom.pop("log_parser", "pytest")
    if parser not in PARSERS:
        raise ValueError(f"{SPEC_COLUMN}.log_parser must be one of {sorted(PARSERS)}, not {parser!r}")
    if "python" not in custom or "test_cmd" not in custom:
        raise ValueError(f"{SPEC_COLUMN} needs at least `python` and `test_cmd`")
    with _LOCK:
        MAP_REPO_VERSION_TO_SPECS.setdefault(repo, {})[version] = custom
        MAP_REPO_TO_PARSER[repo] = PARSERS[parser]
        MAP_REPO_TO_EXT[repo] = "py"
    return custom
