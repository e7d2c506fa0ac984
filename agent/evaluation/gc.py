"""Remove what the evaluation left on the engine: eval containers, then instance and env images.

`only` narrows everything to objects that also carry that label (`key=value`): a test removes only
what it made, never images other runs or users on the same engine still need.
"""
from __future__ import annotations

import docker

from agent.evaluation.recipe import LABEL_KIND


def collect(client: docker.DockerClient, images: bool = True, env_images: bool = True,
            only: str | None = None) -> dict:
    extra = [only] if only else []
    removed = {"containers": 0, "images": 0, "bytes": 0}
    for c in client.containers.list(all=True, filters={"label": [f"{LABEL_KIND}=eval", *extra]}):
        c.remove(force=True)
        removed["containers"] += 1
    kinds = (["instance"] if images else []) + (["env"] if env_images else [])
    for kind in kinds:  # instance layers first: env images are their parents
        for img in client.images.list(filters={"label": [f"{LABEL_KIND}={kind}", *extra]}):
            size = img.attrs.get("Size", 0)
            for tag in img.tags or [img.id]:
                try:
                    client.images.remove(tag, force=True)
                except docker.errors.APIError:
                    continue  # e.g. still used by a container we do not own
            removed["images"] += 1
            removed["bytes"] += size
    return removed
