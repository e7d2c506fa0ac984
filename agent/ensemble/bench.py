"""Selection accuracy of `swe-agent select` methods against official labels (scripts/bench_select.py
--predictions). Pure apart from reading OUT/instances/*/selection.json.

Accuracy = P(chosen candidate resolves), averaged over instances. A candidate's label is the share of
the systems behind it whose submission resolved (normalization can merge submissions that were graded
apart; they almost always agree). Methods are scored by their expected value (ties and the random
baseline are distributions, not one lucky draw); an abstention scores 0.
"""
from __future__ import annotations

from pathlib import Path

from agent.ensemble.methods import expected
from agent.ensemble.run import Selection
from agent.examples.split import split_of


def load_selections(outs: list[Path], seed: int = 0) -> dict[str, Selection]:
    """Every method's choice, recomputed from each OUT's run folders (so a batch still running or killed
    counts what it finished); a later folder overrides an earlier one."""
    from agent.batch.folder import BatchFolder
    from agent.ensemble.methods import METHODS
    from agent.ensemble.run import selection_for
    found: dict[str, Selection] = {}
    for out in outs:
        folder = BatchFolder(out)
        for f in sorted(Path(out).glob("instances/*/run/00_sources.json")):
            iid = f.parent.parent.name
            try:
                found[iid] = selection_for(folder, iid, list(METHODS), seed)
            except (OSError, ValueError) as err:   # a folder being written right now
                print(f"{iid}: skipped ({err})")
    return found


def candidate_labels(sel: Selection, labels: dict[str, bool]) -> dict[str, float]:
    return {c["id"]: sum(labels.get(s, False) for s in c["systems"]) / len(c["systems"]) for c in sel.candidates}


def scores(sel: Selection, labels: dict[str, bool]) -> dict[str, float]:
    lab = candidate_labels(sel, labels)
    out = {m: expected(choice.distribution, lab) for m, choice in sel.methods.items()}
    out["random (per candidate)"] = sum(lab.values()) / len(lab) if lab else 0.0
    out["oracle"] = max(lab.values(), default=0.0)
    return out


def kind(sel: Selection, labels: dict[str, bool]) -> str:
    lab = candidate_labels(sel, labels).values()
    if not any(v > 0 for v in lab):
        return "none"
    return "all" if all(v == 1 for v in lab) else "mixed"


def table(sels: list[Selection], labels: dict[str, dict[str, bool]], methods: list[str]) -> dict:
    """Mean accuracy per method on the instances with >=1 resolving candidate and on the mixed ones."""
    rows = {}
    for subset in ("covered", "mixed"):
        chosen = [s for s in sels if kind(s, labels[s.instance_id]) in (("all", "mixed") if subset == "covered" else ("mixed",))]
        per = [scores(s, labels[s.instance_id]) for s in chosen]
        rows[subset] = {"instances": len(chosen),
                        "accuracy": {m: (sum(p[m] for p in per) / len(per) if per else None) for m in methods}}
    return rows


def split_instances(sels: dict[str, Selection]) -> dict[str, list[str]]:
    """The fixed train / test rule of agent/examples/split.py (by instance id only)."""
    out: dict[str, list[str]] = {"train": [], "test": []}
    for iid in sorted(sels):
        out[split_of(iid)].append(iid)
    return out


def report(sels: dict[str, Selection], labels: dict[str, dict[str, bool]], executed_only: bool = True) -> dict:
    """Per split: the accuracy table, the method that is best on train (tuning = choosing it there),
    and per-instance cost / wall time."""
    from agent.ensemble.methods import needs_execution
    usable = {i: s for i, s in sels.items() if i in labels and (s.executed or not executed_only)}
    methods = sorted({m for s in usable.values() for m in s.methods
                      if executed_only or not needs_execution(m)}) + ["random (per candidate)", "oracle"]
    splits = split_instances(usable)
    out = {"instances": len(usable), "skipped_not_executed": sorted(set(sels) - set(usable)), "splits": splits,
           "tables": {}}
    for name, ids in [("train", splits["train"]), ("test", splits["test"]), ("all", sorted(usable))]:
        out["tables"][name] = table([usable[i] for i in ids], labels, methods)
    train = out["tables"]["train"]["covered"]["accuracy"]
    candidates = [m for m in methods if m not in ("oracle", "random (per candidate)") and train.get(m) is not None]
    out["best_on_train"] = max(candidates, key=lambda m: (train[m], m == "pipeline")) if candidates else None
    out["rows"] = [{"instance_id": i, "split": split_of(i), "kind": kind(s, labels[i]), "candidates": len(s.candidates),
                    "wall_s": s.duration_s, "scores": scores(s, labels[i])} for i, s in sorted(usable.items())]
    ran = [s for s in usable.values() if s.duration_s]
    out["per_instance"] = {"cost_usd": sum(s.cost_usd for s in ran) / len(ran) if ran else 0.0,
                           "tokens": sum(s.tokens for s in ran) / len(ran) if ran else 0.0,
                           "wall_s": sum(s.duration_s for s in ran) / len(ran) if ran else 0.0, "runs": len(ran)}
    return out


def markdown(rep: dict) -> str:
    def f(v):
        return "–" if v is None else f"{v:.3f}"
    lines = []
    for split in ("test", "train", "all"):
        t = rep["tables"][split]
        methods = list(t["covered"]["accuracy"])
        lines.append(f"**{split}** ({t['covered']['instances']} with ≥1 resolving candidate, "
                     f"{t['mixed']['instances']} mixed)\n")
        lines.append("| method | accuracy (≥1 resolving) | accuracy (mixed) |")
        lines.append("|---|---:|---:|")
        for m in methods:
            lines.append(f"| {m} | {f(t['covered']['accuracy'][m])} | {f(t['mixed']['accuracy'][m])} |")
        lines.append("")
    shown = [m for m in rep["tables"]["all"]["covered"]["accuracy"] if m != "random (per candidate)"]
    lines.append("| instance | split | candidates | " + " | ".join(shown) + " | wall s |")
    lines.append("|---|---|---:|" + "---:|" * (len(shown) + 1))
    for r in rep["rows"]:
        if r["kind"] != "none":
            lines.append(f"| {r['instance_id']} | {r['split']} | {r['candidates']} | "
                         + " | ".join(f"{r['scores'][m]:.2f}" for m in shown) + f" | {r['wall_s']:.0f} |")
    lines.append("")
    pi = rep["per_instance"]
    lines.append(f"best method on train: {rep['best_on_train']}; per executed instance: "
                 f"${pi['cost_usd']:.4f}, {pi['tokens']:,.0f} tokens, {pi['wall_s']:.0f} s wall ({pi['runs']} runs)")
    return "\n".join(lines)
