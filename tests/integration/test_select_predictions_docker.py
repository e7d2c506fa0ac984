"""`swe-agent select` through real Docker on one SWE-bench-format instance built here (a real git
repository, two candidates from three systems, one correct): the repository's own tests show which
candidate breaks the code, majority is fooled (the parts without Docker: unit/test_select_predictions.py)."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.support.predictions import make_instance


@pytest.mark.docker
def test_select_through_docker_picks_the_fix_that_keeps_repository_tests(docker_client, tmp_path):
    from agent.cli import app
    repo, files, row = make_instance(tmp_path)
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out"
    args = ["select", "--dataset", str(dataset), "--predictions", *map(str, files), "-o", str(out),
            "--model-free", "-m", "pipeline", "-m", "regression", "-m", "majority", "-m", "random",
            "-m", "pipeline+majority", "-m", "majority:regression",
            "-c", "exec_timeout_s=60", "-c", "workers=1"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + repr(res.exception)
    right = json.loads(files[2].read_text())["model_patch"]
    sel = json.loads((out / "instances" / row["instance_id"] / "selection.json").read_text())
    assert sel["executed"] is True and len(sel["candidates"]) == 2
    by_id = {c["id"]: c for c in sel["candidates"]}
    good = next(cid for cid, c in by_id.items() if c["systems"] == ["sys-c"])
    assert by_id[next(i for i in by_id if i != good)]["systems"] == ["sys-a", "sys-b"]
    assert sel["methods"]["majority"]["distribution"] == {next(i for i in by_id if i != good): 1.0}
    assert sel["methods"]["regression"]["distribution"] == {good: 1.0}
    assert sel["methods"]["pipeline"]["candidate"] == good
    pred = [json.loads(ln) for ln in (out / "predictions.jsonl").read_text().splitlines()]
    assert pred == [{"instance_id": row["instance_id"], "model_name_or_path": "swe-agent-select-pipeline",
                     "model_patch": right}]
    assert "-    return a * b" in json.loads((out / "predictions-majority.jsonl").read_text())["model_patch"]
    # a chain: the pipeline chose, so its choice; a tie-break of a majority that has no tie changes nothing
    assert json.loads((out / "predictions-pipeline+majority.jsonl").read_text())["model_patch"] == right
    assert sel["methods"]["majority:regression"]["distribution"] == sel["methods"]["majority"]["distribution"]
    # The run folder is a normal run: `show` renders it.
    report = tmp_path / "report.html"
    shown = CliRunner().invoke(app, ["show", str(out), "-o", str(report)])
    assert shown.exit_code == 0, shown.output
    # Selection never saw the hidden tests or the gold patch: none of their text is anywhere in OUT.
    for f in out.rglob("*"):
        if f.is_file():
            text = f.read_text(errors="replace")
            assert "secret_f2p" not in text and "secret_p2p" not in text and "test_hidden" not in text, f
    # Resume: a second run recomputes nothing and chooses the same.
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert (out / "predictions.jsonl").read_text().count("\n") == 1
    assert json.loads((out / "predictions.jsonl").read_text())["model_patch"] == right


@pytest.mark.docker
def test_pip_layer_keeps_a_requirement_the_image_already_satisfies(docker_client, tmp_path):
    """select adds pytest on top of prebuilt images (sympy's environment has none); where the image has
    it already (pytest's own editable testbed) the layer must leave it alone, without any index."""
    from sandbox.images import RepoRecipe, ensure_pip_image, ensure_repo_image
    repo, _, _ = make_instance(tmp_path)
    base = ensure_repo_image(docker_client, RepoRecipe(repo_path=str(repo), install=[]))
    before = docker_client.containers.run(base, "python -m pytest --version", remove=True, network_disabled=True)
    tag = ensure_pip_image(docker_client, base, ["pytest"])
    assert tag != base and ensure_pip_image(docker_client, base, ["pytest"]) == tag   # built once
    after = docker_client.containers.run(tag, "python -m pytest --version", remove=True, network_disabled=True)
    assert before == after and b"pytest" in after
