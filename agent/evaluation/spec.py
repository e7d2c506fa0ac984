"""swebench TestSpecs without network, the eval script adapted to the venv, and the online image names.

`make_test_spec` fetches requirements / environment.yml from GitHub to build its env script, which
fails here. The eval script and repo script do not need it, so we build the TestSpec from the same
official script builders and put our offline recipe in place of the env script.
"""
from __future__ import annotations

import json

from swebench.harness.constants import MAP_REPO_TO_EXT
from swebench.harness.test_spec.create_scripts import make_eval_script_list, make_repo_script_list
from swebench.harness.test_spec.test_spec import TestSpec, make_test_spec

from agent.evaluation.custom import specs_for
from agent.evaluation.recipe import VENV

CONDA_SOURCE = "source /opt/miniconda3/bin/activate"
CONDA_ACTIVATE = "conda activate testbed"
ONLINE_NAMESPACE = "swebench"  # Docker Hub namespace of the official prebuilt instance images


def _json_list(value) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def offline_test_spec(instance: dict, env_script: list[str] | None = None) -> TestSpec:
    """Same fields as make_test_spec(instance, namespace=None), built without touching the network."""
    specs = specs_for(instance)   # registers a row's own env_spec with swebench first
    repo_dir = "/testbed"
    return TestSpec(
        instance_id=instance["instance_id"], repo=instance["repo"], version=instance["version"],
        repo_script_list=make_repo_script_list(specs, instance["repo"], repo_dir,
                                               instance["base_commit"], "testbed"),
        eval_script_list=make_eval_script_list(instance, specs, "testbed", repo_dir,
                                               instance["base_commit"], instance["test_patch"]),
        env_script_list=list(env_script or []), arch="x86_64",
        FAIL_TO_PASS=_json_list(instance.get("FAIL_TO_PASS")),
        PASS_TO_PASS=_json_list(instance.get("PASS_TO_PASS")),
        language=MAP_REPO_TO_EXT[instance["repo"]], docker_specs=specs.get("docker_specs", {}),
        namespace=None)


def online_test_spec(instance: dict) -> TestSpec:
    """What the official harness uses with prebuilt images (needs GitHub + Docker Hub: not here)."""
    return make_test_spec(instance, namespace=ONLINE_NAMESPACE)


def online_image_name(instance_id: str) -> str:
    """Official prebuilt image: swebench/sweb.eval.x86_64.<id with __ -> _1776_>:latest."""
    return f"{ONLINE_NAMESPACE}/sweb.eval.x86_64.{instance_id.lower()}:latest".replace("__", "_1776_")


def adapt_eval_script(script: str) -> str:
    """Conda activation becomes venv activation; every other line (the test commands) is unchanged."""
    out = []
    for line in script.split("\n"):
        if line.strip() == CONDA_SOURCE:
            out.append(f"source {VENV}/bin/activate")
        elif line.strip() == CONDA_ACTIVATE:
            continue
        else:
            out.append(line)
    return "\n".join(out)


def eval_script(spec: TestSpec, online: bool = False) -> str:
    # Online images have the official conda env: their script runs verbatim.
    return spec.eval_script if online else adapt_eval_script(spec.eval_script)
