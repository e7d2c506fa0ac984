"""The Action's world for the GitHub tests: the fake GitHub (`gh` fixture, registered by
tests/conftest.py) holding acme/calc with issue 12, the event payloads GitHub sends, and the
environment GitHub sets for the entry point."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support.github_server import FakeGitHub
from tests.support.pipeline import ISSUE, make_repo

TOKEN = "ghs_" + "ActionTok3n" * 4
KEY = "sk-action-" + "s3cr3tKey" * 3


@pytest.fixture
def gh(tmp_path):
    src = make_repo(tmp_path)
    subprocess.run(["git", "branch", "-M", "main"], cwd=src, check=True)
    with FakeGitHub(tmp_path / "remote", TOKEN) as server:
        server.add_repo("acme/calc", src)
        title, _, body = ISSUE.partition("\n")
        server.add_issue("acme/calc", 12, title, body)
        server.permissions.update({"maint": "maintain", "reader": "read", "someone": "write"})
        yield server


def issue_payload():
    return {"number": 12, "title": "add() returns the wrong result", "body": "…", "state": "open",
            "html_url": "https://github.com/acme/calc/issues/12", "user": {"login": "reporter", "type": "User"},
            "labels": [{"name": "swe-agent"}], "author_association": "NONE"}


def labeled_event(sender="maint"):
    return {"action": "labeled", "issue": issue_payload(), "label": {"name": "swe-agent", "color": "ededed"},
            "repository": {"full_name": "acme/calc", "private": False}, "sender": {"login": sender, "type": "User"}}


def comment_event(assoc, body="/swe-agent", login="someone"):
    return {"action": "created", "issue": issue_payload(),
            "comment": {"id": 1, "body": body, "author_association": assoc, "user": {"login": login, "type": "User"},
                        "html_url": "https://github.com/acme/calc/issues/12#issuecomment-1"},
            "repository": {"full_name": "acme/calc"}, "sender": {"login": login, "type": "User"}}


def action_env(gh, tmp_path, event_name, payload, **inputs) -> dict:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event),
           "GITHUB_REPOSITORY": "acme/calc", "GITHUB_SERVER_URL": gh.server_url, "GITHUB_API_URL": gh.api_url,
           "GITHUB_TOKEN": TOKEN, "GITHUB_RUN_ID": "4242", "RUNNER_TEMP": str(tmp_path / "runner"),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
           "SWE_AGENT_CACHE": str(tmp_path / "cache"), "PATH": os.environ["PATH"], "HOME": str(tmp_path),
           "INPUT_MODEL": "openai/gpt-4o-mini", "INPUT_API_KEY_ENV": "OPENAI_API_KEY", "INPUT_API_KEY": KEY,
           "INPUT_BUDGET_USD": "1.50", "INPUT_SAMPLES": "3", "INPUT_LABEL": "swe-agent"}
    env.update(inputs)
    return {k: v for k, v in env.items() if v is not None}


def outputs(tmp_path) -> dict:
    p = tmp_path / "output.txt"
    return dict(line.split("=", 1) for line in p.read_text().splitlines()) if p.exists() else {}
