"""Per-tenant configuration for a multi-tenant SaaS: defaults, plan settings, tenant overrides."""
from .tenants import DEFAULTS, PLANS, TenantRegistry

__all__ = ["DEFAULTS", "PLANS", "TenantRegistry"]
