"""Semantic Versioning 2.0.0 (https://semver.org) without third-party packages.

A version is MAJOR.MINOR.PATCH, optionally followed by "-prerelease" and "+build". Build metadata
is kept for display but ignored for precedence, as the spec says: 1.0.0+a == 1.0.0+b.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

_IDENT = re.compile(r"^[0-9A-Za-z-]+$")
_OPS = ("<=", ">=", "==", "!=", "^", "~", "<", ">")


def _int_part(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"invalid {what}: {text!r}")
    if len(text) > 1 and text.startswith("0"):
        raise ValueError(f"{what} has a leading zero: {text!r}")
    return int(text)


def _identifiers(text: str, what: str) -> tuple[str, ...]:
    parts = tuple(text.split("."))
    for part in parts:
        if not _IDENT.match(part):
            raise ValueError(f"invalid {what} identifier: {part!r}")
    return parts


def _compare_prerelease(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Spec rule 11: a version without prerelease ranks higher; identifiers compare field by field."""
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    for x, y in zip(a, b):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit():
            return -1   # numeric identifiers rank below alphanumeric ones
        if y.isdigit():
            return 1
        return -1 if x < y else 1
    return -1 if len(a) < len(b) else 1


@functools.total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def parse(cls, text: str) -> "Version":
        """Version.parse("1.4.0-rc.1+exp.sha.5114f85"); a leading "v" is accepted."""
        text = text.strip()
        if text[:1] in ("v", "V"):
            text = text[1:]
        build: tuple[str, ...] = ()
        text, plus, meta = text.partition("+")
        if plus:
            build = _identifiers(meta, "build")
        core, dash, pre = text.partition("-")
        pieces = core.split(".")
        if len(pieces) != 3:
            raise ValueError(f"expected MAJOR.MINOR.PATCH, got {text!r}")
        major, minor, patch = (_int_part(p, name) for p, name in zip(pieces, ("major", "minor", "patch")))
        prerelease = _identifiers(pre, "prerelease") if dash else ()
        return cls(major, minor, patch, prerelease, build)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def _cmp(self, other: "Version") -> int:
        mine, theirs = (self.major, self.minor, self.patch), (other.major, other.minor, other.patch)
        if mine != theirs:
            return -1 if mine < theirs else 1
        return _compare_prerelease(self.prerelease, other.prerelease)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._cmp(other) < 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._cmp(other) == 0

    def __hash__(self) -> int:
        return hash((self.major, self.minor, self.patch, self.prerelease))

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def bump(self, part: str) -> "Version":
        """The next release: bump("minor") on 1.4.2 gives 1.5.0. Prerelease and build are dropped."""
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        if part == "patch":
            if self.prerelease:   # 1.0.1-rc.1 -> 1.0.1: the release the prerelease was for
                return Version(self.major, self.minor, self.patch)
            return Version(self.major, self.minor, self.patch + 1)
        raise ValueError(f"unknown part {part!r}; use major, minor or patch")


@dataclass(frozen=True)
class Constraint:
    """One comparison such as ">=1.2.0", "^1.2.3" (same major) or "~1.2.3" (same minor)."""
    op: str
    version: Version

    @classmethod
    def parse(cls, text: str) -> "Constraint":
        text = text.strip()
        for op in _OPS:
            if text.startswith(op):
                return cls(op, Version.parse(text[len(op):]))
        return cls("==", Version.parse(text))

    def allows(self, v: Version) -> bool:
        target = self.version
        if v.is_prerelease and (v.major, v.minor, v.patch) != (target.major, target.minor, target.patch):
            return False   # prereleases only match constraints that name their own release
        if self.op == "==":
            return v == target
        if self.op == "!=":
            return v != target
        if self.op == "<":
            return v < target
        if self.op == "<=":
            return v <= target
        if self.op == ">":
            return v > target
        if self.op == ">=":
            return v >= target
        if self.op == "^":
            upper = target.bump("major") if target.major else target.bump("minor")
            return target <= v < upper
        if self.op == "~":
            return target <= v < target.bump("minor")
        raise ValueError(f"unknown operator {self.op!r}")


def parse_constraints(text: str) -> list[Constraint]:
    """Comma-separated constraints, all of which must hold: ">=1.2, <2"."""
    return [Constraint.parse(part) for part in text.split(",") if part.strip()]


def sort_versions(texts: list[str]) -> list[str]:
    """Version strings in ascending precedence; equal precedence keeps input order."""
    return sorted(texts, key=Version.parse)


def max_satisfying(texts: list[str], spec: str) -> str | None:
    """The highest version in texts that meets every constraint in spec, or None."""
    constraints = parse_constraints(spec)
    best: tuple[Version, str] | None = None
    for text in texts:
        v = Version.parse(text)
        if all(c.allows(v) for c in constraints) and (best is None or v > best[0]):
            best = (v, text)
    return best[1] if best else None
