"""Batch evaluation: images first (serialized builds), then instances on a thread pool, then the
official run report (same keys and counts as swebench.harness.reporting.make_run_report)."""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import docker
from swebench.harness.constants import KEY_INSTANCE_ID, KEY_MODEL, KEY_PREDICTION

from agent.evaluation import build, spec as specs
from agent.evaluation.run import InstanceResult, evaluate, log_dir_for


@dataclass
class EvalOptions:
    run_id: str
    report_dir: Path = Path(".")
    workers: int = 1
    mirror_root: Path | None = None
    timeout: float = 1800
    online: bool = False         # official prebuilt images (needs Docker Hub; not reachable here)
    apply_empty: bool = False    # run the tests even when the patch is empty (validate)
    network: bool = False        # eval containers on the bridge, as upstream (tests that call the internet)


@dataclass
class Prepared:
    instance: dict
    image: str | None = None
    spec: object = None
    error: str = ""
    build_s: float = 0.0
    images: build.Images | None = None    # what was built now, and the images' sizes
    extra: dict = field(default_factory=dict)


def docker_client(timeout: float) -> docker.DockerClient:
    # The SDK's default 60 s read timeout would cut a quiet test run; bound it by our own timeout.
    return docker.from_env(timeout=int(timeout) + 120)


def key_line(tail: str) -> str:
    """The line of a build log tail that says what went wrong (not docker's generic last line)."""
    tail = re.sub(r"\x1b\[[0-9;]*m|\[[0-9;]*m", "", tail)      # the builder's colour codes
    lines = [x.strip() for x in tail.splitlines() if x.strip() and "The command '" not in x]
    hits = [x for x in lines if any(k in x for k in ("rror", "No matching", "not found", "failed", "No such file"))
            and not x.startswith(("Removing intermediate", "---> "))]
    return (hits or lines or [""])[-1][:200]


def prepare(client, rows: list[dict], opts: EvalOptions, on_done: Callable[[Prepared], None] = lambda p: None
            ) -> dict[str, Prepared]:
    """Images for every row, one at a time (builds share 2 cores badly); failures are recorded, not raised."""
    out: dict[str, Prepared] = {}
    base = None
    for row in rows:
        p = Prepared(row)
        try:
            if opts.online:
                p.spec, p.image = specs.online_test_spec(row), specs.online_image_name(row[KEY_INSTANCE_ID])
                if not build.image_exists(client, p.image):
                    client.images.pull(p.image)
            else:
                base = base or build.base_image(client)
                log_dir = opts.report_dir / "logs" / "build_images" / row[KEY_INSTANCE_ID]
                imgs = build.ensure_images(client, row, opts.mirror_root, log_dir=log_dir, base=base)
                p.image, p.build_s, p.images = imgs.instance, imgs.built_s, imgs
                p.spec = specs.offline_test_spec(row, env_script=[imgs.env])
                p.extra["skipped_conda"] = list(imgs.env_recipe.skipped)
        except build.EnvBuildError as err:
            p.error = f"{err.reason}: {key_line(err.tail)}"
            p.extra["build_tail"] = err.tail
        except Exception as err:  # noqa: BLE001 - recipe / mirror / pull problems name the instance
            p.error = f"environment: {type(err).__name__}: {str(err)[:300]}"
        out[row[KEY_INSTANCE_ID]] = p
        on_done(p)
    return out


def evaluate_all(client, prepared: dict[str, Prepared], preds: dict[str, dict], opts: EvalOptions,
                 on_done: Callable[[InstanceResult], None] = lambda r: None) -> dict[str, InstanceResult]:
    def one(iid: str) -> InstanceResult:
        pred, p = preds[iid], prepared[iid]
        if not (pred.get(KEY_PREDICTION) or opts.apply_empty):
            return InstanceResult(iid, "empty_patch")
        if p.error:
            return InstanceResult(iid, "error", p.error)
        res = evaluate(client, p.spec, pred, p.image, log_dir_for(opts.report_dir, opts.run_id, pred),
                       opts.run_id, timeout=opts.timeout, online=opts.online, apply_empty=opts.apply_empty,
                       network=opts.network)
        on_done(res)
        return res

    ids = [i for i in prepared if i in preds]
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        return dict(zip(ids, pool.map(one, ids)))


def run_report(rows: list[dict], preds: dict[str, dict], results: dict[str, InstanceResult],
               opts: EvalOptions) -> tuple[dict, Path]:
    """Same schema as make_run_report (schema_version 2), written to <report_dir>/<model>.<run_id>.json."""
    ids = {r[KEY_INSTANCE_ID] for r in rows}
    by = lambda status: sorted(i for i, r in results.items() if r.status == status)  # noqa: E731
    completed = sorted(i for i, r in results.items() if r.status in ("resolved", "unresolved"))
    report = {
        "total_instances": len(rows),
        "submitted_instances": len(preds),
        "completed_instances": len(completed),
        "resolved_instances": len(by("resolved")),
        "unresolved_instances": len(by("unresolved")),
        "empty_patch_instances": len(by("empty_patch")),
        "error_instances": len(by("error")),
        "completed_ids": completed,
        "incomplete_ids": sorted(ids - set(preds)),
        "empty_patch_ids": by("empty_patch"),
        "submitted_ids": sorted(preds),
        "resolved_ids": by("resolved"),
        "unresolved_ids": by("unresolved"),
        "error_ids": by("error"),
        "schema_version": 2,
    }
    model = (next(iter(preds.values()), {}).get(KEY_MODEL) or "None").replace("/", "__")
    path = Path(opts.report_dir) / f"{model}.{opts.run_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=4))
    return report, path


def run_eval(rows: list[dict], preds: dict[str, dict], opts: EvalOptions, client=None,
             on_result: Callable[[InstanceResult], None] = lambda r: None):
    client = client or docker_client(opts.timeout)
    wanted = [r for r in rows if r[KEY_INSTANCE_ID] in preds
              and (preds[r[KEY_INSTANCE_ID]].get(KEY_PREDICTION) or opts.apply_empty)]
    prepared = prepare(client, wanted, opts)
    for r in rows:  # empty patches are counted, never built (as the official harness skips them)
        if r[KEY_INSTANCE_ID] in preds and r[KEY_INSTANCE_ID] not in prepared:
            prepared[r[KEY_INSTANCE_ID]] = Prepared(r)
    results = evaluate_all(client, prepared, preds, opts, on_result)
    report, path = run_report(rows, preds, results, opts)
    return results, report, path, prepared
