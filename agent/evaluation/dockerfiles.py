"""Dockerfile text for the two image layers (pure functions, so the recipes are testable without Docker).

One RUN per install step: a failed build then names the step that broke.
"""
from __future__ import annotations

import shlex

from agent.evaluation.recipe import LABEL_KIND, PYENV_ROOT, VENV, WHEELHOUSE, EnvRecipe, InstanceRecipe

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# The official eval scripts (and swebench's own run_instance, which bench_eval.py calls on our images)
# do `source /opt/miniconda3/bin/activate; conda activate testbed`. This shim makes that mean the venv.
CONDA_SHIM = f"""# swe-agent: no conda here; the official scripts' activation means this venv.
source {VENV}/bin/activate
conda() {{ return 0; }}
"""

# Reads the build backend the repo declares so that the eval script's `pip install .` works with no
# network: pip then installs it from the wheelhouse. Runs under the base image's Python (>= 3.11: tomllib).
BUILD_REQS_PY = """import pathlib, tomllib
p = pathlib.Path("pyproject.toml")
reqs = ["setuptools>=40.8.0", "wheel"]
if p.exists():
    reqs += tomllib.loads(p.read_text()).get("build-system", {}).get("requires", [])
print("\\n".join(reqs))
"""


def env_dockerfile(r: EnvRecipe) -> str:
    pip = f"{VENV}/bin/python -m pip"
    lines = [
        f"FROM {r.base_image}",
        "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
        f"COPY python {PYENV_ROOT}/{r.python}",
        # pip reads <venv>/pip.conf: the proxy CA goes there, not into REQUESTS_CA_BUNDLE, which
        # would change the behaviour of the code under test (requests reads that variable).
        f"RUN {PYENV_ROOT}/{r.python}/bin/python -m venv {VENV}"
        f" && printf '[global]\\ncert = {CA_BUNDLE}\\ndisable-pip-version-check = true\\n' > {VENV}/pip.conf"
        f" && mkdir -p /opt/miniconda3/bin {WHEELHOUSE}",
        "COPY activate /opt/miniconda3/bin/activate",
        f"RUN {pip} install --upgrade 'pip<24.1' 'setuptools<70' wheel || true",  # old pythons: best effort
    ]
    for pkg in r.conda_packages:
        # Translated conda lists name packages pip may not have for this Python: skip and record.
        q = shlex.quote(pkg)
        lines.append(f"RUN {pip} install {q} || echo 'swe-agent: SKIPPED conda package' {q}")
    if r.requirements.strip():
        lines += ["COPY requirements.txt /root/requirements.txt",
                  f"RUN {pip} install -r /root/requirements.txt && rm /root/requirements.txt"]
    if r.pip_packages:
        lines.append(f"RUN {pip} install " + " ".join(shlex.quote(p) for p in r.pip_packages))
    # The base image exports CA-bundle and bytecode variables for its own use; code under test reads
    # some of them (requests: REQUESTS_CA_BUNDLE; pytest: PYTHONDONTWRITEBYTECODE), so blank them.
    lines += [f"ENV VIRTUAL_ENV={VENV} PATH={VENV}/bin:$PATH REQUESTS_CA_BUNDLE= SSL_CERT_FILE= "
              "PIP_CERT= PYTHONDONTWRITEBYTECODE=" + "".join(f" {k}={shlex.quote(v)}" for k, v in r.env),
              f"LABEL swe-agent.managed=1 {LABEL_KIND}=env swe-agent.recipe={r.digest()[:20]}"]
    return "\n".join(lines) + "\n"


def setup_repo_script(r: InstanceRecipe) -> str:
    """swebench's repo script minus the GitHub clone (the repo is copied in from the mirror)."""
    cmds = ["#!/bin/bash", "set -euxo pipefail", "chmod -R 777 /testbed", "cd /testbed",
            f"source {VENV}/bin/activate", *r.pre_install]
    if r.install:
        cmds.append(r.install)
    cmds += ["git config --global user.email setup@swebench.config",
             "git config --global user.name SWE-bench",
             "git commit --allow-empty -am SWE-bench",
             f"/usr/bin/python3 /root/build_reqs.py > /tmp/build-reqs.txt",
             # Retried: a DNS hiccup through the proxy must not fail a whole instance build.
             f"for i in 1 2 3; do python -m pip download -q -d {WHEELHOUSE} -r /tmp/build-reqs.txt"
             " && break; [ $i = 3 ] && exit 1; sleep 10; done",
             # From here on pip never touches the network: the eval container has none.
             f"printf 'no-index = true\\nfind-links = {WHEELHOUSE}\\n' >> {VENV}/pip.conf"]
    return "\n".join(cmds) + "\n"


def instance_dockerfile(r: InstanceRecipe) -> str:
    return "\n".join([
        f"FROM {r.env_tag}",
        "COPY testbed /testbed",
        "COPY setup_repo.sh build_reqs.py /root/",
        "RUN /bin/bash /root/setup_repo.sh",
        "WORKDIR /testbed",
        f"LABEL swe-agent.managed=1 {LABEL_KIND}=instance swe-agent.instance={r.instance_id}",
    ]) + "\n"
