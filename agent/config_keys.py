"""Config keys no field takes (`-c patch.samplez=8`), found before pydantic drops them silently."""
from __future__ import annotations

import difflib
import types
import typing

from pydantic import BaseModel


def _section_model(annotation) -> type[BaseModel] | None:
    """The config model a field holds (`StageConfig`, `ModelConfig | None`, ...), or None for a value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return next(filter(None, map(_section_model, typing.get_args(annotation))), None)
    return None


def unknown_keys(data: dict, model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted keys of `data` that no config field takes, each with the closest known key, if any
    ("patch.samplez (did you mean patch.samples?)"). Pydantic would drop them silently, so a typo in
    `-c patch.samplez=8` would run with the default."""
    out = []
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            close = difflib.get_close_matches(str(key), list(model.model_fields), n=1)
            out.append(f"{prefix}{key}" + (f" (did you mean {prefix}{close[0]}?)" if close else ""))
        elif isinstance(value, dict) and (section := _section_model(field.annotation)):
            out += unknown_keys(value, section, f"{prefix}{key}.")
    return out
