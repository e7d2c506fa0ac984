"""Keep secrets out of anything we publish or log (PR bodies, comments, summaries, errors)."""
from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable, Mapping

MASK = "***"

# Env vars whose values are secrets by name: GitHub tokens, model keys, anything called a key/secret.
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|_KEY$|^INPUT_API_KEY$)", re.I)
# Token shapes that must never be published even if we did not know their value:
# GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), OpenAI/Anthropic style (sk-…), basic-auth headers.
_TOKEN_SHAPES = re.compile(
    r"\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_-]{16,})\b"
    r"|(?i:authorization:\s*(?:basic|bearer|token)\s+)[A-Za-z0-9+/=._-]+")
# Very short values would mask ordinary words ("1", "true"); such values are not real secrets.
MIN_SECRET_LEN = 6


def secret_values(env: Mapping[str, str] | None = None, extra_names: Iterable[str] = ()) -> list[str]:
    env = os.environ if env is None else env
    names = {n for n in env if _SECRET_NAME.search(n)} | {n for n in extra_names if n}
    return [env[n] for n in names if env.get(n)]


def scrub(text: str, secrets: Iterable[str | None] | None = None) -> str:
    """Replace every known secret value (and anything token-shaped) with ***."""
    if not text:
        return text
    values = sorted({s for s in (secrets if secrets is not None else secret_values()) if s
                     and len(s) >= MIN_SECRET_LEN}, key=len, reverse=True)   # longest first: no partial leftovers
    for value in values:
        text = text.replace(value, MASK)
        # git and HTTP carry tokens base64-encoded in basic auth ("x-access-token:TOKEN").
        for user in ("x-access-token", "x-oauth-basic"):
            text = text.replace(base64.b64encode(f"{user}:{value}".encode()).decode(), MASK)
    return _TOKEN_SHAPES.sub(_mask_shape, text)


def _mask_shape(m: re.Match) -> str:
    whole = m.group(0)
    if m.group(1):
        return MASK
    # keep "Authorization: Basic " visible, mask the credential
    head = re.match(r"(?i)authorization:\s*(?:basic|bearer|token)\s+", whole)
    return (head.group(0) if head else "") + MASK
