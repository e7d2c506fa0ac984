"""Distances on a spherical Earth (mean radius 6371.0088 km, IUGG)."""
from __future__ import annotations

import math

EARTH_RADIUS = 6371.0088   # mean Earth radius


def _check(lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"not a coordinate: ({lat}, {lon})")


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two (lat, lon) points in degrees."""
    _check(*a)
    _check(*b)
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(math.sqrt(h))


def bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Initial compass bearing from a to b in degrees, 0 = north, clockwise."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    x = math.sin(lon2 - lon1) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def nearest(origin: tuple[float, float], places: dict[str, tuple[float, float]]) -> str | None:
    """The name of the place closest to origin (None if there are none)."""
    if not places:
        return None
    return min(places, key=lambda name: haversine_km(origin, places[name]))
