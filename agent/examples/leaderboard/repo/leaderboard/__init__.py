from .board import load_scores, ranking

__all__ = ["load_scores", "ranking"]
