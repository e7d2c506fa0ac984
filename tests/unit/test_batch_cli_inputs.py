"""Bad input to the batch commands (bench, eval, validate, select, gc-eval): one clear line and exit 2, before
any image build, grading or folder write. Found by probing the CLIs as a user would."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.evaluation.dataset import load_dataset, load_predictions
from tests.support.paths import DATA

MINI = DATA / "minibench" / "dataset.jsonl"


def run(args: list[str]):
    return CliRunner().invoke(app, args)


def test_an_empty_or_bad_max_disk_never_means_no_cap():
    # `--max-disk "$UNSET"` once removed every SWE-bench image: the size is checked before the engine is asked
    for size in ("", "abc", "-5G", "1.2.3G"):
        for extra in ([], ["--dry-run"]):
            out = run(["gc-eval", "--max-disk", size, *extra])
            assert out.exit_code == 2 and "expected a size" in out.output, (size, extra, out.output)


def test_rows_that_are_not_swe_bench_rows_are_refused(tmp_path):
    scalars = tmp_path / "scalars.jsonl"
    scalars.write_text("1\n2\n")
    no_id = tmp_path / "noid.jsonl"
    no_id.write_text(json.dumps({"repo": "a/b"}) + "\n")
    text = tmp_path / "text.json"
    text.write_text('"just a string"')
    for path, msg in ((scalars, "not an object"), (no_id, "no instance_id"), (text, "holds no rows")):
        with pytest.raises(ValueError, match=msg):
            load_dataset(path)
        out = run(["validate", "--dataset", str(path), "--repo-mirror", str(tmp_path)])
        assert out.exit_code == 2 and msg in out.output


def test_files_that_are_not_json_name_the_file_and_line_in_every_command(tmp_path):
    import gzip
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"instance_id": "a"}) + "\n" + '{"instance_id":\n')
    whole = tmp_path / "broken.json"
    whole.write_text("[1,")
    not_gz = tmp_path / "plain.jsonl.gz"
    not_gz.write_text("{}")
    gz = tmp_path / "ok.jsonl.gz"
    gz.write_bytes(gzip.compress(b"nope\n"))
    for path, msg in ((broken, f"line 2 of {broken} is not JSON"), (whole, f"{whole} is not JSON"),
                      (not_gz, f"cannot read {not_gz}"), (gz, f"line 1 of {gz} is not JSON"),
                      (tmp_path / "missing.jsonl", "missing.jsonl")):
        with pytest.raises(ValueError, match=msg.replace(".", r"\.")):
            load_dataset(path)
        for args in (["bench", "--dataset", str(path), "-o", str(tmp_path / "b")],
                     ["select", "--dataset", str(path), "--predictions", str(path), "-o", str(tmp_path / "s")]):
            out = run(args)
            assert out.exit_code == 2 and msg in " ".join(out.output.split()), out.output


def test_predictions_that_are_not_objects_or_strings_are_refused(tmp_path):
    bad = tmp_path / "p.jsonl"
    bad.write_text("1\n")
    with pytest.raises(ValueError, match="not an object"):
        load_predictions(bad)
    bad.write_text(json.dumps({"instance_id": "x", "model_patch": 5}) + "\n")
    with pytest.raises(ValueError, match="must be strings"):
        load_predictions(bad)
    bad.write_text(json.dumps({"instance_id": "x", "model_patch": None}) + "\n")
    assert load_predictions(bad)["x"]["model_patch"] == ""
    out = run(["select", "--dataset", str(MINI), "--predictions", str(bad.with_suffix(".png")), "-o", str(tmp_path / "o")])
    assert out.exit_code == 2
    bad.write_text("{not json\n")
    out = run(["select", "--dataset", str(MINI), "--predictions", str(bad), "-o", str(tmp_path / "o"), "--model-free"])
    assert out.exit_code == 2 and "bad prediction file" in out.output and not (tmp_path / "o").exists()
    out = run(["select", "--dataset", str(MINI), "--predictions", str(MINI), "-o", str(tmp_path / "o"),
               "-m", "pipeline+vote", "--model-free"])
    assert out.exit_code == 2 and "unknown method 'pipeline+vote'" in out.output and not (tmp_path / "o").exists()


def test_a_file_where_a_folder_goes_and_a_missing_mirror_are_refused_up_front(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = run(["bench", "--dataset", str(MINI), "-o", str(afile)])
    assert out.exit_code == 2 and "is a file" in out.output
    out = run(["bench", "--dataset", str(MINI), "-o", str(tmp_path / "b"), "--mirrors", str(tmp_path / "none")])
    assert out.exit_code == 2 and "not a folder" in out.output
    out = run(["validate", "--dataset", str(MINI), "--repo-mirror", str(tmp_path), "--report-dir", str(afile)])
    assert out.exit_code == 2 and "is a file" in out.output
    out = run(["validate", "--dataset", str(MINI), "--repo-mirror", str(tmp_path / "none")])
    assert out.exit_code == 2 and "not a folder" in out.output


def test_eval_and_validate_take_comma_separated_ids_like_bench(tmp_path):
    ids = [r["instance_id"] for r in load_dataset(MINI)]
    out = run(["validate", "--dataset", str(MINI), "--repo-mirror", str(tmp_path), "-i", f"{ids[0]},nope"])
    assert out.exit_code == 2 and "instances not in" in out.output and "nope" in out.output and ids[0] + ",nope" not in out.output
    out = run(["validate", "--dataset", str(MINI), "--repo-mirror", str(tmp_path), "-i", ","])
    assert out.exit_code == 2 and "names no instance id" in out.output


def test_eval_says_when_no_prediction_names_a_dataset_instance(tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"instance_id": "someone__else-1", "model_patch": ""}) + "\n")
    out = run(["eval", "--dataset", str(MINI), "--predictions", str(preds), "--repo-mirror", str(tmp_path)])
    assert out.exit_code == 2 and "none of the 1 prediction" in out.output


def test_synth_wants_at_least_one_instance(tmp_path):
    out = run(["synth", "--repo", str(tmp_path), "-n", "0", "-o", str(tmp_path / "t.jsonl")])
    assert out.exit_code == 2 and "at least 1" in out.output


def test_example_never_overwrites_a_changed_copy_and_names_the_examples(tmp_path):
    dest = tmp_path / "demo"
    assert run(["example", "--dest", str(dest)]).exit_code == 0
    edited = next((dest / "repo").rglob("convert.py"))
    edited.write_text(edited.read_text() + "# my edit\n")
    out = run(["example", "--dest", str(dest)])
    assert out.exit_code == 2 and "local changes" in out.output and "Traceback" not in out.output
    assert edited.read_text().endswith("# my edit\n")
    out = run(["example", "nosuch", "--dest", str(tmp_path / "x")])
    assert out.exit_code == 2 and "tempconv" in out.output


def test_bench_and_select_refuse_caps_they_cannot_keep_before_writing_anything(tmp_path, monkeypatch):
    # `solve` refused these; `bench` used to start, build images and fail (or overspend) per instance.
    monkeypatch.delenv("NOPE_KEY", raising=False)
    pred = tmp_path / "p.jsonl"
    pred.write_text(json.dumps({"instance_id": "swe-agent__minicalc-1", "model_patch": ""}) + "\n")
    for cmd in (["bench", "--dataset", str(MINI), "-o", str(tmp_path / "b")],
                ["select", "--dataset", str(MINI), "--predictions", str(pred), "-o", str(tmp_path / "b")]):
        unpriced = run([*cmd, "--model", "openai/some-proxy-model", "--budget-usd", "5"])
        assert unpriced.exit_code == 2 and "has no price" in unpriced.output, unpriced.output
        if cmd[0] == "bench":   # a per-instance USD cap needs prices just as much; a token cap bounds an unpriced model
            per = run([*cmd, "--model", "openai/some-proxy-model", "--instance-budget-usd", "1"])
            assert per.exit_code == 2 and "has no price" in per.output, per.output
        key = run([*cmd, "--model", "openai/gpt-4o", "--api-key-env", "NOPE_KEY"])
        assert key.exit_code == 2 and "NOPE_KEY" in key.output and "not set" in key.output, key.output
        preset = run([*cmd, "--preset", "huge"])
        assert preset.exit_code == 2 and "unknown preset" in preset.output, preset.output
        assert not (tmp_path / "b").exists()
    # Model-free selection calls no model: its caps are not refused for prices.
    free = run(["select", "--dataset", str(MINI), "--predictions", str(pred), "-o", str(tmp_path / "f"),
                "--model-free", "-m", "majority", "--budget-usd", "5", "-i", "nosuch"])
    assert "has no price" not in free.output


def test_caps_problem_takes_the_batch_caps_and_a_token_cap_bounds_an_unpriced_model():
    from agent.batch.cli import caps_problem
    from agent.config import load_config
    cfg = load_config(None, [], **{"model.name": "openai/some-proxy-model"})
    assert caps_problem(cfg, None, None, None, None) is None                  # no cap to keep
    assert "has no price" in caps_problem(cfg, 3.0, None, None, None)         # the batch's total
    assert "has no price" in caps_problem(cfg, None, 0.5, None, None)         # per instance
    assert caps_problem(cfg, 3.0, None, 100_000, None) is None                # a token cap bounds it
    assert caps_problem(cfg, 3.0, None, None, 20_000) is None
    priced = load_config(None, [], **{"model.name": "openai/some-proxy-model", "model.price_per_mtok": "1,2"})
    assert caps_problem(priced, 3.0, None, None, None) is None
    assert caps_problem(load_config(None, []), 3.0, None, None, None) is None   # the embedded model is free


def test_bench_and_select_exit_code_tells_an_unreachable_model_and_failed_instances_from_a_finished_batch():
    from agent.batch.cli import exit_code
    from agent.batch.folder import InstanceStatus
    st = lambda status, **kw: InstanceStatus(instance_id="x", status=status, **kw)  # noqa: E731
    assert exit_code([st("done"), st("budget"), None]) == 0          # selected/abstained, a cap, not started
    assert exit_code([st("done"), st("error", error="boom")]) == 1
    assert exit_code([st("error", error="x", model_unavailable=True), None, st("error", error="y")]) == 2
    assert exit_code([]) == 0


def test_a_relative_mirror_folder_is_found_as_an_absolute_git_dir(tmp_path, monkeypatch):
    # `bench --mirrors mir` failed: git fetched from "mir/owner+name" inside another working directory.
    import subprocess
    from agent.evaluation.mirror import find_mirror
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "mir" / "o+n")], check=True)
    monkeypatch.chdir(tmp_path)
    found = find_mirror("mir", "o/n")
    assert found is not None and found.is_absolute() and found == (tmp_path / "mir" / "o+n").resolve()


def test_counts_and_timeouts_below_one_are_refused():
    for args in (["eval", "--dataset", str(MINI), "--predictions", str(MINI), "--workers", "0"],
                 ["eval", "--dataset", str(MINI), "--predictions", str(MINI), "--timeout", "0"],
                 ["bench", "--dataset", str(MINI), "--workers", "0"],
                 ["bench", "--dataset", str(MINI), "--eval-timeout", "-1"],
                 ["select", "--dataset", str(MINI), "--predictions", str(MINI), "--workers", "0"],
                 ["synth", "--repo", ".", "--name", "x", "--version", "1", "--workers", "0"]):
        out = run(args)
        assert out.exit_code == 2 and "Invalid value" in out.output, (args, out.output)


def test_synth_mirrors_refuses_a_missing_or_junk_bundle(tmp_path):
    out = run(["synth-mirrors", str(tmp_path / "nope.bundle"), "-o", str(tmp_path / "m")])
    assert out.exit_code == 2 and "no such bundle" in out.output
    junk = tmp_path / "junk.bundle"
    junk.write_text("junk")
    out = run(["synth-mirrors", str(junk), "-o", str(tmp_path / "m")])
    assert out.exit_code == 2 and "is not a git bundle" in out.output and "Traceback" not in out.output
    assert not (tmp_path / "m" / "synth+junk").exists()


def test_eval_names_a_missing_prediction_file_before_asking_for_mirrors(tmp_path):
    """Probed in session 37: without --repo-mirror, a missing prediction file was only reported once the user had
    found and passed a mirror folder."""
    out = run(["eval", "--dataset", str(MINI), "--predictions", str(tmp_path / "nope.jsonl")])
    assert out.exit_code == 2 and "cannot load predictions" in out.output and "nope.jsonl" in out.output
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"instance_id": load_dataset(MINI)[0]["instance_id"], "model_patch": ""}) + "\n")
    out = run(["eval", "--dataset", str(MINI), "--predictions", str(preds)])
    assert out.exit_code == 2 and "need --repo-mirror" in out.output
