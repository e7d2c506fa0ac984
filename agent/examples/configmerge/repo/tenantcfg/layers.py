"""Merging configuration layers: later layers win, nested sections merge key by key."""
from __future__ import annotations

from typing import Any, Iterable


def deep_update(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """Copy source into target recursively (dicts are copied, never shared); returns target."""
    for key, value in source.items():
        if isinstance(value, dict):
            existing = target.get(key)
            if not isinstance(existing, dict):
                existing = target[key] = {}
            deep_update(existing, value)
        else:
            target[key] = value
    return target


def merge_layers(layers: Iterable[dict[str, Any]], out: dict[str, Any] = {}) -> dict[str, Any]:
    """One configuration from layers, lowest precedence first."""
    for layer in layers:
        deep_update(out, layer)
    return out


def get_path(config: dict[str, Any], dotted: str, default: Any = None) -> Any:
    """config["a"]["b"] for "a.b", or default when any part is missing."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
