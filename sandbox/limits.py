"""What a container that runs model-written code may do: the one place every container's limits come from.

Sandboxes and evaluation containers both use `create_hardened`, so they cannot drift apart.
- No capabilities at all (`cap_drop=ALL`): measured, `pip install -e .`, pytest and git commit work
  without any (as the sandbox user they never had one; as root in prebuilt images the files are
  root's own). Raw sockets, mknod, chown, mount, ptrace of other users' processes fail.
- `no-new-privileges`: setuid binaries (su, sudo, ping) cannot raise privileges again.
- The keeper (`sleep infinity` under tini) runs as nobody, commands as another user: a command can
  neither kill the keeper (which would stop the container) nor survive our `kill -9 -1` clean-up.
- Disk: /tmp is a tmpfs of `tmp_size` (its pages count toward the memory limit); each file a command
  writes is capped by `ulimit -f` (shell.RUN_WRAPPER); the writable layer gets a size limit where the
  engine supports one (overlay2 on xfs with pquota), otherwise nothing bounds the number of files.
"""
from __future__ import annotations

import os

import docker

from sandbox import closing, owner

KEEPER_USER = "65534:65534"   # nobody
KEEPER = ["sleep", "infinity"]
_disk_quota_supported: bool | None = None   # learnt from the engine on first use


def host_config(api: docker.APIClient, *, network: bool, mem_limit: str, pids_limit: int,
                nano_cpus: int | None, tmp_size: str | None, disk_size: str | None) -> dict:
    return api.create_host_config(
        network_mode="bridge" if network else "none",
        mem_limit=mem_limit, memswap_limit=mem_limit,  # no swap: the limit is a real limit
        nano_cpus=nano_cpus or int(min(2, os.cpu_count() or 1) * 1e9),
        pids_limit=pids_limit, init=True,  # tini reaps the zombies of killed commands
        cap_drop=["ALL"], security_opt=["no-new-privileges"],
        tmpfs={"/tmp": f"rw,nosuid,nodev,size={tmp_size},mode=1777"} if tmp_size else None,
        storage_opt={"size": disk_size} if disk_size and _disk_quota_supported is not False else None,
    )


def create_hardened(api: docker.APIClient, image: str, *, labels: dict[str, str], environment: dict[str, str],
                    working_dir: str, network: bool = False, mem_limit: str = "2g", pids_limit: int = 1024,
                    nano_cpus: int | None = None, tmp_size: str | None = "1g", disk_size: str | None = "10g",
                    name: str | None = None) -> str:
    """Create and start a keeper container; returns its id. Owner labels mark who may reap it."""
    kwargs = dict(command=KEEPER, user=KEEPER_USER, working_dir=working_dir, environment=environment,
                  labels={"swe-agent.managed": "1", **owner.labels(), **labels}, hostname="sandbox",
                  name=name)
    # No `network_disabled`: network_mode "none" already cuts every route out, and a network-disabled
    # container gets no /etc/hosts and no loopback, so tests that serve on localhost would fail.
    limits = dict(network=network, mem_limit=mem_limit, pids_limit=pids_limit, nano_cpus=nano_cpus,
                  tmp_size=tmp_size, disk_size=disk_size)
    with closing.creating():   # a process that is leaving starts none (sandbox/closing.py)
        return _create_started(api, image, limits, kwargs)


def _create_started(api: docker.APIClient, image: str, limits: dict, kwargs: dict) -> str:
    global _disk_quota_supported
    disk_size = limits["disk_size"]
    try:
        cid = api.create_container(image, host_config=host_config(api, **limits), **kwargs)["Id"]
    except docker.errors.APIError as err:
        if "storage-opt" not in str(err) or not disk_size:
            raise
        _disk_quota_supported = False   # overlay2 on ext4 here: per-file `ulimit -f` is what remains
        cid = api.create_container(image, host_config=host_config(api, **limits), **kwargs)["Id"]
    else:
        if disk_size and _disk_quota_supported is None:
            _disk_quota_supported = True   # created with storage_opt: the engine enforces it
    try:
        api.start(cid)
    except Exception:
        api.remove_container(cid, force=True)
        raise
    return cid


def disk_quota_supported() -> bool | None:
    return _disk_quota_supported
