"""The report in a real headless Chromium: the scripts run, the grid and a diff are on screen,
a trajectory opens from a link, an injected <script> does not run. Screenshots go to test-artifacts/."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from agent.report.render import write_report
from tests.support.paths import ROOT
from tests.support.report_runs import make_run, real_run

ARTIFACTS = ROOT / "test-artifacts"
# Measures where the grid and the open candidate's diff are laid out; appended to a COPY of the page
# (the shipped page has no test hooks). Runs after app.js, at the end of <body>.
PROBE = """<script>(function () {
  function rect(sel) { var e = document.querySelector(sel); if (!e) return null;
    var b = e.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; }
  document.body.setAttribute("data-probe", JSON.stringify({grid: rect("#grid"), diff: rect("details.cand[open] .diff"),
    w: innerWidth, h: innerHeight}));
})();</script>"""


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not path:
        pytest.skip("chromium is not installed (scripts/test.sh installs Debian's `chromium` package)")
    return path


def run_chromium(chromium: str, tmp_path: Path, url: str, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--window-size=1400,2000", *args, url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def check_page(chromium: str, page: Path, tmp_path: Path, screenshot: Path) -> None:
    probed = page.with_name("probed.html")
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = run_chromium(chromium, tmp_path, probed.as_uri(), "--dump-dom")
    assert re.search(r'<body[^>]*data-ready="1"', dom), "the page's script did not run"
    assert "data-pwned" not in re.search(r"<html[^>]*>", dom).group(0), "injected script ran"
    probe = json.loads(re.search(r"data-probe=\"([^\"]+)\"", dom).group(1).replace("&quot;", '"'))
    for name in ("grid", "diff"):
        left, top, width, height = probe[name]
        assert width > 100 and height > 40, (name, probe)
        assert 0 <= top < probe["h"] and top + 10 < 2000, f"{name} is not on the first screen: {probe}"
    assert re.search(r'<td class="cell pass', dom) and re.search(r'<td class="cell fail', dom)
    assert '<div class="dl add">' in dom
    # A link to a trajectory opens it and draws its messages from the JSON blob.
    dom = run_chromium(chromium, tmp_path, page.as_uri() + "#t-1", "--dump-dom")
    assert re.search(r'<details class="traj" id="t-1" data-traj="1" open="" data-drawn="1">', dom)
    assert 'class="msg user"' in dom and 'class="msg assistant"' in dom
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, page.as_uri(), f"--screenshot={screenshot}")
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_synthetic_run_in_chromium(chromium, tmp_path):
    page = write_report(make_run(tmp_path / "run"))
    check_page(chromium, page, tmp_path, ARTIFACTS / "report-synthetic.png")


@pytest.mark.docker
def test_real_run_in_chromium(chromium, tmp_path, tmp_path_factory):
    run = real_run(tmp_path_factory.mktemp("real"))
    page = write_report(run, tmp_path / "report.html")
    check_page(chromium, page, tmp_path, ARTIFACTS / "report.png")
