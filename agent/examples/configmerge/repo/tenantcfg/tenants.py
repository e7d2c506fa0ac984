"""Tenants and their effective configuration."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .layers import get_path, merge_layers

DEFAULTS: dict[str, Any] = {
    "features": {"sso": False, "audit_log": False},   # beta features are off unless listed
    "limits": {"users": 5, "projects": 3, "storage_gb": 1},
    "locale": "en",
}

PLANS: dict[str, dict[str, Any]] = {
    "free": {},
    "team": {"limits": {"users": 50, "projects": 100, "storage_gb": 50}, "features": {"audit_log": True}},
    "enterprise": {"limits": {"users": 10_000, "projects": 10_000, "storage_gb": 5_000},
                   "features": {"sso": True, "audit_log": True}},
}


@dataclass
class Tenant:
    name: str
    plan: str = "free"
    overrides: dict[str, Any] = field(default_factory=dict)


class TenantRegistry:
    def __init__(self) -> None:
        self._tenants: dict[str, Tenant] = {}

    def add(self, name: str, plan: str = "free", **overrides: Any) -> Tenant:
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}")
        tenant = Tenant(name, plan, overrides)
        self._tenants[name] = tenant
        return tenant

    def config_for(self, name: str) -> dict[str, Any]:
        """The effective configuration: defaults < plan < the tenant's own overrides."""
        tenant = self._tenants[name]
        return merge_layers([DEFAULTS, PLANS[tenant.plan], tenant.overrides])

    def feature_enabled(self, name: str, feature: str) -> bool:
        return bool(get_path(self.config_for(name), f"features.{feature}", False))

    def limit(self, name: str, what: str) -> int:
        return int(get_path(self.config_for(name), f"limits.{what}"))
