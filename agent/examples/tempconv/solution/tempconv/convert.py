"""Convert between Celsius and Fahrenheit and format readings for display."""
from __future__ import annotations


def celsius_to_fahrenheit(celsius: float) -> float:
    """Degrees Celsius to degrees Fahrenheit."""
    return celsius * 9 / 5 + 32


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    """Degrees Fahrenheit to degrees Celsius."""
    return (fahrenheit - 32) * 5 / 9


def format_reading(celsius: float, unit: str = "C") -> str:
    """A reading for display, in the unit the user chose ("C" or "F")."""
    if unit == "F":
        return f"{celsius_to_fahrenheit(celsius):.1f} °F"
    if unit == "C":
        return f"{celsius:.1f} °C"
    raise ValueError(f"unknown unit {unit!r}")
