"""SWE-bench evaluation: dataset loading, recipes and hashes, scripts, official grading on real logs.

No Docker, no mirrors, no network: these run everywhere.
"""
import dataclasses
import gzip
import hashlib
import json
import re

import pytest
from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS
from swebench.harness.grading import get_eval_report, get_logs_eval
from swebench.harness.test_spec.test_spec import make_test_spec

from agent.evaluation import dockerfiles, recipe, spec
from agent.evaluation.run_all import EvalOptions, run_report
from agent.evaluation.dataset import gold_predictions, load_dataset, load_predictions
from agent.evaluation.run import InstanceResult, apply_failure, summarize_report
from tests.support.paths import DATA as TEST_DATA

DATA = TEST_DATA / "eval"
FLASK = json.loads((DATA / "pallets__flask-5014.json").read_text())
PYTHONS = ["2.7.18", "3.9.2", "3.9.18", "3.10.13", "3.11.7"]


def _requests_row(version="2.0", iid="psf__requests-1"):
    return {**FLASK, "repo": "psf/requests", "instance_id": iid, "version": version}


# --- datasets -------------------------------------------------------------------------------

def test_load_dataset_jsonl_gz_and_list_columns(tmp_path):
    row = {**FLASK, "FAIL_TO_PASS": ["t::a"], "PASS_TO_PASS": json.loads(FLASK["PASS_TO_PASS"])}
    plain, packed = tmp_path / "d.jsonl", tmp_path / "d.jsonl.gz"
    plain.write_text(json.dumps(row) + "\n\n" + json.dumps({**row, "instance_id": "x__y-1"}) + "\n")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, packed):
        rows = load_dataset(path)
        assert [r["instance_id"] for r in rows] == ["pallets__flask-5014", "x__y-1"]
        assert rows[0]["FAIL_TO_PASS"] == '["t::a"]'  # lists become JSON strings, as on HF
    assert [r["instance_id"] for r in load_dataset(packed, ["x__y-1"])] == ["x__y-1"]
    with pytest.raises(ValueError, match="^instances not in .*: nope$"):   # no KeyError quotes in the CLI line
        load_dataset(packed, ["nope"])


def test_load_predictions_json_map_and_jsonl(tmp_path):
    pred = {"instance_id": "a__b-1", "model_patch": "diff"}
    (tmp_path / "p.json").write_text(json.dumps({"a__b-1": pred}))
    (tmp_path / "p.jsonl").write_text(json.dumps({**pred, "model_name_or_path": "m/x"}) + "\n")
    assert load_predictions(tmp_path / "p.json")["a__b-1"]["model_name_or_path"] == "None"
    assert load_predictions(tmp_path / "p.jsonl")["a__b-1"]["model_name_or_path"] == "m/x"
    (tmp_path / "bad.jsonl").write_text('{"instance_id": "a"}\n')
    with pytest.raises(ValueError, match="model_patch"):
        load_predictions(tmp_path / "bad.jsonl")
    assert gold_predictions([FLASK], empty=True)["pallets__flask-5014"]["model_patch"] == ""


# --- recipes --------------------------------------------------------------------------------

def test_pick_python_takes_newest_of_the_series_or_says_what_exists():
    assert recipe.pick_python("3.9", PYTHONS) == "3.9.18"
    with pytest.raises(recipe.RecipeError, match=r"python 3\.5.*3\.9\.18"):
        recipe.pick_python("3.5", PYTHONS)


@pytest.mark.parametrize("conda,pip", [("numpy=1.19", "numpy==1.19.*"), ("numpy==1.19.2", "numpy==1.19.2"),
                                       ("matplotlib-base", "matplotlib"), ("scipy>=1.4", "scipy>=1.4"),
                                       ("hdf5", None), ("python=3.9", None), ("lxml    # pydap", "lxml")])
def test_conda_to_pip(conda, pip):
    assert recipe.conda_to_pip(conda) == pip


def test_requirements_from_mirror_follows_r_and_drops_editable():
    files = {"requirements/dev.txt": "-r tests.txt\n# c\n-e .\ntox==4.4.11\ntypes-pkg_resources==0.1\n",
             "requirements/tests.txt": "pytest==7.3.0\n.[test]\n"}
    text = recipe.requirements_from_mirror("pallets/flask", files.get)
    lines = [x for x in text.split("\n") if x]
    assert lines == ["pytest==7.3.0", "tox==4.4.11", "types-setuptools"]  # swebench's own clean-up applied
    with pytest.raises(recipe.RecipeError, match="requirements/dev.txt"):
        recipe.requirements_from_mirror("pallets/flask", {}.get)


def test_environment_yml_translates_and_records_skips():
    yml = "name: t\nchannels: [conda-forge]\ndependencies:\n  - hdf5\n  - numpy\n  - pip\n  - pip:\n    - numbagg\n"
    specs = MAP_REPO_VERSION_TO_SPECS["pydata/xarray"]["0.12"]
    row = {**FLASK, "repo": "pydata/xarray", "version": "0.12"}
    r = recipe.make_env_recipe(row, specs, {"ci/requirements/environment.yml": yml}.get, PYTHONS, "base:1")
    assert r.conda_packages == ("numpy", "numbagg") and r.skipped == ("hdf5", "pip")
    assert r.pip_packages == tuple(specs["pip_packages"]) and r.python == "3.10.13"


@pytest.mark.parametrize("repo,version,pin", [("sphinx-doc/sphinx", "3.5", "docutils<0.22"),
                                              ("astropy/astropy", "3.1", "pyparsing<3.3"),
                                              ("astropy/astropy", "1.3", "pyparsing<3.3")])
def test_drift_pins_follow_the_spec_packages(repo, version, pin):
    """Releases since the official images were built that break a repository's tests are pinned after the spec's
    own packages (installed before the project, so its install keeps them)."""
    specs = MAP_REPO_VERSION_TO_SPECS[repo][version]
    r = recipe.make_env_recipe({**FLASK, "repo": repo, "version": version}, {**specs, "packages": ""}, {}.get,
                               PYTHONS + ["3.6.15"], "base:1")
    assert r.pip_packages == tuple(specs.get("pip_packages", [])) + (pin,)


def test_drift_env_sets_image_env_for_its_version_only():
    """astropy 3.1's images run with the stdlib distutils (its tests turn setuptools' LooseVersion warning into a
    collection error); other versions keep their recipe, and a recipe without env keeps its old digest."""
    specs = MAP_REPO_VERSION_TO_SPECS["astropy/astropy"]["3.1"]
    row = {**FLASK, "repo": "astropy/astropy", "version": "3.1"}
    r = recipe.make_env_recipe(row, {**specs, "packages": ""}, {}.get, PYTHONS, "base:1")
    assert r.env == (("SETUPTOOLS_USE_DISTUTILS", "stdlib"),)
    assert " SETUPTOOLS_USE_DISTUTILS=stdlib" in dockerfiles.env_dockerfile(r).split("\nENV ")[-1].splitlines()[0]
    assert r.digest() != dataclasses.replace(r, env=()).digest()
    other = recipe.make_env_recipe({**row, "version": "5.0"}, {**MAP_REPO_VERSION_TO_SPECS["astropy/astropy"]["5.0"],
                                                              "packages": ""}, {}.get, PYTHONS, "base:1")
    assert other.env == () and "SETUPTOOLS_USE_DISTUTILS" not in dockerfiles.env_dockerfile(other)
    # the digest of an env-less recipe is computed without the field (images built before it keep their tags)
    content = {k: v for k, v in dataclasses.asdict(other).items() if k not in ("version", "env")}
    payload = json.dumps({"v": recipe.RECIPE_VERSION, **content}, sort_keys=True)
    assert other.digest() == hashlib.sha256(payload.encode()).hexdigest()


def test_env_recipe_hash_is_content_addressed():
    specs = MAP_REPO_VERSION_TO_SPECS["pallets/flask"]["2.3"]
    read = {"requirements/dev.txt": "pytest==7.3.0\n"}.get
    a = recipe.make_env_recipe(FLASK, specs, read, PYTHONS, "base:1")
    assert a.python == "3.11.7" and a.requirements.strip() == "pytest==7.3.0"
    assert a.pip_packages == tuple(specs["pip_packages"])  # verbatim, order kept
    assert a.digest() == recipe.make_env_recipe(FLASK, specs, read, PYTHONS, "base:1").digest()
    assert a.digest() != recipe.make_env_recipe(FLASK, specs, read, PYTHONS, "base:2").digest()
    assert a.digest() != recipe.make_env_recipe(FLASK, specs, {"requirements/dev.txt": "x\n"}.get,
                                                PYTHONS, "base:1").digest()
    # requests versions share one spec, so they share one environment image
    req = [recipe.make_env_recipe(_requests_row(v), MAP_REPO_VERSION_TO_SPECS["psf/requests"][v],
                                  {}.get, PYTHONS, "b").tag for v in ("2.0", "2.27")]
    assert req[0] == req[1] and re.fullmatch(r"[a-z0-9./_-]+:[0-9a-f]{20}", req[0])


def test_instance_recipe_tag_and_dockerfiles():
    specs = MAP_REPO_VERSION_TO_SPECS["pytest-dev/pytest"]["6.3"]
    row = {**FLASK, "repo": "pytest-dev/pytest", "version": "6.3"}
    env = recipe.make_env_recipe(row, specs, {}.get, PYTHONS, "base:1")
    inst = recipe.make_instance_recipe(row, specs, env.tag)
    assert inst.tag.startswith("swe-agent/sweb.eval.pallets__flask-5014:")
    assert inst.tag != recipe.make_instance_recipe({**row, "base_commit": "0" * 40}, specs, env.tag).tag
    env_df = dockerfiles.env_dockerfile(env)
    assert env_df.startswith("FROM base:1\n") and f"COPY python /root/.pyenv/versions/{env.python}" in env_df
    assert " pluggy==0.13.1 " in env_df and "no-index" not in env_df  # pip_packages verbatim; network at build
    script = dockerfiles.setup_repo_script(inst)
    assert specs["pre_install"][0] in script and script.index(specs["install"]) < script.index("no-index")
    assert "git commit --allow-empty -am SWE-bench" in script
    assert f"FROM {env.tag}" in dockerfiles.instance_dockerfile(inst)


# --- scripts ----------------------------------------------------------------------------------

def test_offline_spec_matches_official_and_adaptation_keeps_test_commands():
    row = _requests_row("2.0", "psf__requests-1766")
    official = make_test_spec(row)  # requests needs no requirements download: comparable offline
    ours = spec.offline_test_spec(row)
    assert ours.eval_script == official.eval_script and ours.repo_script_list == official.repo_script_list
    adapted = spec.adapt_eval_script(ours.eval_script).split("\n")
    assert "conda activate testbed" not in adapted and "source /opt/testbed/bin/activate" in adapted
    kept = [x for x in official.eval_script.split("\n") if "conda" not in x and "miniconda" not in x]
    assert [x for x in adapted if "/opt/testbed/bin/activate" not in x] == kept
    assert "pytest -rA" in "\n".join(adapted)


def test_online_names_are_the_official_ones():
    row = _requests_row("2.0", "psf__requests-1766")
    assert spec.online_image_name(row["instance_id"]) == make_test_spec(row, namespace="swebench").instance_image_key
    assert spec.online_image_name("psf__requests-1766") == "swebench/sweb.eval.x86_64.psf_1776_requests-1766:latest"
    assert spec.eval_script(make_test_spec(row), online=True) == make_test_spec(row).eval_script


# --- grading on real logs (our run of pallets__flask-5014, kept under tests/data/eval) ----------

@pytest.mark.parametrize("kind,resolved", [("gold", True), ("empty", False)])
def test_official_grading_on_real_logs(tmp_path, kind, resolved):
    log = tmp_path / "test_output.txt"
    log.write_bytes(gzip.decompress((DATA / f"pallets__flask-5014.{kind}.test_output.txt.gz").read_bytes()))
    ts = spec.offline_test_spec(FLASK)
    status, found = get_logs_eval(ts, str(log))
    assert found and len(status) > 50
    assert status["tests/test_blueprints.py::test_empty_name_not_allowed"] == ("PASSED" if resolved else "FAILED")
    pred = gold_predictions([FLASK], empty=kind == "empty")["pallets__flask-5014"]
    report = get_eval_report(ts, pred, str(log), include_tests_status=True)
    assert report["pallets__flask-5014"]["resolved"] is resolved
    assert ("F2P failing 1" in summarize_report(report, "pallets__flask-5014")) is not resolved


def test_run_report_has_official_keys_and_counts(tmp_path):
    rows = [{"instance_id": i} for i in ("a", "b", "c", "d", "e")]
    preds = {i: {"instance_id": i, "model_name_or_path": "org/m", "model_patch": "p"} for i in "abcd"}
    results = {"a": InstanceResult("a", "resolved"), "b": InstanceResult("b", "unresolved"),
               "c": InstanceResult("c", "error", "x"), "d": InstanceResult("d", "empty_patch")}
    report, path = run_report(rows, preds, results, EvalOptions(run_id="r1", report_dir=tmp_path))
    assert path == tmp_path / "org__m.r1.json" and json.loads(path.read_text()) == report
    assert (report["resolved_instances"], report["unresolved_instances"], report["error_instances"],
            report["empty_patch_instances"], report["completed_instances"]) == (1, 1, 1, 1, 2)
    assert report["incomplete_ids"] == ["e"] and report["schema_version"] == 2


def test_build_failure_names_package_and_key_line():
    from agent.evaluation.run_all import key_line
    from agent.evaluation.build import guess_package
    log = ("Step 7/9 : RUN pip install -r /root/requirements.txt\n Collecting foo==9.9\n"
           "ERROR: Could not find a version that satisfies the requirement foo==9.9 (from versions: 1.0)\n"
           "ERROR: No matching distribution found for foo==9.9\n"
           "The command '/bin/bash -o pipefail -c pip install' returned a non-zero code: 1\n")
    assert guess_package(log) == "foo==9.9"
    assert key_line(log) == "ERROR: No matching distribution found for foo==9.9"
    assert guess_package("all fine") is None


def test_validation_table_per_repository():
    from agent.evaluation.validate import Validation, per_repository, repository
    assert repository("pydata__xarray-4094") == "pydata/xarray"
    assert repository("sphinx-doc__sphinx-10449") == "sphinx-doc/sphinx"
    rows = [Validation("sympy__sympy-1", True, True, True, 400, 390, env_s=300, instance_s=90, env_mb=900,
                       instance_mb=80),
            Validation("sympy__sympy-2", True, True, True, 100, 60, env_s=None, instance_s=60, env_mb=900,
                       instance_mb=100),
            Validation("sympy__sympy-3", True, False, True, 50, 0, reused=True),      # an older row: no sizes
            Validation("pytest-dev__pytest-5", False, False, True, 10, 5, reason="env build failed")]
    table = per_repository(rows)
    assert "| sympy/sympy | 3 | 2 | 1 | 300 | 75 | 900 | 90 |" in table
    assert "| pytest-dev/pytest | 1 | 0 | 0 | – | – | – | – |" in table
    assert table.index("pytest-dev/pytest") < table.index("sympy/sympy")


def test_validate_reuses_finished_rows_without_docker(tmp_path):
    """Both verdicts on disk: no image is built (client is unusable here), the row is marked reused."""
    from agent.evaluation import validate
    from agent.evaluation.run import log_dir_for
    iid = FLASK["instance_id"]
    for kind, empty, resolved in (("gold", False, True), ("empty", True, False)):
        pred = gold_predictions([FLASK], empty=empty)[iid]
        d = log_dir_for(tmp_path, f"v-{kind}", pred)
        d.mkdir(parents=True)
        (d / "report.json").write_text(json.dumps({iid: {"resolved": resolved}}))
    [v] = validate.validate([FLASK], EvalOptions(run_id="v", report_dir=tmp_path), client=object())
    assert v.ok and v.reused and "| reused |" in validate.to_markdown([v])
    (log_dir_for(tmp_path, "v-empty", gold_predictions([FLASK], empty=True)[iid]) / "report.json").unlink()
    # One verdict missing: it must build, i.e. use the engine (here a useless client: the build fails).
    [v] = validate.validate([FLASK], EvalOptions(run_id="v", report_dir=tmp_path), client=object())
    assert not v.reused and not v.env_built and v.reason.startswith("environment:")


def test_needs_internet_recognizes_dns_failures_in_test_output():
    from agent.evaluation.validate import needs_internet
    out = ("E   socket.gaierror: [Errno -3] Temporary failure in name resolution\n"
           "FAILED test_requests.py::RequestsTestCase::test_HTTP_200_OK_GET")
    assert needs_internet(out) and not needs_internet("FAILED test_x.py::test_y - AssertionError")


def test_validation_table_keeps_rows_of_earlier_calls(tmp_path):
    """One instance per call under one run id (how a long validation is spread over sessions): the table
    keeps every instance, and an instance validated again replaces its own row."""
    from agent.evaluation.validate import Validation, earlier_rows, write
    write([Validation("sympy__sympy-1", True, True, True, 400, 390, env_s=300, env_mb=900)], tmp_path, "s")
    write([Validation("pydata__xarray-2", True, False, True, 90, 10, reason="gold unresolved")], tmp_path, "s")
    md, _ = write([Validation("sympy__sympy-1", True, True, True, 5, 0, reused=True)], tmp_path, "s")
    rows = {v.instance_id: v for v in earlier_rows(tmp_path, "s")}
    assert set(rows) == {"sympy__sympy-1", "pydata__xarray-2"} and rows["sympy__sympy-1"].reused
    # Read back from disk, the row keeps what the instance cost when it was built and run.
    assert (rows["sympy__sympy-1"].seconds, rows["sympy__sympy-1"].env_s, rows["sympy__sympy-1"].env_mb) == (400, 300, 900)
    assert "1/2 instances valid here." in md.read_text()
    write([Validation("sympy__sympy-1", False, False, True, 7, 6, reason="env build failed")], tmp_path, "s")
    assert {v.instance_id: v for v in earlier_rows(tmp_path, "s")}["sympy__sympy-1"].seconds == 7   # a new run replaces it
    assert earlier_rows(tmp_path, "other") == []


def test_a_patch_that_does_not_apply_says_why_in_one_line():
    # git apply names the file (and the line); patch(1)'s first line is its reason, not the tail of its echo
    git_out = "Checking patch nope.py...\nerror: nope.py: No such file or directory\n"
    patch_out = ("can't find file to patch at input line 3\nPerhaps you used the wrong -p or --strip option?\n"
                 "The text leading up to this was:\n|--- a/nope.py\nNo file to patch.  Skipping patch.\n")
    assert apply_failure([git_out, git_out, patch_out]) == "nope.py: No such file or directory"
    assert apply_failure(["", patch_out]) == "can't find file to patch at input line 3"
    assert apply_failure([]) == "no output"
