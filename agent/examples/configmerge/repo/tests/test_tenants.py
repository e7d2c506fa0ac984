import pytest

from tenantcfg import DEFAULTS, TenantRegistry
from tenantcfg.layers import deep_update, get_path


def test_deep_update_copies_nested_dicts():
    source = {"a": {"b": 1}}
    target = deep_update({}, source)
    target["a"]["b"] = 2
    assert source == {"a": {"b": 1}}


def test_get_path():
    assert get_path({"a": {"b": 3}}, "a.b") == 3
    assert get_path({"a": 1}, "a.b", "x") == "x"


def test_plan_limits():
    reg = TenantRegistry()
    reg.add("acme", plan="team")
    assert reg.limit("acme", "users") == 50
    assert reg.feature_enabled("acme", "audit_log")


def test_tenant_override_wins():
    reg = TenantRegistry()
    reg.add("globex", plan="enterprise", locale="de", limits={"storage_gb": 9000})
    cfg = reg.config_for("globex")
    assert cfg["locale"] == "de" and cfg["limits"]["storage_gb"] == 9000 and cfg["limits"]["users"] == 10_000


def test_defaults_untouched():
    assert DEFAULTS["features"]["sso"] is False


def test_unknown_plan():
    with pytest.raises(ValueError):
        TenantRegistry().add("x", plan="gold")
