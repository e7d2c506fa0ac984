"""A safe calculator for user-entered formulas (no eval)."""
from .evaluator import CalcError, Calculator, evaluate

__all__ = ["CalcError", "Calculator", "evaluate"]
