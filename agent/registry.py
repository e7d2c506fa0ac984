"""Names → factories, for the parts a run config chooses: sandbox backends and verifiers.

A config value is either a registered name ("docker", "llm_judge") or an import path
("my_pkg.backends:make_sandboxes" or "my_pkg.backends.make_sandboxes") to a factory outside
this package: a new backend or verifier needs no edit in `agent/`. Built-in entries are
import paths too, so that importing this module imports nothing else (config.py validates
names against it without pulling in docker or litellm).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable


class UnknownEntry(ValueError):
    """A config names a factory that is neither registered nor importable."""


def is_import_path(value: str) -> bool:
    return ":" in value or "." in value


def import_object(path: str) -> Any:
    """`pkg.mod:attr` or `pkg.mod.attr` → the object."""
    module, sep, attr = path.partition(":")
    if not sep:
        module, _, attr = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as err:
        raise UnknownEntry(f"cannot import {path!r}: {err}") from None


class Registry:
    def __init__(self, kind: str, builtin: dict[str, str]):
        self.kind = kind
        self._entries: dict[str, str | Callable] = dict(builtin)

    def register(self, name: str, factory: str | Callable) -> None:
        self._entries[name] = factory

    def names(self) -> list[str]:
        return sorted(self._entries)

    def accepts(self, value: str) -> bool:
        return value in self._entries or is_import_path(value)

    def check(self, value: str) -> str:
        """For config validation: the value itself, or UnknownEntry naming the choices."""
        if not self.accepts(value):
            raise UnknownEntry(f"unknown {self.kind} {value!r}; choose one of: {', '.join(self.names())}, "
                               "or give an import path such as my_pkg.module:factory")
        return value

    def resolve(self, value: str) -> Callable:
        entry = self._entries.get(self.check(value), value)
        factory = import_object(entry) if isinstance(entry, str) else entry
        if not callable(factory):
            raise UnknownEntry(f"{self.kind} {value!r} resolves to {factory!r}, which is not callable")
        return factory


# factory(config, repo, commit, *, run_id, stack) -> Callable[[], Sandbox]   (agent/sandboxes.py)
SANDBOX_BACKENDS = Registry("sandbox backend", {"docker": "agent.sandboxes:docker_backend",
                                                "local": "agent.sandboxes:local_backend"})
# factory(config) -> Verifier   (agent/stages/reward.py)
VERIFIERS = Registry("verifier", {"llm_judge": "agent.stages.reward:llm_judge",
                                  "yes_no": "agent.stages.reward:yes_no_judge"})
