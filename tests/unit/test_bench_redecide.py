"""scripts/bench_redecide.py: a saved generation folder copied for a new decision, on a committed benchmark record."""
from __future__ import annotations

import importlib.util

from tests.support.paths import ROOT

RECORDS = ROOT / "docs" / "reports" / "dev-train8" / "fd16d17"


def _script():
    spec = importlib.util.spec_from_file_location("bench_redecide", ROOT / "scripts" / "bench_redecide.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_copy_keeps_samples_and_evidence_and_drops_probes_and_the_decision(tmp_path):
    mod = _script()
    gen = mod.unpack(RECORDS, "tempconv", tmp_path)
    assert gen.name == "gen8" and (gen / "05_probes" / "probes.json").is_file()
    assert mod.probe_used(gen) is True          # the saved run had a model-written probe script
    dst = tmp_path / "redo" / "tempconv" / "gen8"
    mod.fresh_copy(gen, dst)
    kept = {p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()}
    assert {"issue.json", "meta.json", "03_patches/candidates.json", "03_patches/sample_000.json",
            "02_tests/tests.json", "04_execution/matrix.json"} <= kept
    assert any(k.startswith("04_execution/cells/") for k in kept) and any(k.startswith("06_reward/") for k in kept)
    gone = [k for k in kept if k.startswith(("05_probes/", "04_execution/probes/", "07_selection/"))
            or k in ("04_execution/behaviour.json", "result.json", "final.diff")]
    assert gone == [] and mod.probe_used(dst) is None
    assert not (dst.parent / "gen8.tmp").exists()
    # unpacked once: a second call reads the same folder
    assert mod.unpack(RECORDS, "tempconv", tmp_path) == gen


def test_an_example_without_a_saved_folder_is_a_clear_error_before_any_work(tmp_path, capsys):
    import pytest
    mod = _script()
    with pytest.raises(SystemExit) as err:
        mod.main(["--records", str(RECORDS), "--examples", "tempconv,nosuch", "--out", str(tmp_path / "out")])
    assert err.value.code == 2 and "nosuch" in capsys.readouterr().err and not (tmp_path / "out").exists()
