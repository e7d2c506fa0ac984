from calc.core import add, clamp, relu

__all__ = ["add", "clamp", "relu"]
