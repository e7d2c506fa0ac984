"""Fast tests live in tests/unit (no Docker, no model server; `pytest tests/unit`), the rest in
tests/integration. Shared helpers are the package tests/support, imported normally; its fixtures are
registered here."""

# tests/data holds other projects' repositories (their own test suites are data here, not tests).
collect_ignore_glob = ["data/*"]

pytest_plugins = [
    "tests.support.engine",           # docker_client, slow_docker_client
    "tests.support.sandbox",          # sandbox_git_repo, repo_image, sandbox_run_id, docker_sandbox, venv_python_first
    "tests.support.embedded_model",   # embedded_model: one real llama.cpp server per session
    "tests.support.github_action",    # gh: the fake GitHub with the calc repository and issue 12
]
