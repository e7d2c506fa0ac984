"""Great-circle distances between coordinates."""
from .distance import bearing, haversine_km, nearest

__all__ = ["bearing", "haversine_km", "nearest"]
