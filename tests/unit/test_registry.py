"""Registries (agent/registry.py): names, import paths and the errors that list the choices. A backend
and a verifier chosen by config alone and run in a real solve: integration/test_registry_recipes.py."""
from __future__ import annotations

import json

import pytest

from agent.registry import SANDBOX_BACKENDS, Registry, UnknownEntry, import_object


def test_names_import_paths_and_errors():
    reg = Registry("widget", {"json_loads": "json:loads"})
    assert reg.resolve("json_loads") is json.loads
    assert reg.resolve("json.dumps") is json.dumps and reg.resolve("json:dumps") is json.dumps
    reg.register("mine", len)
    assert reg.resolve("mine") is len and reg.names() == ["json_loads", "mine"]
    with pytest.raises(UnknownEntry, match="unknown widget 'dcoker'; choose one of: json_loads, mine"):
        reg.resolve("dcoker")
    with pytest.raises(UnknownEntry, match="cannot import 'no_such_module:thing'"):
        reg.resolve("no_such_module:thing")
    with pytest.raises(UnknownEntry, match="not callable"):
        reg.resolve("json:__name__")
    assert import_object("agent.sandboxes:local_backend") is SANDBOX_BACKENDS.resolve("local")
