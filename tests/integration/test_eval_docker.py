"""SWE-bench evaluation against a real Docker engine.

The end-to-end check builds pallets__flask-5014 offline from a local git mirror of pallets/flask
(SWE_AGENT_REPO_MIRROR, default /work/.mirror) and needs PyPI from inside docker build; it is skipped,
with the reason, when the engine or the mirror is missing.
"""
import json
import os
import time
import uuid
from pathlib import Path

import pytest

from agent.evaluation import build, mirror
from tests.support.paths import DATA

docker = pytest.importorskip("docker")
pytestmark = pytest.mark.docker
MIRRORS = Path(os.environ.get("SWE_AGENT_REPO_MIRROR", "/work/.mirror"))
FLASK = json.loads((DATA / "eval" / "pallets__flask-5014.json").read_text())


@pytest.fixture(scope="module")
def client(slow_docker_client):
    return slow_docker_client


@pytest.fixture(scope="module")
def base(client):
    images = pytest.importorskip("sandbox.images", reason="sandbox.images (base image builder) not present")
    return images.ensure_base_image(client)


def test_run_is_bounded_by_timeout(client, base):
    from agent.evaluation import container as ctr
    with ctr.eval_container(client, base, f"sweb-test-timeout-{os.getpid()}") as box:
        start = time.monotonic()
        res = ctr.run(box, "echo started; sleep 60", timeout=2, workdir="/")
        assert res.timed_out and "started" in res.output and time.monotonic() - start < 20
        ok = ctr.run(box, "curl -s https://pypi.org >/dev/null || python3 -c 'import socket; "
                          "socket.create_connection((\"pypi.org\", 443), 3)'", timeout=20, workdir="/")
        assert ok.exit_code != 0  # no network in eval containers
        # ... but localhost resolves, as with `--network none` (tests serve on it: sphinx linkcheck)
        assert ctr.run(box, "getent hosts localhost", timeout=20, workdir="/").exit_code == 0
        # --network runs the eval script with PIP_NO_INDEX=0: the exec environment must reach it
        assert ctr.run(box, "echo pip=$PIP_NO_INDEX", timeout=20, workdir="/",
                       env={"PIP_NO_INDEX": "0"}).output.strip() == "pip=0"


def test_mirror_checkout_has_no_future_history(tmp_path):
    git_dir = mirror.find_mirror(MIRRORS, "pallets/flask")
    if git_dir is None:
        pytest.skip(f"no pallets/flask mirror under {MIRRORS} (fetch one: owner+name/ bare git dir)")
    mirror.checkout(git_dir, FLASK["base_commit"], tmp_path / "r")
    import git
    repo = git.Repo(tmp_path / "r")
    assert repo.head.commit.hexsha == FLASK["base_commit"] and not repo.remotes
    # Older tags stay (setuptools_scm versions need them), none from after base_commit.
    assert repo.tags and all(repo.is_ancestor(t.commit, repo.head.commit) for t in repo.tags)
    assert len(list(repo.iter_commits("--all"))) == len(list(repo.iter_commits("HEAD")))
    assert mirror.read_file_at(git_dir, FLASK["environment_setup_commit"], "requirements/dev.txt")


def _labelled_image(client, base: str, tag: str, labels: dict) -> str:
    import io
    text = f"FROM {base}\nLABEL " + " ".join(f"{k}={v}" for k, v in labels.items()) + "\n"
    client.images.build(fileobj=io.BytesIO(text.encode()), tag=tag, rm=True)
    return tag


def test_gc_removes_only_what_carries_the_run_label(client, base):
    """gc scoped by a unique run label must leave every other SWE-bench image and container alone."""
    from agent.evaluation import gc
    from agent.evaluation.container import LABELS
    from agent.evaluation.recipe import LABEL_KIND
    mine, theirs = f"swe-agent.test-run=gc-{uuid.uuid4().hex[:12]}", f"gc-other-{uuid.uuid4().hex[:12]}"
    key, value = mine.split("=")
    img = _labelled_image(client, base, f"swe-agent/test-gc:{value}", {LABEL_KIND: "instance", key: value})
    other = _labelled_image(client, base, f"swe-agent/test-gc:{theirs}", {LABEL_KIND: "instance", key: theirs})
    box = client.containers.create(img, "true", labels={**LABELS, key: value})
    keep = client.containers.create(other, "true", labels={**LABELS, key: theirs})
    try:
        removed = gc.collect(client, env_images=False, only=mine)
        assert removed["images"] == 1 and removed["containers"] == 1
        assert not build.image_exists(client, img) and build.image_exists(client, other)
        keep.reload()  # still there: raises NotFound otherwise
        with pytest.raises(docker.errors.NotFound):
            box.reload()
    finally:
        keep.remove(force=True)
        client.images.remove(other, force=True)
        if build.image_exists(client, img):
            client.images.remove(img, force=True)


@pytest.mark.slow
@pytest.mark.timeout(3600)  # a cold machine builds the flask environment first (~7 min, more under load)
def test_offline_build_and_validate_flask(client, base, tmp_path):
    """Gold resolves, empty patch does not: the offline environment reproduces the official verdicts."""
    if mirror.find_mirror(MIRRORS, "pallets/flask") is None:
        pytest.skip(f"no pallets/flask mirror under {MIRRORS}")
    from agent.evaluation import validate
    from agent.evaluation.run_all import EvalOptions
    opts = EvalOptions(run_id="pytest", report_dir=tmp_path, mirror_root=MIRRORS, timeout=600)
    [v] = validate.validate([FLASK], opts, client=client)
    assert v.ok, v.reason
    # Sizes from the engine: the environment holds an interpreter and the requirements; the instance
    # layer holds the repository checkout. Built-now times are there exactly when the image was built.
    assert v.env_mb > 100 and 0 < v.instance_mb < v.env_mb
    assert "| pallets/flask | 1 | 1 |" in validate.to_markdown([v])
    logs = tmp_path / "logs" / "run_evaluation" / "pytest-gold" / "gold" / FLASK["instance_id"]
    assert {p.name for p in logs.iterdir()} >= {"patch.diff", "eval.sh", "test_output.txt", "report.json",
                                                 "run_instance.log"}
    assert "conda" not in (logs / "eval.sh").read_text()
    assert json.loads((logs / "report.json").read_text())[FLASK["instance_id"]]["resolved"] is True


@pytest.mark.timeout(300)
def test_ccache_links_work_in_an_image_without_usr_local_bin(client, base):
    """The compiler repositories' first pre-install step (astropy-14096 failed on it: the base image made
    from the host's Debian packages has no /usr/local/bin)."""
    from agent.evaluation.recipe import CCACHE_LINKS
    with_ccache = ("rm -rf /usr/local/bin && printf '#!/bin/sh\\n' > /usr/bin/ccache && chmod +x /usr/bin/ccache && "
                   f"{CCACHE_LINKS} && readlink /usr/local/bin/gcc /usr/local/bin/c++")
    out = client.containers.run(base, ["bash", "-c", with_ccache], user="root", remove=True)
    assert out.decode().split() == ["/usr/bin/ccache", "/usr/bin/ccache"]
    # a base made on a host without ccache: no links (they would dangle and break every compiler call)
    without = f"rm -rf /usr/local/bin /usr/bin/ccache && {CCACHE_LINKS} && ls /usr/local/bin/gcc 2>&1 || true"
    out = client.containers.run(base, ["bash", "-c", without], user="root", remove=True)
    assert "No such file" in out.decode()


@pytest.mark.timeout(300)
def test_eval_container_has_the_sandbox_limits_and_bounds_escapes(client, base):
    from agent.evaluation import container as ctr
    with ctr.eval_container(client, base, f"sweb-test-limits-{os.getpid()}") as box:
        host = client.api.inspect_container(box.id)["HostConfig"]
        assert host["Memory"] and host["PidsLimit"] and host["NanoCpus"] and host["CapDrop"] == ["ALL"]
        assert "no-new-privileges" in host["SecurityOpt"]
        res = ctr.run(box, "echo FIRST; yes | head -c 40M; echo; echo LAST", timeout=60, workdir="/")
        assert res.exit_code == 0 and res.output.startswith("FIRST") and res.output.rstrip().endswith("LAST")
        assert len(res.output) < 2 * ctr.OUTPUT_HEAD + 1000   # capped, in bounded memory
        assert ctr.run(box, "mknod /dev/x c 1 3", timeout=20, workdir="/").exit_code != 0
        start = time.monotonic()
        res = ctr.run(box, "echo started; setsid sleep infinity & sleep 100", timeout=2, workdir="/")
        assert res.timed_out and "started" in res.output and time.monotonic() - start < ctr.HOST_GRACE_S + 20
        assert "sleep" not in ctr.run(box, "ps -u root -o args", timeout=20, workdir="/").output


def test_image_builds_use_the_bridge_and_a_memory_limit(client, base, tmp_path):
    """Install steps run the repository's setup code: not in the host's network namespace, not unbounded."""
    from sandbox import images
    check = ("RUN test ! -e /sys/class/net/docker0 "   # the host's bridge interface: visible only with --network host
             "&& test \"$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)\" -le 8589934592\n")
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\n{check}")
    for i, build_fn in enumerate((lambda tag: images._build(client, tmp_path, tag, {"swe-agent.kind": "test"}),
                                  lambda tag: build._build(client, tmp_path, tag, None))):
        tag = f"swe-agent/test-build:{uuid.uuid4().hex[:8]}-{i}"
        try:
            build_fn(tag)
            assert build.image_exists(client, tag)
        finally:
            if build.image_exists(client, tag):
                client.images.remove(tag, force=True)


def test_graphviz_in_a_base_made_from_host_packages_renders(client):
    """`dot -c` writes graphviz's plugin registry at install time (in no package's file list): a base image made
    from the host's packages lacked it, and `dot -Tpng` knew no format (sphinx-10614: every diagram test failed)."""
    from sandbox import images
    from sandbox.rootfs import host_has
    if not host_has("graphviz"):
        pytest.skip("graphviz is not installed on this host (scripts/test.sh installs it)")
    image = images.ensure_base_image(client, ("graphviz",))
    out = client.containers.run(image, ["sh", "-c", "echo 'digraph { a -> b }' | dot -Tsvg | grep -c '<svg'"],
                                remove=True, network_disabled=True)
    assert out.decode().strip() == "1"
