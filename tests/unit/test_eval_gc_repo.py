"""gc.by_repo: the per-repository disk table `swe-agent gc-eval --dry-run` prints (pure, engine df rows)."""
from agent.evaluation import gc


def _img(kind: str, size: int, shared: int, recipe: str, instance: str = "") -> dict:
    labels = {gc.LABEL_KIND: kind, "swe-agent.recipe": recipe, **({"swe-agent.instance": instance} if instance else {})}
    return {"Labels": labels, "Size": size, "SharedSize": shared}


def test_by_repo_counts_own_layers_and_each_environment_once():
    images = [_img("env", 400, 400, "e1"), _img("env", 300, 300, "e2"),
              _img("instance", 450, 400, "e1", "pytest-dev__pytest-5692"),
              _img("instance", 420, 400, "e1", "pytest-dev__pytest-7432"),
              _img("instance", 310, 300, "e2", "sphinx-doc__sphinx-8269"),
              _img("instance", 305, -1, "e2", "sphinx-doc__sphinx-9320")]      # -1: the engine did not compute it
    rows = gc.by_repo(images)
    assert rows == {"pytest-dev/pytest": {"instances": 2, "instance_bytes": 70, "envs": 1, "env_bytes": 400},
                    "sphinx-doc/sphinx": {"instances": 2, "instance_bytes": 315, "envs": 1, "env_bytes": 300}}


def test_only_filters_like_the_engine_label_filter():
    # `--only key` matches any value of the label, `--only key=value` that value: the dry-run listing and the
    # removal (which asks the engine) must select the same images
    labels = {"swe-agent.eval.kind": "instance", "team": "a"}
    assert gc.label_matches(labels, None) and gc.label_matches(labels, "team") and gc.label_matches(labels, "team=a")
    assert not gc.label_matches(labels, "team=b") and not gc.label_matches(labels, "owner")
    assert not gc.label_matches({"team": ""}, "team=a") and gc.label_matches({"team": ""}, "team=")
