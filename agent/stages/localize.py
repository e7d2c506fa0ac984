"""Stage 1: repository map + BM25 seeded by the issue, then LLM samples that vote on locations."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from agent.loop import StageSpec, run_trajectory, sampling_params
from agent.model.weights import home
from agent.parsing import parse_locations
from agent.repomap import load_or_build_repo_map
from agent.repomap_outline import render_map
from agent.retrieval import merge_rankings, rank_locations
from agent.runfolder import LOCATIONS, REPOMAP, STAGE_DIRS
from agent.sampling import all_finished, sample_many
from agent.schema import Location
from agent.stages.context import StageContext

STAGE_DIR = STAGE_DIRS["localize"]


def localize(ctx: StageContext, k: int = 5) -> list[Location]:
    cached = ctx.run.read_json(LOCATIONS) if ctx.run.exists(LOCATIONS) else None
    if cached is not None:
        return [Location.model_validate(x) for x in cached]
    repo_map = load_or_build_repo_map(ctx.repo_path, ctx.commit, _cache_dir())
    ctx.run.write_json(REPOMAP, repo_map)
    query = f"{ctx.issue.title}\n{ctx.issue.body}"
    hints = rank_locations(ctx.repo_path, repo_map, query, k=8)
    ctx.run.write_json(f"{STAGE_DIR}/bm25.json", hints)
    known = {f.path for f in repo_map.files}
    cfg = ctx.config.localize
    rankings: list[list[Location]] = []
    complete = True
    if cfg.samples > 0 and len(known) > 1:
        model = ctx.make_model("localize", cfg)
        spec = StageSpec.from_config(
            "localize", cfg, parse=partial(parse_locations, known_files=known),
            variables={"issue": ctx.issue_text, "repo_map": render_map(repo_map, max_chars=4000), "hints": hints},
        )

        def one(i: int):
            return run_trajectory(model, spec, sample=i, new_sandbox=ctx.new_sandbox,
                                  **sampling_params(i, cfg.temperature, ctx.config.seed, "localize"))[0]

        trajs = sample_many(ctx.run, STAGE_DIR, cfg.samples, one, workers=ctx.config.workers,
                            ledger=ctx.ledger, progress=ctx.progress, label="localize")
        rankings = [locs for t in trajs if (locs := t.output_as(list[Location]))]
        complete = all_finished(trajs, cfg.samples)
    # BM25 always votes too: it keeps a garbage-answering model from losing the right file.
    merged = merge_rankings(rankings + [hints], k=k)
    if complete:     # else a resume asks the missing samples (budget, a failing model) and votes again
        ctx.run.write_json(LOCATIONS, merged)
    return merged


def _cache_dir() -> Path:
    return home() / "repomaps"
