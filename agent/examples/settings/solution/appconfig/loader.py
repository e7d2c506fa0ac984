"""Settings precedence: defaults < settings file < environment (APP_<KEY>).

A missing settings file is normal (defaults apply). A settings file that exists but cannot be
used - unreadable, not valid JSON, not an object, unknown keys or wrong types - is an error:
SettingsError says which file and, for JSON syntax errors, which line.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

DEFAULTS: dict[str, Any] = {
    "db_host": "localhost",
    "db_port": 5432,
    "debug": False,
    "workers": 4,
    "log_level": "INFO",
}


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    db_host: str
    db_port: int
    debug: bool
    workers: int
    log_level: str
    source: str = "defaults"

    @property
    def db_url(self) -> str:
        return f"postgresql://{self.db_host}:{self.db_port}/app"


def _coerce(key: str, value: Any, origin: str) -> Any:
    expected = type(DEFAULTS[key])
    if expected is bool and isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
    elif expected is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if type(value) is not expected and not (expected is str and isinstance(value, str)):
        raise SettingsError(f"{origin}: {key} must be {expected.__name__}, got {value!r}")
    return value


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as err:
        raise SettingsError(f"{path}: invalid JSON at line {err.lineno}: {err.msg}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(f"{path}: cannot read settings: {err}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a JSON object")
    unknown = sorted(set(data) - set(DEFAULTS))
    if unknown:
        raise SettingsError(f"{path}: unknown settings {', '.join(unknown)}")
    return {k: _coerce(k, v, str(path)) for k, v in data.items()}


def load_settings(path: str | Path = "settings.json", environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    source = "defaults"
    from_file = _read_file(Path(path))
    if from_file:
        values.update(from_file)
        source = str(path)
    for key in DEFAULTS:
        env_key = f"APP_{key.upper()}"
        if env_key in environ:
            values[key] = _coerce(key, environ[env_key], env_key)
            source = f"{source}+env"
    if values["workers"] < 1:
        raise SettingsError("workers must be at least 1")
    return Settings(**values, source=source)
