"""Run / batch views → one self-contained HTML file each (CSS and JS inline, nothing fetched).

Trajectories hold untrusted text (issue bodies, model replies, command output), so Jinja2
autoescapes everything, and trajectory bodies travel as JSON in `<script type="application/json">`
blocks (`tojson` escapes `<`, `>` and `&`) that the page's JS renders with textContent on expand.
That JSON is also what keeps a run with hundreds of trajectories light: nothing is laid out until
a reader opens it.
"""
from __future__ import annotations

import os
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from agent.report.grid import build_grid, ranked_candidate_ids
from agent.report.highlight import diff_html, pygments_css
from agent.report.load import BatchView, RunView, is_batch, load_batch, load_run
from agent.schema import Location, TestCase, Trajectory
from agent.report.plots import line_plot, resolved_vs_cost

STAGE_TITLES = {"localize": "1 · Localization", "patch": "2 · Patch samples", "test": "3 · Reproduction tests",
                "execute": "4 · Execution", "reward": "5 · Reward model", "select": "6 · Selection"}
# Ledger stage names may differ from folder keys; the report shows both under the folder key.
LEDGER_ALIASES = {"tests": "test", "testgen": "test", "patches": "patch", "selection": "select"}


def _env() -> Environment:
    env = Environment(loader=PackageLoader("agent.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["diff"] = diff_html
    env.filters["usd"] = lambda v: f"${v:.4f}" if v is not None else "—"
    env.filters["num"] = lambda v: f"{v:,}" if v is not None else "—"
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%" if v is not None else "—"
    return env


def stage_output(t: Trajectory, stage: str) -> dict:
    """The trajectory's output under the name the page shows it by; the stage folder says its kind."""
    out = {"diff": None, "test": None, "locations": None, "verdict": None}
    if stage == "patch":
        out["diff"] = t.patch.diff
    elif stage == "test":
        out["test"] = t.output_as(TestCase)
    elif stage == "localize":
        out["locations"] = t.output_as(list[Location])
    else:
        out["verdict"] = t.output_as(dict)
    return out


def trajectory_payload(t: Trajectory, stage: str) -> dict:
    """What the page's JS needs to draw one trajectory when it is opened."""
    out = stage_output(t, stage)
    return {
        "messages": [{"role": str(m.get("role", "")), "content": _text(m.get("content"))} for m in t.messages],
        "steps": [s.model_dump() for s in t.steps],
        "error": t.error, "diff": out["diff"], "verdict": out["verdict"],
        "test": out["test"].model_dump() if out["test"] else None,
        "locations": [loc.model_dump() for loc in out["locations"]] if out["locations"] else None,
    }


def _text(content) -> str:
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(str(p.get("text", p)) if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def trajectory_summary(t: Trajectory, stage: str) -> str:
    out = stage_output(t, stage)
    diff, test, locations, verdict = out["diff"], out["test"], out["locations"], out["verdict"]
    if diff is not None:
        added = sum(1 for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
        return f"diff +{added} lines" if diff else "no diff"
    if test is not None:
        return f"test {test.id}: original {test.original_outcome or '?'}{' · kept' if test.kept else ''}"
    if locations is not None:
        return f"{len(locations)} location(s)"
    if verdict:
        return ", ".join(f"{k}={v}" for k, v in verdict.items())[:120]
    return ""


def stage_costs(view: RunView) -> list[dict]:
    spend = {}
    if view.ledger:
        for name, s in view.ledger.stages.items():
            key = LEDGER_ALIASES.get(name, name)
            row = spend.setdefault(key, {"calls": 0, "prompt": 0, "completion": 0, "cost": 0.0})
            row["calls"] += s.calls
            row["prompt"] += s.prompt_tokens
            row["completion"] += s.completion_tokens
            row["cost"] += s.cost_usd
    rows = []
    for st in view.stages:
        s = spend.pop(st.name, None) or {"calls": 0, "prompt": 0, "completion": 0, "cost": 0.0}
        rows.append({"stage": STAGE_TITLES.get(st.name, st.name), "status": st.status,
                     "trajectories": len(st.trajectories),
                     "duration": sum(t.duration_s for t in st.trajectories), **s})
    rows += [{"stage": k, "status": "", "trajectories": 0, "duration": 0.0, **v} for k, v in spend.items()]
    return rows


def run_context(view: RunView, back_link: str | None = None) -> dict:
    cands = {c.id: c for c in view.candidates}
    order = [cid for cid in ranked_candidate_ids(view) if cid in cands]
    ranking = {r.candidate: r for r in view.decision.ranking} if view.decision else {}
    stages = []
    n = 0
    for st in view.stages:
        trajs = []
        for t in st.trajectories:
            trajs.append({"n": n, "t": t, "summary": trajectory_summary(t, st.name),
                          "payload": trajectory_payload(t, st.name)})
            n += 1
        stages.append({"view": st, "title": STAGE_TITLES.get(st.name, st.name), "trajectories": trajs})
    sel = view.selection
    return {
        "view": view, "issue": view.issue, "result": view.result, "decision": view.decision,
        "grid": build_grid(view), "candidates": [cands[c] for c in order], "ranking": ranking,
        "rewards": view.rewards, "stages": stages, "costs": stage_costs(view),
        "selection": {"t": sel, "payload": trajectory_payload(sel, "select"), "n": "sel", "summary": ""} if sel else None,
        "back_link": back_link, "pygments_css": pygments_css(),
        "issue_url": view.issue.url if view.issue and (view.issue.url or "").startswith(("https://", "http://")) else None,
        "title": f"{view.issue.id if view.issue else view.root.name} · swe-agent run",
    }


def render_run(view: RunView, back_link: str | None = None) -> str:
    return _env().get_template("run.html.j2").render(**run_context(view, back_link))


def batch_context(view: BatchView, links: dict[str, str]) -> dict:
    rows = view.rows
    finished = [r for r in rows if r.status != "not_run"]
    s = view.scaling or {}
    curves = {}
    ns = s.get("N") or []
    for key, name in (("coverage", "coverage@N"), ("selected", "selected@N")):
        ys = s.get(key) or []
        if ns and ys:
            curves[name] = list(zip(ns, ys))
    return {
        "view": view, "rows": rows, "links": links, "pygments_css": "",
        "totals": {"instances": len(rows), "finished": len(finished),
                   "resolved": sum(1 for r in rows if r.resolved), "covered": sum(1 for r in rows if r.coverage),
                   "abstained": sum(1 for r in rows if r.status == "abstained"),
                   "cost": sum(r.cost_usd for r in rows), "tokens": sum(r.tokens for r in rows)},
        "scaling_plot": line_plot(curves, "N (patch samples)", "fraction of instances", log2_x=True,
                                  title="coverage@N and selected@N") if curves else None,
        "pass_at_1": s.get("pass_at_1"), "cost_plot": resolved_vs_cost(rows),
        "title": f"{view.root.name} · swe-agent batch",
    }


def write_report(path: Path | str, output: Path | str | None = None) -> Path:
    """Write the report of a run folder (RUN/report.html) or of a batch folder (BATCH/report.html
    plus one report.html in every instance's run folder, linked from the summary)."""
    path = Path(path)
    if not is_batch(path):
        out = Path(output) if output else path / "report.html"
        _write(out, render_run(load_run(path)))
        return out
    out = Path(output) if output else path / "report.html"
    view = load_batch(path)
    links = {}
    for row in view.rows:
        if row.run_dir is None:
            continue
        page = row.run_dir / "report.html"
        back = os.path.relpath(out, page.parent)
        _write(page, render_run(load_run(row.run_dir), back_link=back))
        links[row.instance_id] = os.path.relpath(page, out.parent)
    _write(out, _env().get_template("batch.html.j2").render(**batch_context(view, links)))
    return out


def _write(path: Path, html: str) -> None:
    from agent.runfolder import atomic_write_text
    atomic_write_text(path, html)
