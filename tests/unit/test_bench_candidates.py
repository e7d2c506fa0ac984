"""scripts/bench_candidates.py: which samples two variants share instead of drawing twice (pure)."""
from __future__ import annotations

import importlib.util

from agent.config import load_config
from tests.support.paths import ROOT


def _script():
    spec = importlib.util.spec_from_file_location("bench_candidates", ROOT / "scripts" / "bench_candidates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _shared(a: list[str], b: list[str], share_free: bool = True) -> list[int]:
    same = _script()._identical_samples(load_config(None, a), load_config(None, b), share_free)
    return [i for i in range(4) if same(i)]


def test_temperature_variants_share_the_greedy_sample_only_with_a_fixed_retry_temperature():
    fixed = ["patch.retry_temperature=0.8"]
    assert _shared(fixed + ["patch.temperature=0.8"], fixed + ["patch.temperature=1.2"]) == [0]
    assert _shared(["patch.temperature=0.8"], ["patch.temperature=1.2"]) == [0]    # the default fixes it too
    # unset, the greedy sample's stuck turns run at each variant's own temperature: different requests
    unset = ["patch.retry_temperature=null"]
    assert _shared(unset + ["patch.temperature=0.8"], unset + ["patch.temperature=1.2"]) == []
    assert _shared(fixed + ["patch.temperature=0.8"], fixed + ["patch.temperature=1.2"], share_free=False) == []


def test_other_differences_share_nothing():
    assert _shared(["patch.temperature=0.8"], ["patch.temperature=1.2", "patch.think=true"]) == []
    assert _shared(["patch.think=false"], ["patch.think=true"]) == []
