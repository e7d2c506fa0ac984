"""Reading and writing .env files (KEY=VALUE per line)."""
from __future__ import annotations


def parse_env(text: str) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped; one pair of matching quotes around a value removed."""
    env: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ValueError(f"line {lineno}: expected KEY=VALUE, got {line!r}")
        key, value = line.split("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key] = value
    return env


def dump_env(env: dict[str, str]) -> str:
    """The inverse of parse_env; values with spaces are double-quoted."""
    lines = []
    for key, value in env.items():
        lines.append(f'{key}="{value}"' if " " in value else f"{key}={value}")
    return "\n".join(lines) + ("\n" if lines else "")
