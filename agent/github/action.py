"""GitHub Action entry point: `python -m agent.github.action`.

Reads what GitHub sets (GITHUB_EVENT_PATH, GITHUB_EVENT_NAME, GITHUB_REPOSITORY, GITHUB_SERVER_URL,
GITHUB_API_URL, GITHUB_TOKEN) and the action inputs as INPUT_* variables, decides whether the event
may start a run, then solves the issue and opens a PR (or comments). A hard budget is mandatory: an
unattended bot must not be able to spend without limit.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Mapping, MutableMapping

from agent.github.client import GitHubClient
from agent.github.errors import GitHubError
from agent.github.scrub import scrub, secret_values
from agent.github.trigger import Verdict, decide, needs_permission_lookup
from agent.github.urls import PUBLIC_API, PUBLIC_SERVER

log = logging.getLogger("swe_agent.github")

KEY_INPUT = "INPUT_API_KEY"     # the model key's value, handed over by the workflow from a secret


class ActionError(ValueError):
    """Bad action inputs or environment; the message says which input to fix."""


def get_input(env: Mapping[str, str], name: str, default: str = "") -> str:
    # JavaScript/Docker actions get INPUT_BUDGET-USD (hyphen kept); our composite step sets INPUT_BUDGET_USD.
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        if env.get(key, "").strip():
            return env[key].strip()
    return default


def _number(env, name: str, kind=float, required=False):
    raw = get_input(env, name)
    if not raw:
        if required:
            raise ActionError(f"input `{name}` is required (a hard cap for this unattended run), e.g. {name}: '2.00'")
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise ActionError(f"input `{name}` must be a number, got {raw!r}")
    if value <= 0:
        raise ActionError(f"input `{name}` must be positive, got {raw!r}")
    return value


def build_config(env: Mapping[str, str]):
    from agent.config import load_config
    budget = _number(env, "budget-usd", float, required=True)
    overrides = [line.strip() for line in get_input(env, "set").splitlines() if line.strip()]
    top = {"budget_usd": budget, "model.name": get_input(env, "model") or None,
           "model.api_key_env": get_input(env, "api-key-env") or None,
           "model.api_base": get_input(env, "api-base") or None,
           "patch.samples": _number(env, "samples", int), "test.samples": _number(env, "test-samples", int),
           "sandbox": get_input(env, "sandbox") or None}
    config_file = get_input(env, "config")
    try:
        config = load_config(Path(config_file) if config_file else None, overrides, **top)
    except (ValueError, OSError) as err:
        raise ActionError(f"bad configuration: {err}")
    if config.sandbox == "local":   # model-written code next to GITHUB_TOKEN and the model key: never
        raise ActionError("`sandbox: local` is refused in the Action: it runs model-written code on the runner "
                          "without isolation, next to the repository token and the model key; use `docker`")
    return config


def install_model_key(env: MutableMapping[str, str], key_env: str | None) -> None:
    """Move the key from INPUT_API_KEY to the variable the model client reads, and nowhere else.
    Sandboxes never inherit the environment, so the key stays with the model client."""
    value = env.pop(KEY_INPUT, "")
    if value and not key_env:
        raise ActionError("input `api-key` is set but `api-key-env` is not: name the variable your model "
                          "provider reads, e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY")
    if value:
        env[key_env] = value
    elif key_env and not env.get(key_env):
        raise ActionError(f"no model key: pass `api-key: ${{{{ secrets.YOUR_KEY }}}}` or set {key_env} in the job's env")


def write_summary(env: Mapping[str, str], text: str, outputs: dict[str, str] | None = None) -> None:
    text = scrub(text, secret_values(env))
    print(text)
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
            f.write(text + "\n")
    if outputs and env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            for k, v in outputs.items():
                f.write(f"{k}={scrub(str(v), secret_values(env))}\n")


def evaluate(env: Mapping[str, str], payload: dict, client: GitHubClient) -> Verdict:
    label = get_input(env, "label", "swe-agent")
    event = env.get("GITHUB_EVENT_NAME", "")
    login = needs_permission_lookup(event, payload)
    permission = None
    if login:
        try:
            permission = client.get_permission(env["GITHUB_REPOSITORY"], login)
        except GitHubError as err:   # the label itself already proves triage rights
            log.warning("could not look up %s's permission (%s); relying on label rights", login, err)
    return decide(event, payload, label=label, sender_permission=permission)


def run(env: MutableMapping[str, str] | None = None, solve=None) -> int:
    env = os.environ if env is None else env
    try:
        for name in ("GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY"):
            if not env.get(name):
                raise ActionError(f"{name} is not set: run this inside a GitHub Actions workflow")
        if not env.get("GITHUB_TOKEN"):
            raise ActionError("GITHUB_TOKEN is not set: pass `github-token` (default ${{ github.token }})")
        payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        client = GitHubClient(env.get("GITHUB_API_URL") or PUBLIC_API, env["GITHUB_TOKEN"])
        verdict = evaluate(env, payload, client)
        if not verdict.run:
            write_summary(env, f"### swe-agent: skipped\n{verdict.reason}", {"status": "skipped"})
            return 0
        config = build_config(env)
        install_model_key(env, config.model.api_key_env)
        from agent.github.flow import solve_github_issue
        server = (env.get("GITHUB_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
        url = f"{server}/{env['GITHUB_REPOSITORY']}/issues/{verdict.issue_number}"
        run_root = Path(env.get("RUNNER_TEMP") or "runs") / "swe-agent"
        run_dir = run_root / f"issue-{verdict.issue_number}-{env.get('GITHUB_RUN_ID', 'local')}"
        draft_below = _number(env, "draft-below", float) or 0.6
        outcome = solve_github_issue(url, open_pr=True, config=config, run_dir=run_dir, solve=solve,
                                     draft_below=draft_below, env=env, client=client)
    except (ActionError, GitHubError) as err:
        write_summary(env, f"### swe-agent: error\n{err}", {"status": "error"})
        return 2 if isinstance(err, ActionError) else 1
    lines = [f"### swe-agent: {outcome.status}", f"- trigger: {verdict.reason}",
             f"- confidence: {outcome.confidence:.2f}, cost: ${outcome.cost_usd:.4f} of ${config.budget_usd:.2f}"]
    if outcome.pr_url:
        lines.append(f"- {'draft ' if outcome.draft else ''}pull request: {outcome.pr_url} (branch `{outcome.branch}`)")
    if outcome.comment_url:
        lines.append(f"- no fix proposed; diagnosis posted: {outcome.comment_url}")
    lines.append(f"- run folder: `{outcome.run_dir}`")
    write_summary(env, "\n".join(lines), {"status": outcome.status, "pr-url": outcome.pr_url or "",
                                          "run-dir": outcome.run_dir})
    return 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.exit(run())


if __name__ == "__main__":
    main()
