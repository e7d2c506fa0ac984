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
import traceback
from pathlib import Path
from typing import Mapping, MutableMapping

from agent.github.client import GitHubClient
from agent.github.errors import ActionError, GitHubError
from agent.github.failures import explain, failure_comment
from agent.github.pr import MARKER
from agent.github.scrub import scrub, secret_values
from agent.github.trigger import Verdict, decide, needs_permission_lookup
from agent.github.urls import PUBLIC_API, PUBLIC_SERVER

log = logging.getLogger("swe_agent.github")

KEY_INPUT = "INPUT_API_KEY"     # the model key's value, handed over by the workflow from a secret
DEFAULT_MAX_TOKENS = 2_000_000  # ~4x what a default run with a hosted model uses; `max-tokens` changes it


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
    # Always a token cap too: it bounds a model litellm cannot price, where dollars cannot.
    max_tokens = _number(env, "max-tokens", int) or DEFAULT_MAX_TOKENS
    overrides = [line.strip() for line in get_input(env, "set").splitlines() if line.strip()]
    top = {"budget_usd": budget, "max_tokens": max_tokens, "model.name": get_input(env, "model") or None,
           "model.price_per_mtok": get_input(env, "price-per-mtok") or None,
           "model.api_key_env": get_input(env, "api-key-env") or None,
           "model.api_base": get_input(env, "api-base") or None,
           "patch.samples": _number(env, "samples", int), "test.samples": _number(env, "test-samples", int),
           "sandbox": get_input(env, "sandbox") or None}
    config_file = get_input(env, "config")
    try:
        config = load_config(Path(config_file) if config_file else None, overrides, **top)
    except (ValueError, OSError) as err:
        raise ActionError(f"bad configuration: {err}")
    if config.sandbox != "docker":   # model-written code next to GITHUB_TOKEN and the model key: never
        raise ActionError(f"`sandbox: {config.sandbox}` is refused in the Action: only `docker` is known to isolate "
                          "model-written code from the runner, the repository token and the model key")
    from agent.model.pricing import config_problem
    if problem := config_problem(config):
        raise ActionError(problem.replace("--price-per-mtok", "`price-per-mtok`").replace("--max-tokens", "`max-tokens`")
                          .replace("--budget-usd", "`budget-usd`"))
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
        except GitHubError as err:   # decide() accepts an unknown role for a label (it needs triage), not a comment
            log.warning("could not look up %s's permission: %s", login, err)
    return decide(event, payload, label=label, sender_permission=permission)


def trigger_of(event: str, payload: dict, verdict: Verdict):
    """The issue's text as the event carried it, and when the maintainer asked: what they approved."""
    from agent.github.flow import Trigger
    issue = payload.get("issue") or {}
    at = (payload.get("comment") or {}).get("created_at") if event == "issue_comment" else issue.get("updated_at")
    return Trigger(title=issue.get("title") or "", body=issue.get("body") or "", at=at, by=verdict.actor or "")


def _comment(client: GitHubClient, env: Mapping[str, str], number: int, text: str, secrets: list[str]) -> None:
    try:
        client.create_comment(env["GITHUB_REPOSITORY"], number, scrub(text, secret_values(env) + secrets))
    except GitHubError as err:      # e.g. no `issues: write`: the step summary still says it all
        log.warning("could not comment on the issue: %s", err)


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
    except (ActionError, GitHubError) as err:
        write_summary(env, f"### swe-agent: error\n{err}", {"status": "error"})
        return 2 if isinstance(err, ActionError) else 1
    if not verdict.run:
        write_summary(env, f"### swe-agent: skipped\n{verdict.reason}", {"status": "skipped"})
        return 0
    from agent.github.flow import IssueEdited, solve_github_issue
    key_names: list[str] = []
    try:
        config = build_config(env)
        key_names.append(config.model.api_key_env or "")
        install_model_key(env, config.model.api_key_env)
        server = (env.get("GITHUB_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
        url = f"{server}/{env['GITHUB_REPOSITORY']}/issues/{verdict.issue_number}"
        run_root = Path(env.get("RUNNER_TEMP") or "runs") / "swe-agent"
        run_dir = run_root / f"issue-{verdict.issue_number}-{env.get('GITHUB_RUN_ID', 'local')}"
        draft_below = _number(env, "draft-below", float) or 0.6
        outcome = solve_github_issue(url, open_pr=True, config=config, run_dir=run_dir, solve=solve,
                                     draft_below=draft_below, env=env, client=client,
                                     trigger=trigger_of(env.get("GITHUB_EVENT_NAME", ""), payload, verdict))
    except IssueEdited as err:
        _comment(client, env, verdict.issue_number, f"{MARKER}\n**swe-agent did not run**: {err}", [])
        write_summary(env, f"### swe-agent: skipped\n{err}", {"status": "skipped"})
        return 0
    except Exception as err:        # every failure ends alike: status=error and a comment saying what to do
        what, fix = explain(err)
        log.error("run failed: %s", scrub("".join(traceback.format_exception(err)), secret_values(env, key_names)))
        _comment(client, env, verdict.issue_number, failure_comment(MARKER, what, fix, _run_url(env)), key_names)
        write_summary(env, f"### swe-agent: error\n- what failed: {what}\n- how to fix it: {fix}", {"status": "error"})
        return 2 if isinstance(err, ActionError) else 1
    if outcome.note and outcome.status == "skipped":
        _comment(client, env, verdict.issue_number, f"{MARKER}\n**swe-agent did not run**: {outcome.note}.", [])
    lines = [f"### swe-agent: {outcome.status}", f"- trigger: {verdict.reason}",
             f"- confidence: {outcome.confidence:.2f}, cost: ${outcome.cost_usd:.4f} of ${config.budget_usd:.2f}"]
    if outcome.note:
        lines.append(f"- {outcome.note}")
    if outcome.pr_url:
        lines.append(f"- {'draft ' if outcome.draft else ''}pull request: {outcome.pr_url} (branch `{outcome.branch}`)")
    if outcome.comment_url:
        lines.append(f"- no pull request; comment posted: {outcome.comment_url}")
    lines.append(f"- run folder: `{outcome.run_dir}`")
    write_summary(env, "\n".join(lines), {"status": outcome.status, "pr-url": outcome.pr_url or "",
                                          "run-dir": outcome.run_dir})
    return 0


def _run_url(env: Mapping[str, str]) -> str | None:
    if not env.get("GITHUB_RUN_ID"):
        return None
    server = (env.get("GITHUB_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
    return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.exit(run())


if __name__ == "__main__":
    main()
