"""Remove what the evaluation left on the engine: eval containers, then instance and env images.

`only` narrows everything to objects that also carry that label (`key=value`): a test removes only
what it made, never images other runs or users on the same engine still need.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

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


# --- size cap: least recently used instance images first ------------------------------------------

def _use_dir() -> Path:
    # One empty file per image tag; its mtime is the image's last use. Docker records no last-use time.
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "swe-agent" / "sweb-image-use"


_last_stamp = 0


def touch(*tags: str) -> None:
    """Mark images as just used (ensure_images calls this whether it built them or found them)."""
    global _last_stamp
    folder = _use_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for tag in tags:
        # The kernel's file clock ticks coarsely (a few ms): two touches in a row could tie and lose
        # their order, so each stamp is strictly later than the previous one this process wrote.
        _last_stamp = max(time.time_ns(), _last_stamp + 1_000)
        stamp = folder / hashlib.sha256(tag.encode()).hexdigest()[:24]
        stamp.touch()
        os.utime(stamp, ns=(_last_stamp, _last_stamp))


def last_used(tag: str, created: float) -> float:
    stamp = _use_dir() / hashlib.sha256(tag.encode()).hexdigest()[:24]
    return stamp.stat().st_mtime if stamp.exists() else created


def ours(client: docker.DockerClient, only: str | None = None) -> list[dict]:
    return [i for i in client.df().get("Images", []) if (i.get("Labels") or {}).get(LABEL_KIND) in ("instance", "env")
            and label_matches(i.get("Labels") or {}, only)]


def label_matches(labels: dict[str, str], only: str | None) -> bool:
    """The engine's label filter: `key=value` wants that value, a bare `key` any value (as `collect` asks the engine)."""
    if not only:
        return True
    key, eq, value = only.partition("=")
    return key in labels and (not eq or labels[key] == value)


def disk_bytes(images: list[dict]) -> int:
    """Bytes our images hold: each one's own layers plus, once, the largest layer set they share."""
    unique = sum(max(i["Size"] - max(i.get("SharedSize", 0), 0), 0) for i in images)
    return unique + max((max(i.get("SharedSize", 0), 0) for i in images), default=0)


def evict_order(images: list[dict]) -> list[dict]:
    """Instance images, least recently used first; then environment images (the expensive builds last)."""
    def age(i):
        return last_used((i.get("RepoTags") or [i["Id"]])[0], i.get("Created", 0))
    kind = lambda i: i["Labels"][LABEL_KIND]  # noqa: E731
    return (sorted((i for i in images if kind(i) == "instance"), key=age)
            + sorted((i for i in images if kind(i) == "env"), key=age))


def _ancestors_of_instances(client: docker.DockerClient) -> set[str]:
    """Ids of the images any instance image is built on. Removing such an environment's tag would only
    untag it (the engine keeps a parent's layers) and make the next run rebuild it for nothing."""
    parent = {i["Id"]: i.get("ParentId") for i in client.api.images(all=True)}
    out: set[str] = set()
    for img in client.api.images(filters={"label": f"{LABEL_KIND}=instance"}):
        node = parent.get(img["Id"])
        while node and node not in out:
            out.add(node)
            node = parent.get(node)
    return out


def cap(client: docker.DockerClient, max_bytes: int, only: str | None = None) -> list[str]:
    """Remove least recently used SWE-bench images until ours hold at most max_bytes; returns their tags.
    `only` (key=value) limits both the count and the removals to images carrying that label."""
    removed: list[str] = []
    images = ours(client, only)
    for img in evict_order(images):
        if disk_bytes(images) <= max_bytes:
            break
        if img["Labels"][LABEL_KIND] == "env" and img["Id"] in _ancestors_of_instances(client):
            continue
        tag = (img.get("RepoTags") or [img["Id"]])[0]
        try:
            client.images.remove(tag)
        except docker.errors.APIError:
            continue   # used by a running evaluation
        removed.append(tag)
        images = ours(client, only)   # sizes change: layers another image shared may now be its own
    return removed


def by_repo(images: list[dict]) -> dict[str, dict]:
    """Disk per repository (pure; `images` as the engine's df lists them): its instance images' own layers,
    and the environments they are built on (an environment shared by two repositories counts for both)."""
    env_size = {i["Labels"].get("swe-agent.recipe"): i["Size"] for i in images if i["Labels"][LABEL_KIND] == "env"}
    out: dict[str, dict] = {}
    for i in images:
        if i["Labels"][LABEL_KIND] != "instance":
            continue
        owner, _, rest = i["Labels"].get("swe-agent.instance", "?__?").partition("__")
        row = out.setdefault(f"{owner}/{rest.rsplit('-', 1)[0]}", {"instances": 0, "instance_bytes": 0, "envs": set()})
        row["instances"] += 1
        row["instance_bytes"] += max(i["Size"] - max(i.get("SharedSize", 0), 0), 0)
        row["envs"].add(i["Labels"].get("swe-agent.recipe"))
    for row in out.values():
        row["env_bytes"] = sum(env_size.get(r, 0) for r in row["envs"])
        row["envs"] = len(row["envs"])
    return out
