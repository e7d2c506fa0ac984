"""URLs without urllib's surprises, following RFC 3986 section 5 for reference resolution.

    join_url("https://example.com/a/b/c", "../d")   -> "https://example.com/a/d"
    join_url("https://example.com/a/b/c", "/x?y=1") -> "https://example.com/x?y=1"
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, urlencode

_URL = re.compile(r"^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$")
DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


@dataclass(frozen=True)
class Url:
    scheme: str = ""
    netloc: str = ""
    path: str = ""
    query: str = ""
    fragment: str = ""
    has_netloc: bool = False
    has_query: bool = False
    has_fragment: bool = False

    def __str__(self) -> str:
        out = f"{self.scheme}:" if self.scheme else ""
        if self.has_netloc or self.netloc:
            out += f"//{self.netloc}"
        out += self.path
        if self.has_query or self.query:
            out += f"?{self.query}"
        if self.has_fragment or self.fragment:
            out += f"#{self.fragment}"
        return out


def split_url(text: str) -> Url:
    """The five RFC 3986 components of text (which always matches the generic syntax)."""
    scheme, netloc, path, query, fragment = _URL.match(text.strip()).groups()
    return Url((scheme or "").lower(), netloc or "", path, query or "", fragment or "",
               netloc is not None, query is not None, fragment is not None)


def is_absolute(text: str) -> bool:
    return bool(split_url(text).scheme)


def normalize_path(path: str) -> str:
    """Remove "." and ".." segments (RFC 3986 5.2.4): "/a/b/../c/./d" -> "/a/c/d"."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1 or (out and out[0] != ""):
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    if path.startswith("/") and not result.startswith("/"):
        result = "/" + result
    return result


def _merge(base: Url, ref_path: str) -> str:
    if base.has_netloc and not base.path:
        return "/" + ref_path
    return base.path[: base.path.rfind("/") + 1] + ref_path


def join_url(base: str, ref: str) -> str:
    """ref resolved against base, like a browser following a link."""
    b, r = split_url(base), split_url(ref)
    if r.scheme:
        return str(replace(r, path=normalize_path(r.path)))
    if r.has_netloc:
        return str(replace(r, scheme=b.scheme, path=normalize_path(r.path)))
    if not r.path:
        query, has_query = (r.query, True) if r.has_query else (b.query, b.has_query)
        return str(replace(b, query=query, has_query=has_query, fragment=r.fragment, has_fragment=r.has_fragment))
    if r.path.startswith("/"):
        return str(replace(b, path=normalize_path(b.path), query=r.query, has_query=r.has_query,
                           fragment=r.fragment, has_fragment=r.has_fragment))
    return str(replace(b, path=normalize_path(_merge(b, r.path)), query=r.query, has_query=r.has_query,
                       fragment=r.fragment, has_fragment=r.has_fragment))


def _host_port(netloc: str, scheme: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.partition(":")
    if colon and (not port or port == DEFAULT_PORTS.get(scheme)):
        colon, port = "", ""
    return f"{userinfo}{at}{host.lower()}{colon}{port}"


def normalize_url(text: str, drop_fragment: bool = True) -> str:
    """A canonical form for de-duplicating crawled URLs: lower-case scheme and host, default port
    removed, dot segments resolved, empty path -> "/", percent-encoding made uniform, fragment dropped."""
    u = split_url(text)
    path = quote(normalize_path(u.path) or ("/" if u.has_netloc else ""), safe="/%:@!$&'()*+,;=-._~")
    u = replace(u, netloc=_host_port(u.netloc, u.scheme), path=path)
    if drop_fragment:
        u = replace(u, fragment="", has_fragment=False)
    return str(u)


def add_query(text: str, **params: str | int | None) -> str:
    """text with params set in its query string (None removes a parameter); other parameters and
    their order are kept, new ones are appended."""
    u = split_url(text)
    pairs = parse_qsl(u.query, keep_blank_values=True)
    seen = set()
    out = []
    for key, value in pairs:
        if key in params:
            if key in seen or params[key] is None:
                continue
            seen.add(key)
            out.append((key, str(params[key])))
        else:
            out.append((key, value))
    for key, value in params.items():
        if key not in seen and value is not None:
            out.append((key, str(value)))
    query = urlencode(out)
    return str(replace(u, query=query, has_query=bool(query)))


def same_site(a: str, b: str) -> bool:
    """True when two URLs share scheme and host (after normalisation)."""
    ua, ub = split_url(normalize_url(a)), split_url(normalize_url(b))
    return (ua.scheme, ua.netloc) == (ub.scheme, ub.netloc)


TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_")


def strip_tracking(text: str) -> str:
    """text without analytics parameters (utm_*, fbclid, gclid, mc_*), other parameters kept in order."""
    u = split_url(text)
    pairs = [(k, v) for k, v in parse_qsl(u.query, keep_blank_values=True) if not k.startswith(TRACKING_PREFIXES)]
    query = urlencode(pairs)
    return str(replace(u, query=query, has_query=bool(query)))


def path_depth(text: str) -> int:
    """Number of non-empty path segments: "https://x/a/b/" -> 2 (crawl depth limits use it)."""
    return len([seg for seg in normalize_path(split_url(text).path).split("/") if seg])
