"""Build a table of contents from ATX headings ("# Title", "## Section", ...).

The document title (the first level-1 heading) is the root of the tree. render_toc() prints the
sections below it as a nested Markdown list of links; max_depth limits how many levels are shown
(max_depth=1: only the top-level sections, 2: sections and their subsections, ...).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass
class Heading:
    level: int
    title: str
    children: list["Heading"] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """GitHub-style anchor: lower case, punctuation dropped, spaces to hyphens."""
        text = re.sub(r"[^\w\- ]", "", self.title.lower())
        return text.replace(" ", "-")


def parse_headings(markdown: str) -> list[Heading]:
    """Headings outside fenced code blocks, in document order."""
    out, in_fence = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            out.append(Heading(len(match.group(1)), match.group(2)))
    return out


def build_tree(headings: list[Heading]) -> Heading:
    """Nest headings under the closest preceding heading of a lower level."""
    root = Heading(0, "")
    stack = [root]
    for h in headings:
        while stack[-1].level >= h.level:
            stack.pop()
        stack[-1].children.append(h)
        stack.append(h)
    if len(root.children) == 1 and root.children[0].level == 1:
        return root.children[0]   # the document title is the root
    return root


def _render(node: Heading, depth: int, max_depth: int | None) -> list[str]:
    if max_depth is not None and depth + 1 >= max_depth:
        return []
    lines = []
    for child in node.children:
        lines.append(f"{'  ' * depth}- [{child.title}](#{child.anchor})")
        lines.extend(_render(child, depth + 1, max_depth))
    return lines


def render_toc(markdown: str, max_depth: int | None = None) -> str:
    """The table of contents of a Markdown document as a nested list."""
    if max_depth is not None and max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    return "\n".join(_render(build_tree(parse_headings(markdown)), 0, max_depth))
