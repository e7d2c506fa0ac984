"""The batch's pure parts: budget shares, files rebuilt from status files, run folders as tars."""
from __future__ import annotations

import json

from agent.batch.budget_pool import BudgetPool
from agent.batch.folder import BatchFolder, InstanceEval, InstanceStatus, patch_hash, safe_name
from agent.batch.task import pack, unpack
from agent.budget import LedgerState, StageSpend
from agent.runfolder import RunFolder


def test_shares_split_what_is_left_and_never_exceed_the_total():
    pool = BudgetPool(1.0, None)
    a = pool.take("a", ways=2)
    b = pool.take("b", ways=1)
    assert (a.budget_usd, b.budget_usd) == (0.5, 0.5)     # the first one does not take everything
    assert pool.take("c", ways=1) is None                 # all allocated: nothing starts
    pool.settle("a", 0.2, 0)                              # a gave back 0.3
    c = pool.take("c", ways=1)
    assert abs(c.budget_usd - 0.3) < 1e-9
    pool.settle("b", 0.5, 0)
    pool.settle("c", 0.3, 0)
    assert pool.exhausted() and pool.take("d", ways=1) is None


def test_share_respects_per_instance_cap_and_counts_earlier_spend():
    pool = BudgetPool(None, 10_000, per_instance_tokens=1_000, spent_tokens=9_500)
    s = pool.take("a", ways=1, already_tokens=300)
    # 500 left in total; the instance's own ledger already holds 300 from before the kill.
    assert s.max_tokens == 300 + 500 and s.budget_usd is None
    unlimited = BudgetPool(None, None).take("x", ways=4)
    assert unlimited.budget_usd is None and unlimited.max_tokens is None


def test_predictions_are_rebuilt_from_status_files_in_dataset_order(tmp_path):
    f = BatchFolder(tmp_path)
    ids = ["x__y-2", "x__y-1", "x__y-3"]
    f.write_status(InstanceStatus(instance_id="x__y-1", status="done", result_status="selected", model_patch="P1"))
    f.write_status(InstanceStatus(instance_id="x__y-2", status="done", result_status="abstained"))
    f.write_status(InstanceStatus(instance_id="x__y-3", status="error", error="boom"))
    for _ in range(2):  # writing twice must not duplicate anything
        assert f.write_predictions(ids, "m") == 2
    lines = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert lines == [{"instance_id": "x__y-2", "model_name_or_path": "m", "model_patch": ""},
                     {"instance_id": "x__y-1", "model_name_or_path": "m", "model_patch": "P1"}]
    assert not f.is_done("x__y-3") and f.is_done("x__y-1")


def test_summary_uses_run_ledgers_and_ignores_stale_evals(tmp_path):
    f = BatchFolder(tmp_path)
    f.write_status(InstanceStatus(instance_id="a", status="done", result_status="selected", model_patch="P",
                                  duration_s=3))
    state = LedgerState(stages={"patch": StageSpend(calls=2, prompt_tokens=100, completion_tokens=20, cost_usd=0.5)})
    RunFolder(f.run_dir("a")).write_json("ledger.json", state)
    f.write_eval("a", InstanceEval(patch_hash=patch_hash("other patch"), resolved=True))
    row = f.summary_rows(["a", "b"])
    assert row[0].resolved is None                       # graded a different patch: stale
    assert row[0].tokens == 120 and row[0].cost_usd == 0.5
    assert row[1].status == "not_run"
    f.write_eval("a", InstanceEval(patch_hash=patch_hash("P"), resolved=True, candidates={"c1": False, "c2": True}))
    row = f.summary_rows(["a"])[0]
    assert row.resolved is True and row.coverage is True and not row.abstained
    ledger = f.write_ledger(["a", "b"], 2.0, None)
    assert ledger.cost_usd == 0.5 and list(ledger.instances) == ["a"]


def test_run_folder_round_trips_as_tar(tmp_path):
    src = tmp_path / "run"
    RunFolder(src).write_json("03_patches/sample_000.json", {"x": 1})
    RunFolder(src).write_text("final.diff", "diff")
    unpack(pack(src), tmp_path / "copy")
    assert json.loads((tmp_path / "copy/03_patches/sample_000.json").read_text()) == {"x": 1}
    assert (tmp_path / "copy/final.diff").read_text() == "diff"


def test_instance_ids_cannot_escape_the_batch_folder():
    assert safe_name("../../etc/passwd") == "-..-etc-passwd"
    assert safe_name("astropy__astropy-12907") == "astropy__astropy-12907"
