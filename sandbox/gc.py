"""Find and remove what interrupted runs left behind: labelled containers and temporary images.

Without a run id only ORPHANS go: things whose owner process (sandbox.owner labels) is dead, so a gc
never breaks a run that is still going. Every run reaps orphans when it starts (`reap_orphans`).
"""
from __future__ import annotations

import docker
from pydantic import BaseModel, Field

from sandbox import owner


class Leftovers(BaseModel):
    containers: list[str] = Field(default_factory=list)   # "id name image"
    images: list[str] = Field(default_factory=list)       # tags (or ids)


def _leftover(labels: dict[str, str], run_id: str | None, legacy: bool) -> bool:
    if run_id:   # asked for by name: whoever owns it
        return True
    if owner.PID not in labels:   # from before owner labels: only an explicit gc takes it
        return legacy
    return owner.is_orphan(labels)


def find(client: docker.DockerClient, run_id: str | None = None, images: bool = False,
         legacy: bool = True) -> tuple[list, list]:
    """(containers, images) labelled swe-agent.managed=1 (and swe-agent.run=run_id when given).

    Fork images are temporary and always included; cached repository images only with `images`
    (they are rebuilt on demand); base and rootfs images are kept (they take ~20 s to rebuild).
    Without run_id, only those whose owner is dead (and, with `legacy`, those without an owner label).
    """
    labels = ["swe-agent.managed=1"] + ([f"swe-agent.run={run_id}"] if run_id else [])
    # sparse: the list answer already holds the labels; inspecting each container would race with
    # other runs removing theirs (404 between list and inspect).
    containers = [c for c in client.containers.list(all=True, filters={"label": labels}, sparse=True)
                  if _leftover(c.attrs.get("Labels") or {}, run_id, legacy)]
    kinds = {"fork"} | ({"repo"} if images else set())
    found = []
    # The low-level list, for the same reason as sparse containers: no per-image inspect to race with.
    for img in client.api.images(filters={"label": labels}):
        lab = img.get("Labels") or {}
        kind = lab.get("swe-agent.kind")
        if kind in kinds and (kind == "repo" or _leftover(lab, run_id, legacy)):
            found.append(_Image(img))
    return containers, found


class _Image:
    """What gc needs of an image, from the list answer."""

    def __init__(self, raw: dict):
        self.id = raw["Id"]
        self.short_id = self.id.split(":")[-1][:12]
        self.tags = [t for t in raw.get("RepoTags") or [] if t != "<none>:<none>"]
        self.attrs = {"Created": int(raw.get("Created") or 0)}   # seconds: newest first sorts right


def collect(client: docker.DockerClient, run_id: str | None = None, images: bool = False,
            dry_run: bool = False, legacy: bool = True) -> Leftovers:
    """Remove (or with dry_run only list) the leftovers; containers first, they pin their images."""
    containers, imgs = find(client, run_id, images, legacy)
    out = Leftovers(containers=[f"{c.short_id} {_name(c)} {(c.attrs.get('Labels') or {}).get('swe-agent.run', '-')}"
                                for c in containers],
                    images=[(img.tags or [img.short_id])[0] for img in imgs])
    if dry_run:
        return out
    for c in containers:
        try:
            c.remove(force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as err:
            # Two runs starting at once reap the same orphan: the engine answers the second one 409
            # "removal ... is already in progress". Gone either way; anything else is a real error.
            if "already in progress" not in str(err):
                raise
    # Newest first: a fork of a fork is a child image and must go before its parent.
    for img in sorted(imgs, key=lambda i: i.attrs.get("Created", 0), reverse=True):
        for ref in img.tags or [img.id]:
            try:
                client.images.remove(ref, force=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError:
                pass  # in use by a container outside our labels: leave it
    return out


def _name(c) -> str:
    names = c.attrs.get("Names") or [c.short_id]
    return names[0].lstrip("/")


def reap_orphans(client: docker.DockerClient) -> Leftovers:
    """What a starting run does: remove containers and fork images of owners that died (kill -9)."""
    return collect(client, legacy=False)


def reap_own(client: docker.DockerClient) -> int:
    """What an interrupted run does on its way out: remove the containers this very process started (its
    worker threads are abandoned, not joined, so their sandboxes would stay up until the next run reaps them)."""
    mine = owner.labels()
    found = client.containers.list(all=True, sparse=True, filters={"label": [
        "swe-agent.managed=1", f"{owner.PID}={mine[owner.PID]}", f"{owner.WHERE}={mine[owner.WHERE]}"]})
    for c in found:
        try:
            c.remove(force=True, v=True)
        except docker.errors.APIError:   # gone already, or being removed by its own thread
            pass
    return len(found)

