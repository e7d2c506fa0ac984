"""Every way an Action run can fail, said as: what failed, and how to fix it (never a traceback).

The maintainer who triggered the run reads this on the issue; the job log keeps the details.
"""
from __future__ import annotations


def explain(err: BaseException) -> tuple[str, str]:
    """(what failed, how to fix it) for an exception that ended a run."""
    import docker.errors

    from agent.github.errors import ActionError, GitHubError, PermissionDenied, PushRejected, RateLimited
    from agent.model.base import ModelError
    from agent.pipeline import RunMismatch
    from agent.runfolder import RunFolderBusy, RunFolderLayoutError
    from sandbox.base import SandboxError
    from sandbox.engine import EngineUnavailable

    text = " ".join(str(err).split())[:1500]
    if isinstance(err, ActionError):
        return f"a workflow input is wrong: {text}", "fix that input under `with:` in the workflow file."
    if isinstance(err, ModelError):
        return (f"the model could not be used: {text}",
                "check the `model`, `api-key` / `api-key-env` and `api-base` inputs and the provider's status "
                "page; transient provider errors pass on a re-run.")
    if isinstance(err, EngineUnavailable):   # its own advice is for the CLI (setup scripts, --sandbox local)
        cause = text.rpartition("(cause: ")[2].rstrip(")") or text
        return (f"no Docker engine was reachable ({cause})",
                "run the job on a runner with Docker (GitHub's `ubuntu-latest` has it), or start Docker in an "
                "earlier step.")
    if isinstance(err, docker.errors.BuildError):
        return (f"the repository's sandbox image could not be built: {text}",
                "make sure the repository installs with `pip install -e .`, or give the install steps with the "
                "`pip` / `install` configuration keys (`set:` input or a `config:` file).")
    if isinstance(err, (docker.errors.DockerException, SandboxError)):
        return (f"a sandbox failed: {text}", "re-run the job; if it fails again, check the runner's Docker "
                "(disk space, `docker info`).")
    if isinstance(err, (PermissionDenied, PushRejected)):
        return (f"GitHub refused a write: {text}",
                "give the workflow `permissions: contents: write, pull-requests: write, issues: write`, and "
                "allow the bot's `swe-agent/*` branches in branch protection rules.")
    if isinstance(err, RateLimited):
        return f"GitHub's rate limit was reached: {text}", "re-run the job after the limit resets."
    if isinstance(err, GitHubError):
        return f"a GitHub request failed: {text}", "see the message; re-run the job once GitHub answers again."
    if isinstance(err, (RunFolderBusy, RunFolderLayoutError, RunMismatch)):
        return f"the run folder could not be used: {text}", "re-run the job (it gets a fresh run folder)."
    return (f"an unexpected error ({type(err).__name__}: {text})",
            "re-run the job; if it happens again, report it to swe-agent with the job log.")


def failure_comment(marker: str, what: str, fix: str, run_url: str | None) -> str:
    log = f" The [job log]({run_url}) has the details." if run_url else ""
    what = what.replace("@", "@\u200d")    # provider / git messages must not ping anyone
    return (f"{marker}\n**swe-agent could not finish this run.**\n\n- What failed: {what}\n- How to fix it: {fix}\n\n"
            f"Nothing was pushed.{log} Comment `/swe-agent` (or re-add the label) to try again.\n")
