"""Application settings from a JSON file, environment variables and defaults."""
from .loader import DEFAULTS, Settings, SettingsError, load_settings

__all__ = ["DEFAULTS", "Settings", "SettingsError", "load_settings"]
