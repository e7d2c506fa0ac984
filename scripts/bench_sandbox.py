"""Latency of DockerSandbox vs the raw docker SDK doing the same work, plus 16 concurrent sandboxes.

    .venv/bin/python scripts/bench_sandbox.py [--reps 15] [--concurrent 16]

Per operation: median over the reps, ours / raw (target <= 1.2x). Raw = docker SDK high-level calls
(containers.run, exec_run, put_archive, remove) with the same image, limits, hardening (no
capabilities, no-new-privileges, keeper as nobody, commands as the sandbox user, tmpfs /tmp) and
commands, so the ratio is the cost of our code: deadline, capping, exit code from the engine, clean-up.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import shell  # noqa: E402
from sandbox.docker_sandbox import BASE_ENV, DockerSandbox  # noqa: E402
from sandbox.engine import connect  # noqa: E402
from sandbox.images import RepoRecipe, ensure_repo_image  # noqa: E402

RUN = {"swe-agent.run": "bench"}
USER = "1000:1000"   # what our repository images run commands as
CONTENT = "def f():\n    return 1\n" * 50


def make_repo(root: Path) -> Path:
    import subprocess
    root.mkdir()
    for i in range(20):
        (root / f"m{i}.py").write_text(CONTENT)
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@b"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], cwd=root, check=True)
    return root


def tar_of(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def ours(client, image: str) -> dict[str, float]:
    t = {}
    t0 = time.perf_counter(); sb = DockerSandbox.start(image, client=client, labels=RUN); t["start"] = time.perf_counter() - t0
    t0 = time.perf_counter(); sb.run("echo hi"); t["exec"] = time.perf_counter() - t0
    t0 = time.perf_counter(); sb.write_file("m0.py", CONTENT + "x = 2\n"); t["write"] = time.perf_counter() - t0
    t0 = time.perf_counter(); sb.diff(); t["diff"] = time.perf_counter() - t0
    t0 = time.perf_counter(); sb.close(); t["close"] = time.perf_counter() - t0
    return t


def raw(client, image: str) -> dict[str, float]:
    t = {}
    t0 = time.perf_counter()
    c = client.containers.run(image, ["sleep", "infinity"], detach=True, network_mode="none", mem_limit="2g",
                              memswap_limit="2g", nano_cpus=int(2e9), pids_limit=1024, init=True,
                              cap_drop=["ALL"], security_opt=["no-new-privileges"], user="65534:65534",
                              tmpfs={"/tmp": "rw,nosuid,nodev,size=1g,mode=1777"},
                              labels={"swe-agent.managed": "1", **RUN}, environment=BASE_ENV, working_dir="/repo")
    t["start"] = time.perf_counter() - t0
    t0 = time.perf_counter(); c.exec_run(["bash", "-lc", "echo hi"], user=USER); t["exec"] = time.perf_counter() - t0
    t0 = time.perf_counter(); c.put_archive("/repo", tar_of("m0.py", (CONTENT + "x = 2\n").encode())); t["write"] = time.perf_counter() - t0
    t0 = time.perf_counter(); c.exec_run(["bash", "-c", shell.DIFF_SCRIPT, "diff", *shell.diff_args(None)], user=USER); t["diff"] = time.perf_counter() - t0
    t0 = time.perf_counter(); c.remove(force=True); t["close"] = time.perf_counter() - t0
    return t


def concurrent(client, image: str, n: int) -> float:
    def one(_):
        with DockerSandbox.start(image, client=client, labels=RUN) as sb:
            return sb.run("echo hi").exit_code
    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(one, range(n)))
    assert codes == [0] * n, codes
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--concurrent", type=int, default=16)
    args = ap.parse_args()
    client = connect()
    with tempfile.TemporaryDirectory() as tmp:
        image = ensure_repo_image(client, RepoRecipe(repo_path=str(make_repo(Path(tmp) / "repo"))))
    ours(client, image), raw(client, image)  # warm up: image inspect cache, page cache
    runs = {"ours": [], "raw": []}
    for _ in range(args.reps):  # interleaved, so machine noise hits both alike
        runs["ours"].append(ours(client, image))
        runs["raw"].append(raw(client, image))
    print(f"{'operation':<10}{'ours ms':>10}{'raw SDK ms':>12}{'ratio':>8}   (median of {args.reps})")
    for op in ("start", "exec", "write", "diff", "close"):
        a = statistics.median(r[op] for r in runs["ours"]) * 1000
        b = statistics.median(r[op] for r in runs["raw"]) * 1000
        print(f"{op:<10}{a:>10.1f}{b:>12.1f}{a / b:>7.2f}x")
    walls = [concurrent(client, image, args.concurrent) for _ in range(3)]
    print(f"{args.concurrent} concurrent sandboxes (start + 1 exec + remove): "
          f"wall {statistics.median(walls):.2f}s (median of 3: {', '.join(f'{w:.2f}' for w in walls)})")
    print(f"load average during the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    client.close()


if __name__ == "__main__":
    main()
