"""Temperature conversions for the weather dashboard."""
from .convert import celsius_to_fahrenheit, fahrenheit_to_celsius, format_reading

__all__ = ["celsius_to_fahrenheit", "fahrenheit_to_celsius", "format_reading"]
