"""A root filesystem tarball made from this host's own installed Debian packages.

No registry is reachable on the machines we run on, so the base image cannot be pulled. Instead we
copy the files of the host's installed packages (the dependency closure of what we need, read from
dpkg's database) into a tar stream that `docker import` turns into an image (~15 s, ~250 MB).
"""
from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import tarfile
from pathlib import Path

DPKG = Path("/var/lib/dpkg")
# What the sandbox needs on top of Debian's Essential set: Python + venv, git, patch (SWE-bench eval
# scripts use it), CA certificates, ps/kill, apt so users can add packages from a mirror.
PACKAGES = ("python3", "python3-venv", "git", "ca-certificates", "patch", "procps", "apt")
# Documentation and translations are a third of the size and never used in a sandbox.
SKIP_PREFIXES = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/share/locale/",
                 "/usr/share/lintian/")
CA_FILES = ("/etc/ssl/certs/ca-certificates.crt",)  # bundle incl. the host's own (proxy) CAs


class RootfsError(RuntimeError):
    pass


def _parse_status(text: str) -> dict[str, dict[str, str]]:
    """Installed packages from dpkg's status file: name -> fields (first arch wins)."""
    pkgs: dict[str, dict[str, str]] = {}
    for para in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in para.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line
            elif ":" in line:
                key, _, val = line.partition(":")
                fields[key] = val.strip()
        if fields.get("Package") and fields.get("Status", "").endswith(" installed"):
            fields["_raw"] = para.strip()
            pkgs.setdefault(fields["Package"], fields)
    return pkgs


def _deps(field: str) -> list[list[str]]:
    """'a (>= 1) | b, c:any' -> [['a', 'b'], ['c']] (names only)."""
    out = []
    for group in filter(None, (g.strip() for g in field.split(","))):
        out.append([re.split(r"[\s:(\[]", alt.strip(), maxsplit=1)[0] for alt in group.split("|")])
    return out


def closure(extra: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    """Essential packages + PACKAGES + extra and their installed Depends/Pre-Depends."""
    status = DPKG / "status"
    if not status.is_file():
        raise RootfsError("this host has no dpkg database (not Debian/Ubuntu): cannot make a base image "
                          "without a registry; set SWE_AGENT_BASE_IMAGE to an image with python3, git, patch")
    installed = _parse_status(status.read_text(encoding="utf-8", errors="replace"))
    provides: dict[str, str] = {}
    for name, f in installed.items():
        for (virt, *_) in _deps(f.get("Provides", "")):
            provides.setdefault(virt, name)
    todo = [n for n, f in installed.items() if f.get("Essential") == "yes"] + list(PACKAGES) + list(extra)
    missing = [n for n in PACKAGES + tuple(extra) if n not in installed and n not in provides]
    if missing:
        raise RootfsError(f"host packages missing: {' '.join(missing)} (apt-get install -y {' '.join(missing)})")
    chosen: dict[str, dict[str, str]] = {}
    while todo:
        name = todo.pop()
        name = name if name in installed else provides.get(name, name)
        if name in chosen or name not in installed:
            continue
        chosen[name] = installed[name]
        f = installed[name]
        for group in _deps(f.get("Pre-Depends", "")) + _deps(f.get("Depends", "")):
            pick = next((a for a in group if a in installed or a in provides), None)
            if pick:  # an unsatisfied alternative group on the host cannot be honoured anyway
                todo.append(pick)
    return chosen


def _file_list(pkg: str, fields: dict[str, str]) -> list[str]:
    arch = fields.get("Architecture", "")
    for name in (f"{pkg}:{arch}.list", f"{pkg}.list"):
        p = DPKG / "info" / name
        if p.is_file():
            return p.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    return []


def recipe_digest(pkgs: dict[str, dict[str, str]]) -> str:
    """What decides the tarball's content: package versions + the CA bundle."""
    h = hashlib.sha256()
    for name in sorted(pkgs):
        h.update(f"{name}={pkgs[name].get('Version')}\n".encode())
    for ca in CA_FILES:
        if os.path.isfile(ca):
            h.update(Path(ca).read_bytes())
    for path in _generated(pkgs):       # added later: bases made before then lack them, so they are rebuilt
        h.update(f"generated {path}\n".encode())
    return h.hexdigest()


def _generated(pkgs: dict[str, dict[str, str]]) -> list[str]:
    """Files a package's install script writes (so in no .list file) that its programs need at run time:
    graphviz's plugin registry (`dot -c`; without it `dot -Tpng` knows no format: sphinx-10614's diagrams)."""
    if not any(name.startswith("libgvc") for name in pkgs):
        return []
    return sorted(glob.glob("/usr/lib/*/graphviz/config*"))


def _canonical(path: str) -> str:
    """Resolve the directory part (usrmerge: /bin -> /usr/bin) but keep the leaf (symlinks stay links)."""
    d, leaf = os.path.split(path)
    return os.path.join(os.path.realpath(d), leaf)


def write_tarball(pkgs: dict[str, dict[str, str]], out) -> int:
    """Write the root filesystem of `pkgs` as an uncompressed tar to the binary file `out`; return entries."""
    paths: set[str] = set()
    for name, fields in pkgs.items():
        for p in _file_list(name, fields):
            if p and p != "/." and not p.startswith(SKIP_PREFIXES) and os.path.lexists(p):
                paths.add(_canonical(p))
    # Generated at install time, so not in any .list file but needed at run time.
    for extra in ("/etc/ssl/certs", "/etc/alternatives", "/etc/ld.so.conf.d", "/etc/ld.so.conf"):
        if os.path.isdir(extra) and not os.path.islink(extra):
            paths.update(os.path.join(extra, n) for n in os.listdir(extra))
        if os.path.lexists(extra):
            paths.add(extra)
    paths.update(_alternative_links())
    paths.update(_canonical(p) for p in _generated(pkgs))
    paths -= {"/etc/passwd", "/etc/group", "/var/lib/dpkg/status"}  # written below, not the host's
    for dirpath in list(paths):  # parents first so modes are right
        while (dirpath := os.path.dirname(dirpath)) not in ("/", ""):
            paths.add(dirpath)
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            if os.path.islink(f"/{top}"):  # usrmerge links
                ti = tarfile.TarInfo(top)
                ti.type, ti.linkname = tarfile.SYMTYPE, os.readlink(f"/{top}")
                tar.addfile(ti)
        for p in sorted(paths):
            if p in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32") and os.path.islink(p):
                continue
            tar.add(p, arcname=p.lstrip("/"), recursive=False)
        _add_text(tar, "etc/passwd", _master("passwd"), 0o644)
        _add_text(tar, "etc/group", _master("group"), 0o644)
        _add_text(tar, "var/lib/dpkg/status", "\n\n".join(f["_raw"] for f in pkgs.values()) + "\n", 0o644)
        for d, mode in (("tmp", 0o1777), ("var/tmp", 0o1777), ("root", 0o700), ("proc", 0o755),
                        ("sys", 0o755), ("dev", 0o755), ("run", 0o755), ("repo", 0o755)):
            if f"/{d}" not in paths:  # docker import rejects duplicate entries
                ti = tarfile.TarInfo(d)
                ti.type, ti.mode = tarfile.DIRTYPE, mode
                tar.addfile(ti)
    return len(paths)


def _alternative_links() -> set[str]:
    """Links like /usr/bin/which -> /etc/alternatives/which: made by update-alternatives, in no .list file."""
    links: set[str] = set()
    alt_dir = DPKG / "alternatives"
    for f in alt_dir.iterdir() if alt_dir.is_dir() else ():
        lines = f.read_text(errors="replace").splitlines()
        # format: mode, master link, then (slave name, slave link) pairs up to an empty line
        head = lines[1:lines.index("")] if "" in lines else lines[1:]
        for link in [head[0]] + head[2::2] if head else []:
            if link.startswith("/") and not link.startswith(SKIP_PREFIXES) and os.path.islink(link):
                links.add(_canonical(link))
    return links


def _master(name: str) -> str:
    # base-passwd's master copies: root, daemon, nobody... not the host's own users.
    p = Path(f"/usr/share/base-passwd/{name}.master")
    return p.read_text() if p.is_file() else ("root:x:0:0:root:/root:/bin/bash\n" if name == "passwd" else "root:x:0:\n")


def _add_text(tar: tarfile.TarFile, name: str, text: str, mode: int) -> None:
    import io
    data = text.encode()
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode = len(data), mode
    tar.addfile(ti, io.BytesIO(data))


def have_dpkg() -> bool:
    return (DPKG / "status").is_file() and shutil.which("dpkg") is not None


def host_has(package: str) -> bool:
    """Whether the host's dpkg database lists `package` as installed (False without one)."""
    status = DPKG / "status"
    return status.is_file() and package in _parse_status(status.read_text(encoding="utf-8", errors="replace"))
