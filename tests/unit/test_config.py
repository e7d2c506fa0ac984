"""Config by concern: stage sections own their knobs, old spellings still load, `config show`
prints what a solve would run with."""
from __future__ import annotations

import warnings

import pytest
import yaml
from typer.testing import CliRunner

from agent.cli import app
from agent.config import SelectConfig, SolveConfig, load_config


def test_old_keys_load_into_their_stage_section(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("top_k: 5\nabstain_below: 0.2\nselection:\n  weights: {votes: 0.3}\n  calibration: cal.json\n")
    with pytest.warns(DeprecationWarning, match="'top_k' is deprecated; use 'select.top_k'"):
        cfg = load_config(old)
    assert (cfg.select.top_k, cfg.select.abstain_below, cfg.select.weights, cfg.select.calibration) == \
        (5, 0.2, {"votes": 0.3}, "cal.json")
    assert cfg.select.max_steps == 2                    # the section's other defaults are kept
    # -c with an old key wins over the file's new key (later layer), and a saved run config validates
    new = tmp_path / "new.yaml"
    new.write_text("select:\n  top_k: 7\n")
    with pytest.warns(DeprecationWarning):
        assert load_config(new, ["top_k=4", "selection.weights.tests=2"]).select.weights == {"tests": 2}
        assert load_config(new, ["top_k=4"]).select.top_k == 4
        assert SolveConfig.model_validate({"abstain_below": 0.1}).select.abstain_below == 0.1
        both = SolveConfig(select=SelectConfig(max_steps=5), top_k=6)     # a section given as a model
        assert (both.select.max_steps, both.select.top_k) == (5, 6)
        moved = load_config(None, ["early_stop=false", "regression=false"], early_stop_agree=2)
        assert (moved.patch.early_stop, moved.patch.early_stop_agree, moved.execute.regression) == (False, 2, False)
        assert moved.patch.samples == 4                 # the patch section's other defaults are kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # new spellings: no warning
        assert load_config(new, ["select.weights.reward=0.05"]).select.weights == {"reward": 0.05}
        assert load_config(None, [], preset="strong").select.top_k == 4


def test_config_show_prints_the_effective_config(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("patch:\n  samples: 6\n")
    out = CliRunner().invoke(app, ["config", "show", "--preset", "strong", "--config", str(cfg),
                                   "-c", "abstain_below=0.3", "-c", "reward.verifier=my_pkg.judges:Strict"])
    assert out.exit_code == 0, out.output
    shown = yaml.safe_load(out.stdout)
    assert shown["patch"]["samples"] == 6 and shown["patch"]["edit_format"] == "search_replace"
    assert shown["select"]["abstain_below"] == 0.3 and "abstain_below" not in shown
    assert "note: config key 'abstain_below' is deprecated; use 'select.abstain_below'" in out.stderr
    assert shown["reward"]["verifier"] == "my_pkg.judges:Strict"
    assert SolveConfig.model_validate(shown) == load_config(cfg, ["select.abstain_below=0.3",
                                                                  "reward.verifier=my_pkg.judges:Strict"],
                                                            preset="strong")
    bad = CliRunner().invoke(app, ["config", "show", "-c", "sandbox=dcoker"])
    assert bad.exit_code == 2 and "unknown sandbox backend" in bad.output


def test_unknown_keys_are_refused_with_the_closest_known_one(tmp_path):
    """A typo must not run silently with the default (pydantic alone would drop the key)."""
    with pytest.raises(ValueError, match=r"unknown config keys: model\.nme \(did you mean model\.name\?\), "
                                         r"patch\.samplez \(did you mean patch\.samples\?\), foo$"):
        load_config(None, ["patch.samplez=8", "foo.bar=1", "model.nme=x"])
    typo = tmp_path / "typo.yaml"
    typo.write_text("reward:\n  model:\n    tempature: 0.1\n")     # inside a per-stage model section
    with pytest.raises(ValueError, match=r"unknown config key: reward\.model\.tempature \(did you mean "
                                         r"reward\.model\.temperature\?\)"):
        load_config(typo)
    ok = load_config(None, ["reward.model.temperature=0.1", "select.weights.anything=2"])
    assert ok.reward.model.temperature == 0.1 and ok.select.weights["anything"] == 2
    out = CliRunner().invoke(app, ["config", "show", "-c", "patch.samplez=8"])
    assert out.exit_code == 2 and "did you mean patch.samples?" in out.output


def test_a_bad_value_is_one_line_per_key_with_what_was_given():
    with pytest.raises(ValueError) as err:
        load_config(None, ["patch.temperature=9", "select.abstain_below=x"], budget_usd=-1)
    assert str(err.value) == ("patch.temperature: Input should be less than or equal to 2 (got 9); select.abstain_below: "
                              "Input should be a valid number, unable to parse string as a number (got 'x'); "
                              "budget_usd: Input should be greater than or equal to 0 (got -1)")
    out = CliRunner().invoke(app, ["config", "show", "-c", "patch.samples=-2"])
    assert out.exit_code == 2 and "patch.samples: Input should be greater than or equal to 0 (got -2)" in out.output
    assert "errors.pydantic.dev" not in out.output


def test_malformed_yaml_is_a_bad_configuration_not_a_crash(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("patch: [\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(None, ["patch.samples=["])


def test_an_unset_key_variable_is_refused_before_the_run(monkeypatch):
    from agent.model.pricing import key_problem
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    cfg = load_config(None, [], **{"model.name": "openai/x", "model.api_key_env": "NO_SUCH_KEY_VAR"})
    assert "NO_SUCH_KEY_VAR" in key_problem(cfg)
    monkeypatch.setenv("NO_SUCH_KEY_VAR", "k")
    assert key_problem(cfg) is None
    out = CliRunner().invoke(app, ["solve", "issue.md", "--repo", ".", "--model", "openai/x",
                                   "--api-key-env", "NO_SUCH_KEY_VAR_2"])
    assert out.exit_code == 2 and "NO_SUCH_KEY_VAR_2" in out.output

