"""Should this GitHub event start a run? Pure: the event payload (+ a looked-up permission) in, a verdict out.

Only people trusted with the repository may spend its model budget: triage, write, maintain or admin
rights, looked up through the collaborators permission API. A label needs triage rights to add at
all, so a failed lookup falls back to that; a `/swe-agent` comment can be written by anyone, so its
author must be looked up. (`author_association` is not used: MEMBER and COLLABORATOR include people
with read access only.) Bots and pull-request comments never trigger.
"""
from __future__ import annotations

from dataclasses import dataclass

COMMAND = "/swe-agent"
# Adding a label requires triage; anything lower (read, none) means it was not a maintainer.
TRIGGER_ROLES = {"admin", "maintain", "write", "triage"}


@dataclass(frozen=True)
class Verdict:
    run: bool
    reason: str
    issue_number: int | None = None
    actor: str | None = None


def _is_bot(user: dict | None) -> bool:
    user = user or {}
    return user.get("type") == "Bot" or str(user.get("login", "")).endswith("[bot]")


def _command_author(payload: dict) -> dict | None:
    """The author of a `/swe-agent` comment (None when the comment is not one, or is by a bot)."""
    comment = payload.get("comment") or {}
    body = (comment.get("body") or "").split(None, 1)
    user = comment.get("user") or {}
    return user if body and body[0] == COMMAND and not _is_bot(user) else None


def needs_permission_lookup(event_name: str, payload: dict) -> str | None:
    """The login whose repository role decide() wants to know: the labeller, or the commenter."""
    if event_name == "issues" and payload.get("action") == "labeled":
        return (payload.get("sender") or {}).get("login")
    if event_name == "issue_comment" and payload.get("action") == "created":
        return (_command_author(payload) or {}).get("login")
    return None


def decide(event_name: str, payload: dict, *, label: str = "swe-agent",
           sender_permission: str | None = None) -> Verdict:
    """`sender_permission`: the labeller's / commenter's role from the API; None = unknown (enough for a
    label, which needs triage rights to add; not for a comment)."""
    issue = payload.get("issue") or {}
    number = issue.get("number")
    if not number:
        return Verdict(False, f"event {event_name!r} carries no issue")
    if issue.get("pull_request"):
        return Verdict(False, "this is a pull request, not an issue", number)
    if issue.get("state") == "closed":
        return Verdict(False, f"issue #{number} is closed", number)

    if event_name == "issues":
        action = payload.get("action")
        if action != "labeled":
            return Verdict(False, f"issues event action {action!r} is not 'labeled'", number)
        added = (payload.get("label") or {}).get("name")
        if added != label:
            return Verdict(False, f"label {added!r} is not the trigger label {label!r}", number)
        sender = (payload.get("sender") or {}).get("login")
        if sender_permission is not None and sender_permission not in TRIGGER_ROLES:
            return Verdict(False, f"{sender} labelled the issue but has only {sender_permission!r} access", number, sender)
        return Verdict(True, f"{sender} added the {label!r} label", number, sender)

    if event_name == "issue_comment":
        action = payload.get("action")
        if action != "created":
            return Verdict(False, f"issue_comment action {action!r} is not 'created'", number)
        comment = payload.get("comment") or {}
        user = comment.get("user") or {}
        login = user.get("login")
        if _is_bot(user):
            return Verdict(False, f"comment by bot {login}", number, login)
        body = (comment.get("body") or "").lstrip()
        first = body.split(None, 1)[0] if body else ""
        if first != COMMAND:
            return Verdict(False, f"comment does not start with {COMMAND}", number, login)
        if sender_permission is None:
            return Verdict(False, f"could not look up {login}'s permission on the repository; a {COMMAND} "
                                  "comment needs triage or write access", number, login)
        if sender_permission not in TRIGGER_ROLES:
            return Verdict(False, f"{login} commented {COMMAND} but has only {sender_permission!r} access "
                                  "(needs triage or write)", number, login)
        return Verdict(True, f"{login} ({sender_permission}) asked with {COMMAND}", number, login)

    return Verdict(False, f"event {event_name!r} does not trigger swe-agent", number)
