"""The environment recipe a synthesized row carries in its `env_spec` column.

swebench knows nothing of `synth/<project>` repositories; agent.evaluation.custom registers a row's
`env_spec` with swebench's tables, so the offline image builders, the official eval script and the
official grading treat a synthesized row like any SWE-bench row. This module only says what that
spec is for a pure-Python project tested with pytest.
"""
from __future__ import annotations

from pydantic import BaseModel

SPEC_COLUMN = "env_spec"    # the column agent.evaluation.custom registers with swebench


class SynthEnv(BaseModel):
    python: str = "3.11"                                # pyenv minor series (recipe.pick_python)
    # pinned: test ids and outcomes must not drift between synthesis and grading; coverage picks
    # the functions the suite exercises at the base commit
    pip_packages: list[str] = ["pytest==8.3.5", "coverage==7.6.10"]
    install: str = "python -m pip install -e ."
    # -rA: the short summary swebench's pytest parser reads; -p no:cacheprovider: no .pytest_cache
    # written into the checkout (it would show up in `git diff` of a solver's sandbox).
    test_cmd: str = "pytest -rA -p no:cacheprovider"
    log_parser: str = "pytest"

    def env_spec(self) -> dict:
        """A MAP_REPO_VERSION_TO_SPECS entry plus the parser name (agent.evaluation.custom's format)."""
        return {"python": self.python, "packages": "", "pip_packages": list(self.pip_packages),
                "install": self.install, "test_cmd": self.test_cmd, "log_parser": self.log_parser}
