"""Shell snippets and pure helpers shared by the Docker and local sandboxes.

The snippets take their inputs as positional arguments ("$1"...) so nothing is ever quoted into them.
"""
from __future__ import annotations

HEAD_BYTES = 50_000   # first bytes of a command's output that are kept (errors usually show up early...)
TAIL_BYTES = 50_000   # ...and last bytes (pytest's summary is at the end)
MARKER = "\n\n[... {n} output truncated: only the first {h} and last {t} bytes are kept ...]\n\n"

# $1 timeout seconds, $2 head bytes, $3 tail bytes + 1, $4 command, $5 largest file (1 KiB blocks).
# The command runs in its own process group (`timeout` makes one), killed with SIGKILL on timeout.
# Its output goes through a pipe to `head; tail` INSIDE the sandbox, so a command printing gigabytes
# costs no memory here. It holds no other descriptor: the exec's exit code (read from the engine) is
# this script's, which is the command's, and nothing the command writes can change it. Afterwards
# every process of this user but this script and the capper is killed: background jobs and `setsid`
# escapes would otherwise keep the pipe open (and a run would not be stateless). The container's
# keeper runs as another user, so it survives this. One command at a time per sandbox.
RUN_WRAPPER = r"""
exec 4> >(head -c "$2"; tail -c "$3"); cap=$!
( ulimit -f "$5" 2>/dev/null; exec timeout -s KILL "$1" bash -lc "$4" ) </dev/null >&4 2>&1 4>&- & tp=$!
exec 4>&-
wait $tp; rc=$?
for _ in 1 2 3 4 5; do
  pids=
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = $$ ] || [ "$p" = "$cap" ] || [ ! -O "$d" ] && continue
    read -r st < "$d/stat" 2>/dev/null || continue
    st=(${st##*) }); [ "${st[1]}" = "$cap" ] || pids="$pids $p"
  done
  [ -z "$pids" ] && break
  kill -9 $pids 2>/dev/null
done
wait $cap 2>/dev/null
exit $rc
"""

# Run as the sandbox user after a host-side deadline: kills every process of that user (the exec
# that overran included), not the keeper (another user) and so not the container.
KILL_ALL = ["bash", "-c", "kill -9 -1"]

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
