from tenantcfg import DEFAULTS, TenantRegistry


def test_overrides_do_not_leak_between_tenants():
    reg = TenantRegistry()
    reg.add("pilot-co", plan="team", features={"beta_editor": True})
    reg.add("small-co")
    assert reg.feature_enabled("pilot-co", "beta_editor")
    assert not reg.feature_enabled("small-co", "beta_editor")
    assert reg.limit("small-co", "projects") == 3
    assert reg.config_for("small-co") == DEFAULTS


def test_repeated_lookups_are_stable():
    reg = TenantRegistry()
    reg.add("a", plan="enterprise", locale="fr")
    reg.add("b")
    first = reg.config_for("b")
    reg.config_for("a")
    assert reg.config_for("b") == first and first["locale"] == "en"
    assert reg.config_for("a") is not reg.config_for("a")
