"""Pure parts of the GitHub feature: URL parsing, secret scrubbing, trigger rules, rate-limit waits."""
from __future__ import annotations

import base64

import pytest
import requests

from agent.github.client import _rate_limit_wait
from agent.github.scrub import scrub, secret_values
from agent.github.trigger import decide, needs_permission_lookup
from agent.github.urls import BadIssueURL, api_url_for, parse_issue_url


def test_parse_public_and_enterprise_urls():
    u = parse_issue_url("https://github.com/psf/requests/issues/6543")
    assert (u.server, u.owner, u.repo, u.number) == ("https://github.com", "psf", "requests", 6543)
    assert u.issue_id == "psf/requests#6543" and u.clone_url == "https://github.com/psf/requests.git"
    assert parse_issue_url(" https://github.com/a-b/c.d_e/issues/1/ ").repo == "c.d_e"
    g = parse_issue_url("https://ghe.corp.example/team/tool/issues/3", "https://ghe.corp.example/")
    assert g.server == "https://ghe.corp.example" and api_url_for(g.server) == "https://ghe.corp.example/api/v3"
    assert api_url_for("https://github.com") == "https://api.github.com"
    assert api_url_for("https://github.com", "http://127.0.0.1:9/api/") == "http://127.0.0.1:9/api"
    p = parse_issue_url("https://host.example/github/o/r/issues/2", "https://host.example/github")
    assert (p.owner, p.repo, p.number) == ("o", "r", 2)


@pytest.mark.parametrize("url,msg", [
    ("github.com/a/b/issues/1", "not a URL"),
    ("https://github.com/a/b/pull/1", "pull request, not an issue"),
    ("https://github.com/a/b/issues/x", "not an issue URL"),
    ("https://github.com/a/b/issues/0", "start at 1"),
    ("https://github.com/a/b", "not an issue URL"),
    ("https://gitlab.com/a/b/issues/1", "GITHUB_SERVER_URL"),
    ("https://ghe.corp.example/a/b/issues/1", "not on https://github.com"),
    ("", "not a URL"),
])
def test_malformed_urls_say_what_was_expected(url, msg):
    with pytest.raises(BadIssueURL, match=msg):
        parse_issue_url(url)


def test_scrub_masks_known_values_encodings_and_token_shapes():
    token = "ghs_" + "x" * 36
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    text = f"t={token} h={basic} k=sk-abcdefghijklmnopqrstu p=ghp_{'A' * 36} Authorization: Bearer abc.def"
    out = scrub(text, [token])
    assert token not in out and basic not in out and "sk-abc" not in out and "ghp_A" not in out
    assert "Authorization: Bearer ***" in out
    assert scrub("a short 1 value", ["1"]) == "a short 1 value"        # too short to be a secret
    env = {"GITHUB_TOKEN": "tok-123456", "MY_MODEL_KEY": "kkkkkkkk", "HOME": "/root", "WEIRD": "zzzzzzzz"}
    assert sorted(secret_values(env, ["WEIRD"])) == ["kkkkkkkk", "tok-123456", "zzzzzzzz"]
    assert scrub("tok-123456 kkkkkkkk /root", secret_values(env)) == "*** *** /root"


def issue(**kw):
    return {"number": 5, "state": "open", "title": "t", **kw}


def labeled(label="swe-agent", sender="maint"):
    return {"action": "labeled", "issue": issue(), "label": {"name": label}, "sender": {"login": sender, "type": "User"}}


def comment(body="/swe-agent", assoc="MEMBER", login="m", type_="User", **issue_kw):
    return {"action": "created", "issue": issue(**issue_kw),
            "comment": {"body": body, "author_association": assoc, "user": {"login": login, "type": type_}}}


def test_label_trigger_rules():
    assert needs_permission_lookup("issues", labeled()) == "maint"
    assert decide("issues", labeled(), sender_permission="maintain").run
    assert decide("issues", labeled(), sender_permission="triage").run
    assert decide("issues", labeled(), sender_permission=None).run          # labelling itself needs triage
    v = decide("issues", labeled(), sender_permission="read")
    assert not v.run and "only 'read'" in v.reason
    assert not decide("issues", labeled("bug"), sender_permission="admin").run
    assert decide("issues", labeled("fix-me"), label="fix-me").run
    assert not decide("issues", {**labeled(), "action": "opened"}).run
    closed = {**labeled(), "issue": issue(state="closed")}
    assert "closed" in decide("issues", closed).reason


def test_comment_trigger_rules():
    # The commenter's role decides, never author_association (MEMBER / COLLABORATOR can be read-only).
    for role in ("admin", "maintain", "write", "triage"):
        assert decide("issue_comment", comment(assoc="NONE"), sender_permission=role).run
    for role in ("read", "none"):
        v = decide("issue_comment", comment(assoc="MEMBER"), sender_permission=role)
        assert not v.run and f"only '{role}'" in v.reason
    v = decide("issue_comment", comment(assoc="OWNER"), sender_permission=None)   # lookup failed
    assert not v.run and "could not look up" in v.reason
    assert decide("issue_comment", comment("  /swe-agent please try"), sender_permission="write").run
    assert not decide("issue_comment", comment("please /swe-agent"), sender_permission="admin").run
    assert not decide("issue_comment", comment("/swe-agentx"), sender_permission="admin").run
    assert "bot" in decide("issue_comment", comment(login="ci[bot]", assoc="OWNER"), sender_permission="admin").reason
    assert "bot" in decide("issue_comment", comment(type_="Bot", assoc="OWNER"), sender_permission="admin").reason
    assert "pull request" in decide("issue_comment", comment(pull_request={"url": "x"})).reason
    assert not decide("issue_comment", {**comment(), "action": "edited"}, sender_permission="admin").run
    assert not decide("push", {"ref": "refs/heads/main"}).run
    assert needs_permission_lookup("issue_comment", comment(login="m")) == "m"
    for not_a_command in (comment("thanks!"), comment(login="ci[bot]"), {**comment(), "action": "edited"}):
        assert needs_permission_lookup("issue_comment", not_a_command) is None      # no API call for those


def _resp(status, headers, body=b"{}"):
    r = requests.Response()
    r.status_code, r._content = status, body
    r.headers.update(headers)
    return r


def test_rate_limit_wait_times():
    assert _rate_limit_wait(_resp(429, {"Retry-After": "7"})) == 7
    assert _rate_limit_wait(_resp(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1100"}), now=1000) == 101
    assert _rate_limit_wait(_resp(403, {}, b'{"message": "You have exceeded a secondary rate limit"}')) == 60
    assert _rate_limit_wait(_resp(403, {"X-RateLimit-Remaining": "12"})) is None     # a permission error
    assert _rate_limit_wait(_resp(404, {"Retry-After": "1"})) is None
