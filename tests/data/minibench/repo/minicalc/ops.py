"""Small numeric helpers."""


def add(a, b):
    return a + b


def clamp(value, low, high):
    """Limit value to the closed interval [low, high]."""
    if value < low:
        return low
    if value > high:
        return value
    return value


def mean(values):
    """Arithmetic mean of a non-empty sequence."""
    values = list(values)
    return sum(values) / len(values)
