"""`gc-eval --max-disk`: least recently used instance images go first, environments with instance
images on them stay, and only images carrying the test's own label are counted or touched."""
import io
import uuid

import pytest

from agent.evaluation import build, gc
from agent.evaluation.recipe import LABEL_KIND

pytestmark = pytest.mark.docker
MB = 1_000_000


def _image(client, parent: str, tag: str, kind: str, run: str, size_mb: int) -> str:
    text = (f"FROM {parent}\nRUN head -c {size_mb * MB} /dev/urandom > /blob-{uuid.uuid4().hex}\n"
            f"LABEL {LABEL_KIND}={kind} swe-agent.test-run={run}\n")
    client.images.build(fileobj=io.BytesIO(text.encode()), tag=tag, rm=True)
    return tag


@pytest.mark.timeout(300)
def test_max_disk_evicts_least_recently_used_instances_first(docker_client, tmp_path, monkeypatch):
    from sandbox.images import ensure_base_image
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    run = uuid.uuid4().hex[:12]
    only = f"swe-agent.test-run={run}"
    base = ensure_base_image(docker_client)
    env = _image(docker_client, base, f"swe-agent/test-gc-env:{run}", "env", run, 4)
    insts = [_image(docker_client, env, f"swe-agent/test-gc-inst:{run}-{n}", "instance", run, 3) for n in range(3)]
    try:
        for tag in (insts[1], insts[0], insts[2]):   # least recently used: 1, then 0
            gc.touch(tag)
        mine = gc.ours(docker_client, only)
        assert len(mine) == 4 and gc.disk_bytes(mine) >= (4 + 3 * 3) * MB
        # Room for about one instance image on top of the environment.
        limit = gc.disk_bytes(mine) - 5 * MB
        assert gc.cap(docker_client, limit, only=only) == [insts[1], insts[0]]
        assert build.image_exists(docker_client, insts[2]) and build.image_exists(docker_client, env)
        # An instance image in use stays, and so does the environment it is built on (removing that tag
        # would only untag it and cause a rebuild).
        box = docker_client.containers.create(insts[2], "true")
        try:
            assert gc.cap(docker_client, 0, only=only) == []
        finally:
            box.remove(force=True)
        assert gc.cap(docker_client, 0, only=only) == [insts[2], env]
    finally:
        for tag in (*insts, env):
            if build.image_exists(docker_client, tag):
                docker_client.images.remove(tag, force=True)
