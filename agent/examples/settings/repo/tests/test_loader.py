import json

import pytest

from appconfig import SettingsError, load_settings


def test_missing_file_gives_defaults(tmp_path):
    s = load_settings(tmp_path / "nope.json", environ={})
    assert s.db_host == "localhost" and s.source == "defaults"


def test_file_and_env(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"db_host": "db.internal", "workers": 8}))
    s = load_settings(path, environ={"APP_DEBUG": "yes", "APP_DB_PORT": "6543"})
    assert (s.db_host, s.workers, s.debug, s.db_port) == ("db.internal", 8, True, 6543)
    assert s.db_url == "postgresql://db.internal:6543/app"


def test_invalid_values(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"workers": "many"}))
    with pytest.raises(SettingsError, match="workers must be int"):
        load_settings(path, environ={})
    path.write_text(json.dumps({"db_hots": "x"}))
    with pytest.raises(SettingsError, match="unknown settings db_hots"):
        load_settings(path, environ={})
    path.write_text("[1, 2]")
    with pytest.raises(SettingsError, match="JSON object"):
        load_settings(path, environ={})
