"""Tables of contents for Markdown documents."""
from .toc import Heading, build_tree, parse_headings, render_toc

__all__ = ["Heading", "build_tree", "parse_headings", "render_toc"]
