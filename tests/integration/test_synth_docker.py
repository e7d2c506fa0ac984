"""Task factory against a real Docker engine, on tests/data/synth/tinycalc (a repository built here).

Builds the tinycalc sandbox image with the SWE-bench offline builders (needs PyPI from inside
`docker build` for pytest/coverage; the env image is shared with every synth run), then checks the
verdicts on chosen mutants and grades an emitted row through `validate` (official grading).
"""
import json

import pytest

docker = pytest.importorskip("docker")
pytestmark = pytest.mark.docker

from agent.synth import gitrepo, mutate, runner, trials  # noqa: E402
from agent.synth.recipe import SynthEnv  # noqa: E402
from tests.support.paths import DATA  # noqa: E402

TINY = DATA / "synth" / "tinycalc"
TESTS = ["tests/test_core.py::test_add", "tests/test_core.py::test_clamp_high", "tests/test_core.py::test_clamp_inside",
         "tests/test_core.py::test_clamp_low", "tests/test_core.py::test_relu"]
# Writes a marker on its first call in a container: the first run of the suite fails, the second passes.
FLAKY_ADD = '''def add(a, b):
    import os
    first = not os.path.exists("/tmp/.synth-flaky-marker")
    open("/tmp/.synth-flaky-marker", "a").close()
    return a + b + (1 if first else 0)
'''


@pytest.fixture(scope="module")
def client(slow_docker_client):
    return slow_docker_client


@pytest.fixture(scope="module")
def synthesized(client, tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "tasks.jsonl"
    opts = runner.SynthOptions(project="tinycalc", version="0.1.0", source=TINY, n=2, output=out, workers=2,
                               timeout_s=120)
    summary = runner.synthesize(opts, client)
    return opts, summary, [json.loads(x) for x in out.read_text().splitlines()]


def test_rows_are_validated_bugs(synthesized):
    opts, summary, rows = synthesized
    assert summary["baseline_passing"] == 5 and len(rows) == 2 and summary["kept"] >= 2
    for row in rows:
        f2p, p2p = json.loads(row["FAIL_TO_PASS"]), json.loads(row["PASS_TO_PASS"])
        assert f2p and sorted(f2p + p2p) == TESTS
        assert row["patch"].startswith("diff --git a/calc/core.py b/calc/core.py")
        assert not any(t.split("::")[1] in row["problem_statement"] for t in TESTS)
    assert (opts.output.parent / "tinycalc.bundle").stat().st_size < 100_000
    again = runner.synthesize(opts, _NoDocker())  # resume: every verdict is on disk, no container starts
    assert again["tried"] == summary["tried"]


class _NoDocker:
    """A client whose containers must not start: a resumed run has every verdict on disk already.
    Image lookups still go to the engine (the base image exists)."""

    def __init__(self):
        self._real = docker.from_env(timeout=600)

    def __getattr__(self, name):
        if name == "containers":
            raise AssertionError("resume started a container")
        return getattr(self._real, name)


def test_kept_equivalent_and_flaky_mutants(synthesized, client):
    opts, summary, _ = synthesized
    base = json.loads((opts.folder / "01_baseline.json").read_text())
    image, base_pass = base["image"], set(base["passing"])
    src = (TINY / "calc" / "core.py").read_text()
    ms = mutate.mutants("calc/core.py", src)
    env = SynthEnv()
    # without the upper branch clamp(5, 0, 3) is 5: only the test of the upper bound notices
    drop = next(m for m in ms if m.kind == "drop_branch" and "x > hi" not in m.source)
    rec, log = trials.trial(client, image, env, base_pass, drop, timeout=120)
    assert rec["reason"] == "kept" and rec["runs"] == 2
    assert rec["fail_to_pass"] == ["tests/test_core.py::test_clamp_high"]
    assert rec["pass_to_pass"] == [t for t in TESTS if t != "tests/test_core.py::test_clamp_high"]
    # relu(0) is 0 whether the branch is `x > 0` or `x >= 0`: no test can tell
    equivalent = next(m for m in ms if m.kind == "off_by_one" and "if x >= 0:" in m.source)
    assert trials.trial(client, image, env, base_pass, equivalent, timeout=120)[0]["reason"] == "equivalent"
    flaky = mutate.Mutant("calc/core.py", "add", "llm", 18, "flaky add",
                          mutate.replace_function(src, "add", FLAKY_ADD))
    rec, _ = trials.trial(client, image, env, base_pass, flaky, timeout=120)
    assert rec["reason"] == "flaky" and rec["runs"] == 2


def test_rows_grade_resolved_with_gold_and_not_with_empty(synthesized, tmp_path):
    """Through the official grading (`validate`: gold must resolve, an empty patch must not)."""
    from agent.evaluation import validate as val
    from agent.evaluation.run_all import EvalOptions
    opts, _, rows = synthesized
    mirrors = tmp_path / "mirrors"
    gitrepo.unbundle(opts.output.parent / "tinycalc.bundle", mirrors / "synth+tinycalc")
    results = val.validate(rows[:1], EvalOptions(run_id="synth-test", report_dir=tmp_path / "eval",
                                                 mirror_root=mirrors, timeout=300))
    assert [(r.env_built, r.gold_resolved, r.empty_unresolved) for r in results] == [(True, True, True)], results


def _search_replace(row: dict) -> str:
    """The row's gold patch as one SEARCH/REPLACE block (what a model that found the fix answers)."""
    lines = row["patch"].split("@@", 2)[2].split("\n")[1:]
    old = [ln[1:] for ln in lines if ln[:1] in (" ", "-")]
    new = [ln[1:] for ln in lines if ln[:1] in (" ", "+")]
    path = row["synth"]["path"]
    return f"{path}\n<<<<<<< SEARCH\n" + "\n".join(old) + "\n=======\n" + "\n".join(new) + "\n>>>>>>> REPLACE\n"


@pytest.mark.slow
def test_bench_solves_and_grades_a_synthesized_row(synthesized, tmp_path):
    """`swe-agent bench --dataset <synthesized>` end to end: checkout from the bundle's mirror, the
    pipeline in the row's image, official grading. The model is scripted to answer the gold fix."""
    from typer.testing import CliRunner
    from tests.support.openai_server import ScriptedOpenAI
    from tests.support.pipeline import Script
    from agent.batch.cli import app
    opts, _, rows = synthesized
    row = rows[0]
    mirrors = tmp_path / "mirrors"
    gitrepo.unbundle(opts.output.parent / "tinycalc.bundle", mirrors / "synth+tinycalc")
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps(row) + "\n")
    out = tmp_path / "batch"
    script = Script(patches=(_search_replace(row),), tests=("```python\nfrom calc import add\n\n\ndef test_x():\n"
                                                              "    assert add(2, 3) == 5\n```",),
                    localize=f"{row['synth']['path']}:{row['synth']['function']}", judge=lambda diff: "Score: 9/10")
    with ScriptedOpenAI(script) as server:
        res = CliRunner().invoke(app, [
            "bench", "--dataset", str(dataset), "-o", str(out), "--model", "openai/scripted",
            "--api-base", server.api_base, "--mirrors", str(mirrors),
            "-c", "patch.samples=1", "-c", "test.samples=1", "-c", "reward.samples=1", "-c", "workers=1",
            "-c", "use_selection_trajectory=false", "-c", "early_stop=false",
            "-c", "patch.edit_format=search_replace", "-c", "escalate.rounds=0"])
        assert res.exit_code == 0, res.output + repr(res.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary[0]["resolved"] is True, summary


@pytest.mark.parametrize("sig,code_expected", [("SIGINT", 130), ("SIGTERM", 143)], ids=["ctrl-c", "sigterm"])
def test_interrupted_synth_leaves_at_once_without_its_containers(synthesized, client, tmp_path, sig, code_expected):
    """Its main thread waits in a thread pool, whose exit would join the running trials: Ctrl-C waited for them
    and SIGTERM (a CI timeout, `kill`) left their containers running. The image is the fixture's (cached)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    cmd = [sys.executable, "-m", "agent.cli", "synth", "--repo", str(TINY), "-n", "3", "--workers", "2",
           "-o", str(tmp_path / "tasks.jsonl"), "--timeout", "120"]
    proc = subprocess.Popen(cmd, env=dict(os.environ, CI="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mine = {"label": f"swe-agent.owner-pid={proc.pid}"}
    deadline = time.time() + 300
    while not client.containers.list(filters=mine) and time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.2)
    assert client.containers.list(filters=mine), "no trial container started"
    sent = time.time()
    proc.send_signal(getattr(signal, sig))
    code = proc.wait(timeout=60)
    assert (code, "rerun the same command" in proc.stderr.read().decode()) == (code_expected, True)
    assert time.time() - sent < 30
    left = client.containers.list(all=True, filters=mine)
    assert left == [], [c.name for c in left]
