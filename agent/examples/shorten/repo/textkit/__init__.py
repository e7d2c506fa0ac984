from .shorten import collapse, shorten

__all__ = ["collapse", "shorten"]
