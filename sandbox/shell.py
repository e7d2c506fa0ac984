"""Shell snippets and pure helpers shared by the Docker and local sandboxes.

The snippets take their inputs as positional arguments ("$1"...) so nothing is ever quoted into them.
"""
from __future__ import annotations

HEAD_BYTES = 50_000   # first bytes of a command's output that are kept (errors usually show up early...)
TAIL_BYTES = 50_000   # ...and last bytes (pytest's summary is at the end)
MARKER = "\n\n[... {n} output truncated: only the first {h} and last {t} bytes are kept ...]\n\n"

# $1 timeout seconds, $2 head bytes, $3 tail bytes + 1, $4 command.
# The command runs in its own process group (`timeout` makes one) and is killed with SIGKILL on
# timeout; leftovers it started in the background are killed when it ends, so a run is stateless and
# never waits on a forgotten server holding the pipe. Output is capped INSIDE the sandbox (head keeps
# the first bytes, tail streams the rest keeping only the last ones), so a command printing gigabytes
# costs no memory here. The exit code goes to stderr, apart from the output.
RUN_WRAPPER = r"""
{ timeout -s KILL "$1" bash -lc "$4" </dev/null 2>&1 & tp=$!
  wait $tp; echo "__rc=$?" >&3; kill -9 -- -$tp 2>/dev/null; } 3>&2 | { head -c "$2"; tail -c "$3"; }
"""

# Paths that are never part of an agent's change, whatever the repository's .gitignore says.
DIFF_EXCLUDES = ("**/__pycache__/**", "**/*.pyc", "**/*.pyo", "**/.pytest_cache/**", "**/*.egg-info/**",
                 "**/*.orig", "**/*.rej", ".mypy_cache/**", ".tox/**")

# $1 base commit (may be empty: HEAD), then the exclude pathspecs. New files are staged into a
# throw-away copy of the index, so the repository's own index and worktree are left untouched.
DIFF_SCRIPT = r"""
set -e
base=${1:-HEAD}; shift
idx=$(mktemp); trap 'rm -f "$idx"' EXIT
# -p keeps the index mtime: git's racy-clean check needs it (a same-size edit in the same second)
cp -p "$(git rev-parse --git-path index)" "$idx" 2>/dev/null || true
export GIT_INDEX_FILE="$idx"
git -c core.fileMode=false add -A -- . "$@"  # write_file cannot keep modes: ignore them
git -c core.fileMode=false -c core.quotePath=false diff --cached --binary --no-color --no-ext-diff "$base" --
"""

# $1 patch file. Strict `git apply` first; if that fails, more tolerant tools, but only after a dry
# run says they would apply everything (never leave a half-applied patch). On failure: git's stderr.
APPLY_SCRIPT = r"""
p="$1"
err=$(git apply --whitespace=nowarn "$p" 2>&1) && { echo "applied"; exit 0; }
git apply --whitespace=nowarn --recount --ignore-whitespace --check "$p" >/dev/null 2>&1 \
  && git apply --whitespace=nowarn --recount --ignore-whitespace "$p" && { echo "applied (ignoring whitespace)"; exit 0; }
if patch -p1 --dry-run --batch --forward -s -i "$p" >/dev/null 2>&1; then
  patch -p1 --batch --forward --no-backup-if-mismatch -s -i "$p" >/dev/null && { echo "applied with patch -p1 (fuzz)"; exit 0; }
fi
echo "$err"; exit 1
"""


def diff_args(base: str | None) -> list[str]:
    return [base or "", *(f":(exclude,glob){g}" for g in DIFF_EXCLUDES)]


def cap_output(raw: bytes, head: int = HEAD_BYTES, tail: int = TAIL_BYTES) -> tuple[str, bool]:
    """Output produced by RUN_WRAPPER's `head -c head; tail -c tail+1` -> (text, truncated).

    Everything beyond `head` bytes is the tail tool's output; if it returned tail+1 bytes, something
    in the middle was dropped (the extra byte only tells us so and is thrown away).
    """
    if len(raw) <= head + tail:
        return raw.decode("utf-8", errors="replace"), False
    first, last = raw[:head], raw[-tail:]
    marker = MARKER.format(n="middle of the", h=head, t=tail)
    return (first.decode("utf-8", errors="replace") + marker + last.decode("utf-8", errors="replace")), True


def timeout_arg(timeout: float) -> str:
    # coreutils `timeout` takes fractional seconds; 0 would mean "no timeout", so keep it positive.
    return f"{max(float(timeout), 0.01):.3f}"
